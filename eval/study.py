"""Own gold set on the shared corpus: questions a cadre would ask, with expected provisions.

``eval/gold/study_questions.jsonl`` holds one question per line::

    {"id": "q57-01", "question": "…", "expected": ["57-NQ/TW:II.1"], "doc": "57-NQ/TW" | null}

Each question is asked twice: as written (with diacritics) and folded to plain ASCII as
people often type it ("muc tieu giao duc 2030"). A hit counts when it is an expected
provision or lies inside one (the answer is in that provision's subtree).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from eval.metrics import METRIC_KEYS, aggregate, query_metrics
from eval.stamp import ROOT, run_stamp, write_json
from ingest.normalize import fold
from ingest.settings import Settings

GOLD = ROOT / "eval" / "gold" / "study_questions.jsonl"


def load_gold(path: Path = GOLD) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _matches(hit_id: str, expected: set[str]) -> str | None:
    for e in expected:
        if hit_id == e or hit_id.startswith(e + "."):
            return e
    return None


def ranked_expected(hit_ids: list[str], expected: set[str]) -> list[str]:
    """Map hits to the expected id they fall under (others keep their own id), deduplicated."""
    out: list[str] = []
    for h in hit_ids:
        key = _matches(h, expected) or h
        if key not in out:
            out.append(key)
    return out


def prepare_corpus_index(base: Settings, corpus: Path, progress: bool = True) -> Settings:
    """Ingest and index the corpus in a scratch home under NQDOC_HOME/eval (reused when unchanged)."""
    from index.sync import sync_index
    from ingest.errors import NqdocError
    from ingest.pipeline import ingest_paths

    settings = base.scratch(base.home / "eval" / "study-corpus", qdrant_url="")
    report = ingest_paths([str(corpus)], settings)
    if report.failed:
        raise NqdocError("; ".join(f.error or "" for f in report.files if f.status == "failed"))
    try:
        sync_index(settings, progress=progress)
    except NqdocError:
        sync_index(settings, progress=progress, rebuild=True)
    return settings


def evaluate_study(base: Settings, corpus: Path, *, gold: Path = GOLD, out: Path | None = None,
                   top_k: int = 10, progress: bool = True) -> dict[str, Any]:
    from index.retrieve import Retriever
    from index.store import SearchFilters

    settings = prepare_corpus_index(base, corpus, progress)
    items = load_gold(gold)
    retriever = Retriever(settings)
    t0 = time.perf_counter()
    per_query: list[dict[str, Any]] = []
    try:
        for item in items:
            expected = set(item["expected"])
            filters = SearchFilters(doc=[item["doc"]]) if item.get("doc") else None
            for variant, text in (("accented", item["question"]), ("no_diacritics", fold(item["question"]))):
                hits = retriever.search(text, filters=filters, top_k=top_k)
                ranked = ranked_expected([h.provision_id for h in hits], expected)
                m = query_metrics(ranked, expected)
                per_query.append({"id": item["id"], "variant": variant, "question": text,
                                  "expected": sorted(expected),
                                  "top": [h.provision_id for h in hits[:5]], **m})
    finally:
        retriever.close()
    from index.sync import spec_key

    by_variant = {
        v: aggregate([{k: q[k] for k in METRIC_KEYS} for q in per_query if q["variant"] == v])
        for v in ("accented", "no_diacritics")
    }
    report = {
        "gold": str(gold),
        "n_questions": len(items),
        "metrics": by_variant,
        "index_spec": spec_key(settings),
        "query_backend": settings.query_backend,
        "seconds": {"queries": round(time.perf_counter() - t0, 2)},
        **run_stamp(),
        "per_query": per_query,
    }
    write_json(out, report)
    return report
