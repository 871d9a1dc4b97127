"""``nqdoc eval tasks`` — commitment extraction against eval/gold/commitments.jsonl.

Gold (annotated by reading the source files, independently of the extractor):

* ``eval/gold/commitments.jsonl`` — every row of the task tables of ``03/NQ-CP`` (appendix II,
  140 rows) and ``282/NQ-CP`` (rows 39–42), taken from the raw Markdown tables; and prose
  commitments annotated by hand in the parts listed in :data:`PROSE_SCOPES` — split ``dev``
  (57-NQ/TW, 03/NQ-CP, 3260-KH/ĐĐQH15, read while writing the rules) and ``heldout``
  (72-NQ/TW, 281/NQ-CP, not used to write rules). One record per provision that assigns work;
  ``output_type`` is the main product type (``target`` = a figure), ``null`` when none.
* ``eval/gold/deadlines.jsonl`` — every distinct deadline string in the corpus tables, the
  provincial tracker and the prose records, normalised by hand.

Metrics: a record matches when it has the gold record's source provision and its task text
covers at least half of the gold task's words (all gold tasks empty in the source match on
the provision). Precision/recall/F1 over records (prose: only extracted records inside the
annotated scopes count), and per-field accuracy on matched records: lead and partners (set of
canonical agencies equal), deadline (normalised kind/start/end/recurrence equal), output (table:
cell text equal; prose: main product type equal).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from eval.metrics import precision_recall_f1
from ingest.errors import NqdocError
from ingest.normalize import fold

GOLD_DIR = Path(__file__).resolve().parent / "gold"
COMMITMENTS = GOLD_DIR / "commitments.jsonl"
DEADLINES = GOLD_DIR / "deadlines.jsonl"
# The parts annotated by hand: every commitment in them is in the gold.
PROSE_SCOPES: dict[str, list[str]] = {
    "57-NQ/TW": ["IV"],
    "03/NQ-CP": ["CT.II.1", "CT.II.2", "CT.II.7", "CT.III"],
    "3260-KH/ĐĐQH15": ["II", "III"],
    "72-NQ/TW": ["III", "IV"],
    "281/NQ-CP": ["CT.II"],
}
_DL_KEYS = ("kind", "start", "end", "recurrence")


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold(text or "")))


def task_overlap(gold: str, extracted: str) -> float:
    g = _words(gold)
    if not g:
        return 1.0
    return len(g & _words(extracted)) / len(g)


def _in_scope(pid: str) -> bool:
    doc, _, path = pid.partition(":")
    return any(path == s or path.startswith(s + ".") for s in PROSE_SCOPES.get(doc, []))


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    return {
        **precision_recall_f1(tp, n_pred, n_gold),
        "tp": tp,
        "n_pred": n_pred,
        "n_gold": n_gold,
    }


def _norm_ws(s: str | None) -> str:
    return " ".join((s or "").split())


def score_records(gold: list[dict[str, Any]], pred: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    """Match predictions to gold on provision + task overlap; P/R/F1 and field accuracies."""
    by_pid: dict[str, list[dict[str, Any]]] = {}
    for p in pred:
        by_pid.setdefault(p["provision_id"], []).append(p)
    tp = 0
    fields = {"lead": 0, "partners": 0, "deadline": 0, "output": 0}
    errors: list[dict[str, Any]] = []
    used: set[str] = set()
    for g in gold:
        cands = [
            p
            for p in by_pid.get(g["provision_id"], [])
            if p["id"] not in used and task_overlap(g["task"], p["task"]) >= 0.5
        ]
        if not cands:
            errors.append({"provision_id": g["provision_id"], "error": "missed"})
            continue
        p = cands[0]
        used.add(p["id"])
        tp += 1
        ok = {
            "lead": set(g["lead"]) == set(p["lead"]),
            "partners": set(g["partners"]) == set(p["partners"]),
            "deadline": all(g["deadline_normalized"].get(k) == p["deadline"].get(k) for k in _DL_KEYS),
            "output": (_norm_ws(g["output_as_written"]) == _norm_ws(p["output"]["as_written"]))
            if kind == "table"
            else (g["output_type"] == (p["output"]["type"] or ("target" if p["output"]["target"] else None))),
        }
        for k, v in ok.items():
            fields[k] += int(v)
        if not all(ok.values()):
            errors.append(
                {
                    "provision_id": g["provision_id"],
                    "wrong": [k for k, v in ok.items() if not v],
                    "gold": {k: g.get(k) for k in ("lead", "partners", "deadline", "output_type")},
                    "pred": {
                        "lead": p["lead"],
                        "partners": p["partners"],
                        "deadline": p["deadline"]["as_written"],
                        "output": p["output"]["type"],
                    },
                }
            )
    report: dict[str, Any] = dict(_prf(tp, len(pred), len(gold)))
    report["field_accuracy"] = {k: round(v / tp, 4) if tp else 0.0 for k, v in fields.items()}
    gold_pids = {g["provision_id"] for g in gold}
    report["false_positives"] = sorted(
        {p["provision_id"] for p in pred if p["id"] not in used and p["provision_id"] not in gold_pids}
        | {p["provision_id"] for p in pred if p["id"] not in used and p["provision_id"] in gold_pids}
    )
    report["errors"] = errors
    return report


def score_deadlines(items: list[dict[str, Any]]) -> dict[str, Any]:
    from ingest.tasks.deadlines import normalize_deadline

    ok = 0
    flagged = 0
    silent_wrong = []
    wrong = []
    for it in items:
        d = normalize_deadline(it["as_written"], it.get("doc_date")).as_dict()
        good = all(it["normalized"].get(k) == d.get(k) for k in _DL_KEYS)
        ok += int(good)
        if d["flag"] == "unparsed":
            flagged += 1
        if not good:
            wrong.append(
                {
                    "as_written": it["as_written"],
                    "gold": it["normalized"],
                    "pred": {k: d[k] for k in (*_DL_KEYS, "flag")},
                }
            )
            if d["kind"] != "unparsed":
                silent_wrong.append(it["as_written"])
    return {
        "n": len(items),
        "accuracy": round(ok / len(items), 4) if items else 0.0,
        "unparsed_flagged": flagged,
        "wrong_without_flag": silent_wrong,
        "errors": wrong,
    }


def evaluate_tasks(
    store_source: Any, gold_path: Path = COMMITMENTS, deadlines_path: Path = DEADLINES
) -> dict[str, Any]:
    """Score the commitments stored (extracted first) against the gold sets."""
    from ingest.tasks.persist import ensure_extracted, load_commitments

    t0 = time.perf_counter()
    ensure_extracted(store_source)
    pred = [c.as_dict() for c in load_commitments(store_source)]
    gold = load_jsonl(gold_path)
    table_gold = [g for g in gold if g["source"] == "table"]
    table_docs = {g["doc"] for g in table_gold}
    table_pred = [p for p in pred if p["source"] == "table" and p["doc_id"] in table_docs]
    prose_pred = [p for p in pred if p["source"] == "prose" and _in_scope(p["provision_id"])]
    report: dict[str, Any] = {"tables": score_records(table_gold, table_pred, "table"), "prose": {}}
    for split in ("dev", "heldout", "all"):
        g = [x for x in gold if x["source"] == "prose" and (split == "all" or x["split"] == split)]
        docs = {x["doc"] for x in g}
        report["prose"][split] = score_records(g, [p for p in prose_pred if p["doc_id"] in docs], "prose")
    report["deadlines"] = score_deadlines(load_jsonl(deadlines_path))
    report["seconds"] = round(time.perf_counter() - t0, 2)
    return report


# The programme whose task table is rendered to DOCX and PDF (acceptance 1), relative to the corpus.
RENDITION_SOURCE = Path("nq57/nq03-cp-2025.md")
RENDITIONS = ("docx", "pdf")


class RenditionToolMissing(NqdocError):
    code = "rendition_tool_missing"


def render(md: Path, out: Path, fmt: str) -> Path:
    """``md`` as DOCX (pandoc) or PDF (LibreOffice from that DOCX), the way the maintainers render it.

    ``-fancy_lists``: letters such as ``đ)`` are not list markers pandoc knows; ``-smart``: keep quotes
    and ellipses as written (see tests/ingest/test_renditions.py).
    """
    for tool in ("pandoc", *(("soffice",) if fmt == "pdf" else ())):
        if shutil.which(tool) is None:
            raise RenditionToolMissing(
                f"{tool} is needed to render {fmt}",
                message_vi=f"Cần cài {tool} để tạo bản {fmt.upper()} (make install cài pandoc, LibreOffice).",
            )
    out.mkdir(parents=True, exist_ok=True)
    docx = out / (md.stem + ".docx")
    subprocess.run(
        ["pandoc", "-f", "markdown-fancy_lists-smart-yaml_metadata_block", str(md), "-o", str(docx)],
        check=True,
        timeout=120,
    )
    if fmt == "docx":
        return docx
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{out}/lo-profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(docx),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    return out / (md.stem + ".pdf")


def evaluate_rendition(md: Path, fmt: str, workdir: Path, gold_path: Path = COMMITMENTS) -> dict[str, Any]:
    """Render ``md`` to ``fmt``, ingest the rendition alone into a fresh home under ``workdir`` and
    score its task-table rows with the scorer of :func:`evaluate_tasks` (gold rows of that document)."""
    from ingest.pipeline import ingest_paths
    from ingest.settings import Settings
    from ingest.store import Store
    from ingest.tasks.persist import ensure_extracted, load_commitments, load_targets

    t0 = time.perf_counter()
    path = md if fmt == "md" else render(md, workdir / "rendition", fmt)
    settings = Settings(home=workdir / f"home-{fmt}", embed_model="fake")
    ingest_paths([str(path)], settings)
    store = Store(settings.db_path)
    try:
        ensure_extracted(store)
        doc_ids = store.doc_ids()
        pred = [c.as_dict() for c in load_commitments(store) if c.source == "table"]
        n_indicators = sum(t.source == "table" for t in load_targets(store))
    finally:
        store.close()
    gold = [g for g in load_jsonl(gold_path) if g["source"] == "table" and g["doc"] in doc_ids]
    report = score_records(gold, pred, "table")
    return {
        "rendition": fmt,
        "file": path.name,
        "doc_ids": sorted(doc_ids),
        "tables": report,
        "indicator_rows": n_indicators,
        "seconds": round(time.perf_counter() - t0, 2),
    }


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    def s(r: dict[str, Any]) -> dict[str, Any]:
        return {k: r[k] for k in ("precision", "recall", "f1", "tp", "n_pred", "n_gold", "field_accuracy")}

    return {
        "tables": s(report["tables"]),
        "prose": {k: s(v) for k, v in report["prose"].items()},
        "deadlines": {
            k: report["deadlines"][k] for k in ("n", "accuracy", "unparsed_flagged", "wrong_without_flag")
        },
    }


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add this module's verbs to ``nqdoc eval`` (app) and ``nqdoc bench`` (bench)."""

    @app.command("tasks", epilog="Example:\n\n  nqdoc eval tasks --json bench-output/tasks.json")
    def tasks(
        corpus: Annotated[
            Path,
            typer.Option(
                help="The shared corpus folder (ingested into a temporary home "
                "when the current home lacks the gold documents)."
            ),
        ] = Path("../shared/corpus"),
        json_out: Annotated[Path | None, typer.Option("--json", help="Write the full report here.")] = None,
        rendition: Annotated[
            str | None,
            typer.Option(
                help="docx | pdf: instead, render the programme (03/NQ-CP, from --corpus) to this format "
                "with pandoc/LibreOffice, ingest that file alone and score its task table."
            ),
        ] = None,
    ) -> None:
        """Commitment extraction: record P/R/F1 and field accuracy (tables, prose dev/held-out), deadlines."""
        from eval.stamp import run_stamp, write_json

        if rendition is not None:
            _rendition_cli(rendition, corpus, json_out)
            return
        from ingest.pipeline import ingest_paths
        from ingest.settings import Settings
        from ingest.store import Store

        settings = Settings()
        needed = {g["doc"] for g in load_jsonl(COMMITMENTS)}
        store = Store(settings.db_path)
        tmp: tempfile.TemporaryDirectory[str] | None = None
        if not needed <= store.doc_ids():
            if not corpus.is_dir():
                sys.stderr.write(
                    f"Lỗi: thiếu văn bản {sorted(needed - store.doc_ids())} và không có thư mục {corpus}\n"
                )
                raise typer.Exit(2)
            tmp = tempfile.TemporaryDirectory(prefix="nqdoc-eval-tasks-")
            settings = Settings(home=Path(tmp.name))
            sys.stderr.write(f"Nạp {corpus} vào kho tạm để đánh giá…\n")
            ingest_paths([str(corpus)], settings)
            store = Store(settings.db_path)
        try:
            report = evaluate_tasks(store)
        finally:
            store.close()
            if tmp:
                tmp.cleanup()
        report = {**run_stamp(), "gold": str(COMMITMENTS), **report}
        sys.stderr.write(json.dumps(_summary(report), ensure_ascii=False) + "\n")
        if json_out is not None:
            write_json(json_out, report)
        else:
            sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


