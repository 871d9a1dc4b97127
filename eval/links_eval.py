"""``nqdoc eval links``, ``nqdoc bench links`` — link quality and speed.

Gold: ``eval/gold/links.jsonl`` — pairs ``{type, source, target, label, note}`` annotated by
reading the documents (label 1 = the link holds, 0 = a hard negative). A target may be a
resolution *item* (``57-NQ/TW:III.3``): a predicted link to that item or to any provision
inside it counts. ``related`` pairs are undirected.

The gold is split in two halves by a hash of the source id (so one task never sits in both):
thresholds are chosen on the *tune* half only (the one maximising F1 per type) and the
*report* half is scored with them, as are both halves together. The operating thresholds in
:class:`index.links.linker.LinkParams` are the ones this chose; the report says whether they
still agree.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated, Any

import typer

from eval.metrics import precision_recall_f1
from ingest.settings import Settings

GOLD = Path(__file__).parent / "gold" / "links.jsonl"
EVAL_TYPES = ("implements", "cites", "related", "reports_on", "continues")


class GoldFileError(ValueError):
    """A gold file that cannot be read as pairs; the message names the file and line."""


def load_gold(path: Path = GOLD) -> list[dict[str, Any]]:
    """Gold pairs from a JSONL file (``nqdoc link-reviews --out`` writes one).

    Each line: ``type`` (a link type), ``source`` and ``target`` (ids as ``nqdoc links`` shows
    them), ``label`` 1 or 0; other keys are kept. A line that is not such a pair stops the
    evaluation with its line number, before any link is computed.
    """
    from index.links.model import LINK_TYPES
    from ingest.readers.jsonl import BadJsonLine, jsonl_records

    if not path.is_file():
        raise GoldFileError(f"gold file not found: {path} (không tìm thấy tệp cặp chuẩn)")
    out = []
    try:
        records = list(jsonl_records(path.read_text(encoding="utf-8")))
    except BadJsonLine as e:
        raise GoldFileError(f"{path}:{e.lineno}: not JSON ({e.msg}) (dòng không phải JSON)") from e
    for n, g in records:
        problems = []
        if not isinstance(g, dict):
            problems.append("not an object")
        else:
            if g.get("type") not in LINK_TYPES:
                problems.append(f"type {g.get('type')!r} is not one of {', '.join(LINK_TYPES)}")
            for k in ("source", "target"):
                if not isinstance(g.get(k), str) or not g[k].strip():
                    problems.append(f"{k} missing")
            if type(g.get("label")) is not int or g["label"] not in (0, 1):
                problems.append(f"label {g.get('label')!r} is not 0 or 1")
        if problems:
            raise GoldFileError(f"{path}:{n}: {'; '.join(problems)} (cặp chuẩn không hợp lệ)")
        out.append(g)
    return out


def snapshot_db(src: Path, dst: Path) -> None:
    """A consistent copy of a SQLite database that may be in use (SQLite's online backup, not a
    file copy: a file copy taken while the service writes can be torn); none if ``src`` is absent."""
    import sqlite3
    from contextlib import closing

    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    if not src.exists():
        return
    with closing(sqlite3.connect(src)) as a, closing(sqlite3.connect(dst)) as b:
        a.backup(b)


def unknown_ids(gold: list[dict[str, Any]], known: set[str]) -> list[str]:
    """Gold pairs naming an id the store does not hold (external references excepted)."""
    from index.links.model import is_external

    return [
        f"{g['source']} → {g['target']}"
        for g in gold
        if any(x not in known and not is_external(x) for x in (g["source"], g["target"]))
    ]


def split_of(source: str) -> str:
    """``tune`` or ``report``, stable per source id."""
    return "tune" if hashlib.sha1(source.encode("utf-8")).digest()[0] % 2 == 0 else "report"


def _matches(link_target: str, gold_target: str) -> bool:
    return link_target == gold_target or link_target.startswith(gold_target + ".")


def _realises(lk: Any, g: dict[str, Any]) -> bool:
    """Whether link ``lk`` is the pair ``g`` names: the same source and the target or a provision
    under it (cites: the exact target); related pairs either way round."""
    if lk.type != g["type"]:
        return False
    ends = [(g["source"], g["target"])] + ([(g["target"], g["source"])] if g["type"] == "related" else [])
    exact = g["type"] == "cites"
    return any(lk.source == s and (lk.target == t if exact else _matches(lk.target, t)) for s, t in ends)


def pair_score(links_by_source: dict[str, list[Any]], g: dict[str, Any]) -> float | None:
    """The best score of a predicted link that realises gold pair ``g`` (None if none)."""
    sources = {g["source"], g["target"]} if g["type"] == "related" else {g["source"]}
    scores = [lk.score for s in sources for lk in links_by_source.get(s, []) if _realises(lk, g)]
    return max(scores, default=None)


def _verdict(lk: Any, gold: list[dict[str, Any]]) -> int | None:
    """The gold's verdict on one emitted link, or None when no gold pair judges it.

    A link to a paragraph is judged by a pair naming that paragraph, else by one naming the item
    that holds it: the most specific pair decides ("III.6.p1" wrong outweighs "III.6" right).
    """
    judged = [(len(g["target"]), g["label"]) for g in gold if _realises(lk, g)]
    return max(judged)[1] if judged else None


def prf(gold: list[dict[str, Any]], scores: list[float | None], threshold: float) -> dict[str, Any]:
    tp = sum(
        1 for g, s in zip(gold, scores, strict=True) if g["label"] == 1 and s is not None and s >= threshold
    )
    fp = sum(
        1 for g, s in zip(gold, scores, strict=True) if g["label"] == 0 and s is not None and s >= threshold
    )
    pos = sum(1 for g in gold if g["label"] == 1)
    return {
        **precision_recall_f1(tp, tp + fp, pos),
        "tp": tp,
        "fp": fp,
        "positives": pos,
        "negatives": len(gold) - pos,
    }


def choose_threshold(gold: list[dict[str, Any]], scores: list[float | None], slack: float = 0.02) -> float:
    """The highest threshold whose F1 on these pairs is within ``slack`` of the best F1.

    The highest such threshold, because a link nobody needs costs a reader more than a
    borderline link missed, and coverage needs a real cut-off to name tasks without a source.
    """
    cands = sorted({round(s, 4) for s in scores if s is not None} | {0.0})
    f1s = [(th, prf(gold, scores, th)["f1"]) for th in cands]
    best = max(f for _, f in f1s)
    return max(th for th, f in f1s if f >= best - slack)


def evaluate_links(
    settings: Settings, *, gold_path: Path = GOLD, out: Path | None = None, progress: bool = True
) -> dict[str, Any]:
    """Score every link type on the gold pairs (tune / report / all) + the 57-NQ/TW coverage table."""
    from eval.stamp import run_stamp, write_json
    from index.coverage import compute_coverage
    from index.links.linker import LinkParams
    from index.links.update import Linker
    from ingest.store import Store

    t0 = time.perf_counter()
    gold = load_gold(gold_path)  # a bad file stops here, before minutes of linking
    # A scratch copy: links are computed with every threshold at 0, then thresholds are swept.
    scratch = settings.home / "eval" / "links"
    scratch.mkdir(parents=True, exist_ok=True)
    db = scratch / "nqdoc.sqlite3"
    snapshot_db(settings.db_path, db)
    st = Store(db)
    operating = LinkParams()
    sweep = replace(operating, implements=0.0, related=0.0, reports_on=0.0, continues=0.0)
    linker = Linker(settings, store=st, params=sweep)
    upd = linker.update(force=True)
    by_source: dict[str, list[Any]] = {}
    for lk in linker.links.all_links():
        by_source.setdefault(lk.source, []).append(lk)
    known: set[str] = set()
    for d in linker.documents():
        full = d if d.provisions else st.get_document(d.id)
        known |= {d.id} | {p.id for p in (full.provisions if full else [])}
    missing = unknown_ids(gold, known)
    report: dict[str, Any] = {
        "gold": str(gold_path),
        "pairs": len(gold),
        # pairs naming ids this store does not hold: they can only count as misses
        "unknown_ids": {"count": len(missing), "first": missing[:20]},
        "split": "sha1(source)[0] % 2",
        "params": {**asdict(operating), "version": operating.version()},
        "types": {},
    }
    op_th = {
        "implements": operating.implements,
        "related": operating.related,
        "reports_on": operating.reports_on,
        "continues": operating.continues,
        "cites": 0.0,
    }
    for typ in EVAL_TYPES:
        g_all = [g for g in gold if g["type"] == typ]
        if not g_all:
            continue
        halves = {
            "tune": [g for g in g_all if split_of(g["source"]) == "tune"],
            "report": [g for g in g_all if split_of(g["source"]) == "report"],
            "all": g_all,
        }
        scores = {k: [pair_score(by_source, g) for g in v] for k, v in halves.items()}
        chosen = (
            choose_threshold(halves["tune"], scores["tune"]) if typ not in ("cites", "continues") else 0.0
        )
        report["types"][typ] = {
            "threshold_chosen_on_tune": chosen,
            "operating_threshold": op_th[typ],
            **{k: prf(halves[k], scores[k], op_th[typ]) for k in halves},
            "misses_report_half": [
                f"{g['source']} → {g['target']}"
                for g, s in zip(halves["report"], scores["report"], strict=True)
                if g["label"] == 1 and (s is None or s < op_th[typ])
            ][:20],
            "false_positives_all": [
                f"{g['source']} → {g['target']}"
                for g, s in zip(g_all, scores["all"], strict=True)
                if g["label"] == 0 and s is not None and s >= op_th[typ]
            ][:20],
        }
    # Emitted links judged by hand: a random sample of the links emitted at the operating point,
    # labelled afterwards and kept in the gold (``by`` names the sample). Precision here is the
    # share of those still emitted that were judged right: an estimate of precision in the wild,
    # not only on annotated pairs.
    for typ, tr in report["types"].items():
        sample = [g for g in gold if g["type"] == typ and "sample" in g.get("by", "")]
        if not sample:
            continue
        sc = [pair_score(by_source, g) for g in sample]
        emitted = [g for g, x in zip(sample, sc, strict=True) if x is not None and x >= op_th[typ]]
        tr["hand_judged_emitted_sample"] = {
            "judged": len(sample),
            "still_emitted": len(emitted),
            "precision": round(sum(g["label"] for g in emitted) / len(emitted), 4) if emitted else None,
        }
    report["emitted_at_operating_point"] = {
        typ: sum(1 for lks in by_source.values() for lk in lks if lk.type == typ and lk.score >= th)
        for typ, th in op_th.items()
    }
    # Every link emitted at the operating point that some gold pair judges (:func:`_verdict`):
    # when all emitted links are judged, this is the precision of what users see, not an estimate.
    for typ, tr in report["types"].items():
        verdicts = [
            _verdict(lk, gold)
            for lks in by_source.values()
            for lk in lks
            if lk.type == typ and lk.score >= op_th[typ]
        ]
        judged = [v for v in verdicts if v is not None]
        tr["emitted_judged"] = {
            "emitted": len(verdicts),
            "judged": len(judged),
            "right": sum(judged),
            "precision": round(sum(judged) / len(judged), 4) if judged else None,
        }
    st.close()
    # Coverage at the operating thresholds, on the real store (links updated incrementally).
    real = Linker(settings)
    real.update()
    report["coverage_57_by_03"], report["coverage_57_by_03_items"] = None, []
    if real.store.find_document("57-NQ/TW") and real.store.find_document("03/NQ-CP"):
        cov = compute_coverage(real.store, real.links, "57-NQ/TW", "03/NQ-CP")
        report["coverage_57_by_03"] = cov.summary()
        report["coverage_57_by_03_items"] = [
            {"item": r.item_id, "heading": r.heading[:90], "tasks": len(r.tasks), "gap": not r.tasks}
            for r in cov.rows
            if r.level == "item"
        ]
    report["linking"] = upd.as_dict() | {"pairs": None}
    report["seconds"] = round(time.perf_counter() - t0, 2)
    report["stamp"] = run_stamp()
    if out:
        write_json(out, report)
    return report


def format_report(report: dict[str, Any]) -> str:
    """The report as plain text: P/R/F1 per type and half, then the coverage table."""
    lines = []
    unknown = report.get("unknown_ids") or {}
    if unknown.get("count"):
        lines.append(
            f"Cảnh báo: {unknown['count']} cặp chuẩn nêu mã không có trong kho (tính là bỏ sót), "
            f"ví dụ: {'; '.join(unknown['first'][:3])}"
        )
    lines.append(f"{'loại':<11} {'nửa':<7} {'P':>6} {'R':>6} {'F1':>6} {'+':>4} {'-':>4}  ngưỡng")
    for typ, tr in report["types"].items():
        for half in ("tune", "report", "all"):
            r = tr[half]
            lines.append(
                f"{typ:<11} {half:<7} {r['precision']:>6.2f} {r['recall']:>6.2f} {r['f1']:>6.2f} "
                f"{r['positives']:>4} {r['negatives']:>4}  {tr['operating_threshold']}"
            )
        if tr.get("emitted_judged", {}).get("judged"):
            e = tr["emitted_judged"]
            lines.append(
                f"{typ:<11} phát ra {e['emitted']}, đã chấm {e['judged']}, đúng {e['right']}: "
                f"P={e['precision']}"
            )
        if "hand_judged_emitted_sample" in tr:
            h = tr["hand_judged_emitted_sample"]
            lines.append(
                f"{typ:<11} mẫu ngẫu nhiên chấm tay: {h['still_emitted']}/{h['judged']} "
                f"còn phát ra, P={h['precision']}"
            )
    lines.append("")
    if report.get("coverage_57_by_03") is None:
        lines.append("Độ bao phủ 57-NQ/TW ← 03/NQ-CP: không tính (kho chưa có một trong hai văn bản)")
        return "\n".join(lines) + "\n"
    lines.append(
        "Độ bao phủ 57-NQ/TW ← 03/NQ-CP: " + json.dumps(report["coverage_57_by_03"], ensure_ascii=False)
    )
    for row in report["coverage_57_by_03_items"]:
        lines.append(
            f"  {row['item']:<16} {row['tasks']:>4} nhiệm vụ"
            f"{'  (CHƯA CÓ)' if row['gap'] else ''}  {row['heading']}"
        )
    return "\n".join(lines) + "\n"


def bench_links(
    settings: Settings, corpus: Path, *, out: Path | None = None, n_tasks: int = 100
) -> dict[str, Any]:
    """Time to link a new ``n_tasks``-provision programme against the whole shared corpus."""
    from eval.stamp import run_stamp, write_json
    from index.links.update import Linker
    from ingest.pipeline import ingest_paths
    from ingest.store import Store

    home = settings.home / "bench" / "links"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    bs = settings.scratch(home)
    t = time.perf_counter()
    rep = ingest_paths([str(corpus)], bs)
    ingest_s = time.perf_counter() - t
    linker = Linker(bs)
    t = time.perf_counter()
    full = linker.update()
    full_s = time.perf_counter() - t
    # The new programme: SYNTHETIC bench document — real task texts of 03/NQ-CP (rows of its
    # appendix II) under a made-up number, so that it links like a real programme would.
    st = Store(bs.db_path)
    src = st.find_document("03/NQ-CP")
    if src is None:
        raise typer.BadParameter("the corpus has no 03/NQ-CP to draw bench tasks from")
    rows = [p for p in src.provisions if p.fields and p.path.startswith("PL2.") and p.kind == "row"][:n_tasks]
    md = home / "bench-programme.md"
    lines = [
        "---",
        "number: 999/NQ-CP",
        "kind: gov_resolution",
        "issuer: Chính phủ",
        "date: 2025-12-01",
        "implements: [57-NQ/TW]",
        "title: SYNTHETIC bench programme (tasks copied from 03/NQ-CP)",
        "---",
        "",
        "# CHƯƠNG TRÌNH HÀNH ĐỘNG",
        "",
        "## II. NHIỆM VỤ CỤ THỂ",
        "",
    ]
    lines += [f"{i}. {(p.fields or {}).get('Tên nhiệm vụ') or p.text}" for i, p in enumerate(rows, 1)]
    md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    new_dir = home / "new"
    new_dir.mkdir()
    shutil.move(str(md), new_dir / md.name)
    ingest_paths([str(new_dir)], bs)
    doc = next((d for d in st.documents() if (d.meta.number or "") == "999/NQ-CP"), None)
    n_prov = len(st.get_document(doc.id).provisions) if doc else 0  # type: ignore[union-attr]
    t = time.perf_counter()
    inc = linker.update()
    inc_s = time.perf_counter() - t
    t = time.perf_counter()
    noop = linker.update()
    noop_s = time.perf_counter() - t
    report = {
        "corpus": str(corpus),
        "documents": len(st.documents()),
        "ingest_seconds": round(ingest_s, 2),
        "ingest": rep.summary(),
        "full_link_seconds": round(full_s, 2),
        "full_link": full.as_dict() | {"pairs": None},
        "new_programme": {"id": doc.id if doc else None, "provisions": n_prov, "tasks_requested": len(rows)},
        "incremental_link_seconds": round(inc_s, 2),
        "incremental": inc.as_dict(),
        "noop_update_seconds": round(noop_s, 3),
        "noop": noop.as_dict() | {"pairs": None},
        "model": settings.embed_model or "default-e5",
        "stamp": run_stamp(),
    }
    st.close()
    if out:
        write_json(out, report)
    return report


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add this module's verbs to ``nqdoc eval`` (app) and ``nqdoc bench`` (bench)."""

    @app.command("links", epilog="Example:\n\n  nqdoc eval links --json bench-output/links.json")
    def eval_links(
        gold: Annotated[Path, typer.Option(help="Gold pairs (JSONL).")] = GOLD,
        json_out: Annotated[Path | None, typer.Option("--json", help="Write the full report here.")] = None,
    ) -> None:
        """Precision/recall/F1 per link type (tune / report / all) and the 57-NQ/TW ← 03/NQ-CP coverage."""
        try:
            report = evaluate_links(Settings(), gold_path=gold, out=json_out)
        except GoldFileError as e:
            sys.stderr.write(f"error: {e}\n")
            raise typer.Exit(2) from e
        sys.stdout.write(format_report(report))
        if json_out is not None:
            sys.stdout.write(f"JSON: {json_out}\n")

    @bench.command("links", epilog="Example:\n\n  nqdoc bench links --out bench-output/links-bench.json")
    def bench_links_cmd(
        corpus: Annotated[Path, typer.Option(help="The shared corpus folder.")] = Path("../shared/corpus"),
        out: Annotated[Path, typer.Option(help="JSON report path.")] = Path("bench-output/links-bench.json"),
        tasks: Annotated[int, typer.Option(help="Provisions in the new programme.")] = 100,
    ) -> None:
        """Time to link a new 100-provision programme against the whole corpus (JSON)."""
        report = bench_links(Settings(), corpus, out=out, n_tasks=tasks)
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
