"""Retrieval evaluation on any benchmark in ALQAC's format.

``law.json`` is a list of laws ``{id, articles: [{id, text}]}``; a questions file is a list
of ``{question_id | id, text, relevant_articles: [{law_id, article_id}]}``. The laws are
ingested and indexed in a scratch home (cached by the laws' content hash and the index
spec), every question is searched through the same code path users hit, and hits are
mapped to their article (the unit of the benchmark) before scoring.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any, Literal

from eval.metrics import METRIC_KEYS, aggregate, query_metrics
from eval.stamp import run_stamp, write_json
from ingest.settings import Settings


def load_questions(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for q in data:
        qid = str(q.get("question_id") or q.get("id"))
        rel = {f"{a['law_id']}#{a['article_id']}" for a in q.get("relevant_articles", [])}
        out.append({"id": qid, "text": q["text"], "relevant": rel})
    return out


def article_of(provision_id: str) -> str | None:
    """``Luật X:D32.1.a`` → ``Luật X#32``; None for provisions outside an article."""
    doc_id, _, path = provision_id.rpartition(":")
    head = path.split(".")[0]
    if not head.startswith("D") or not head[1:]:
        return None
    return f"{doc_id}#{head[1:].split('~')[0]}"


def scratch_settings(base: Settings, law_path: Path) -> Settings:
    digest = hashlib.sha256(law_path.read_bytes()).hexdigest()[:12]
    return base.scratch(base.home / "eval" / f"laws-{digest}", qdrant_url="")


def prepare_index(base: Settings, law_path: Path, progress: bool = True) -> Settings:
    """Ingest and index the laws in a scratch home; reuse it when nothing changed."""
    from index.sync import sync_index
    from ingest.errors import NqdocError
    from ingest.pipeline import ingest_paths

    settings = scratch_settings(base, law_path)
    report = ingest_paths([str(law_path)], settings)
    if report.failed:
        raise NqdocError("; ".join(f.error or "" for f in report.files if f.status == "failed"))
    try:
        sync_index(settings, progress=progress)
    except NqdocError:
        sync_index(settings, progress=progress, rebuild=True)
    return settings


def evaluate_retrieval(base: Settings, law_path: Path, questions_path: Path, *, out: Path | None = None,
                       depth: int = 40, progress: bool = True,
                       fusion: Literal["rrf", "dbsf"] = "rrf") -> dict[str, Any]:
    from index.retrieve import Retriever

    t0 = time.perf_counter()
    settings = prepare_index(base, law_path, progress)
    build_s = time.perf_counter() - t0
    questions = load_questions(questions_path)
    retriever = Retriever(settings)
    per_query = []
    t1 = time.perf_counter()
    try:
        for q in questions:
            hits = retriever.search(q["text"], top_k=depth, fusion=fusion)
            ranked: list[str] = []
            for h in hits:
                art = article_of(h.provision_id)
                if art and art not in ranked:
                    ranked.append(art)
            m = query_metrics(ranked, q["relevant"])
            per_query.append({"id": q["id"], "relevant": sorted(q["relevant"]), "top": ranked[:10], **m})
    finally:
        retriever.close()
    query_s = time.perf_counter() - t1
    from index.sync import spec_key

    report = {
        "benchmark": {"laws": str(law_path), "questions": str(questions_path), "n_questions": len(questions)},
        "metrics": aggregate([{k: q[k] for k in METRIC_KEYS} for q in per_query]),
        "index_spec": spec_key(settings),
        "query_backend": settings.query_backend,
        "fusion": fusion,
        "seconds": {"index": round(build_s, 2), "queries": round(query_s, 2)},
        **run_stamp(),
        "per_query": per_query,
    }
    write_json(out, report)
    return report