def _rendition_cli(fmt: str, corpus: Path, json_out: Path | None) -> None:
    from eval.stamp import run_stamp, write_json

    if fmt not in ("md", *RENDITIONS):
        sys.stderr.write(f"Lỗi: --rendition phải là docx hoặc pdf, nhận được «{fmt}»\n")
        raise typer.Exit(2)
    md = corpus / RENDITION_SOURCE
    if not md.is_file():
        sys.stderr.write(f"Lỗi: không thấy {md} (đặt --corpus là thư mục corpus dùng chung)\n")
        raise typer.Exit(2)
    sys.stderr.write(f"Tạo bản {fmt.upper()} của {md.name} và nạp vào kho tạm…\n")
    with tempfile.TemporaryDirectory(prefix="nqdoc-eval-rendition-") as tmp:
        try:
            report = evaluate_rendition(md, fmt, Path(tmp))
        except NqdocError as e:
            sys.stderr.write(f"Lỗi: {e.message_vi}\n")
            raise typer.Exit(2) from None
        except subprocess.SubprocessError as e:
            sys.stderr.write(f"Lỗi: không tạo được bản {fmt.upper()}: {e}\n")
            raise typer.Exit(2) from None
    report = {**run_stamp(), "gold": str(COMMITMENTS), **report}
    t = report["tables"]
    summary = {k: t[k] for k in ("precision", "recall", "f1", "tp", "n_pred", "n_gold", "field_accuracy")}
    sys.stderr.write(
        json.dumps(
            {"rendition": fmt, "tables": summary, "indicator_rows": report["indicator_rows"]},
            ensure_ascii=False,
        )
        + "\n"
    )
    if json_out is not None:
        write_json(json_out, report)
    else:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
