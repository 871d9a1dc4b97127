"""``nqdoc eval ask`` — grounded answers against the gold study questions.

Runs :func:`service.answer.ask` over ``eval/gold/study_questions.jsonl``, each question as
written and folded to plain ASCII, and reports:

* **evidence rate** — share of questions whose cited provisions include expected evidence
  (a cited provision is an expected one, lies inside one's subtree, or contains one);
* **expected recall** — share of all expected provisions that are cited;
* **grounded rate** — share of answers marked grounded;
* **no-answer rate on out-of-corpus questions** (:data:`NEGATIVES`) — the answer must say
  the corpus has no answer instead of quoting something loosely related;
* seconds per ask (median, p90).

The answer's tunables (:mod:`service.answer`) were chosen looking at the **odd** lines of
the gold file (1st, 3rd, …): the report gives the ``tune`` split (odd lines), the
``held_out`` split (even lines, not looked at while tuning) and ``all``.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from ingest.settings import Settings
    from service.context import ServiceContext

# Hand-written questions the shared corpus cannot answer (written for this evaluation, not
# taken from any document): prices, family law, sport, weather, other countries' policies.
NEGATIVES: tuple[str, ...] = (
    "Giá vàng SJC hôm nay là bao nhiêu một lượng?",
    "Luật Hôn nhân và gia đình quy định tuổi kết hôn của nam và nữ là bao nhiêu?",
    "Đội tuyển bóng đá Việt Nam vô địch AFF Cup năm nào?",
    "Thủ tục đăng ký kết hôn với người nước ngoài cần giấy tờ gì?",
    "Mức phạt vi phạm nồng độ cồn khi lái xe máy là bao nhiêu?",
    "lai suat tiet kiem ngan hang thang nay",
    "Dự báo thời tiết Hà Nội cuối tuần này thế nào?",
    "Hồ sơ xin cấp hộ chiếu phổ thông gồm những gì?",
)


def evidence_found(cited: list[str], expected: set[str]) -> set[str]:
    """Expected ids supported by a citation: the same provision, one inside it, or one containing it."""
    found = set()
    for e in expected:
        for c in cited:
            if c == e or c.startswith(e + ".") or e.startswith(c + "."):
                found.add(e)
                break
    return found


def _rate(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for variant in ("accented", "no_diacritics"):
        rs = [r for r in rows if r["variant"] == variant]
        n_exp = sum(len(r["expected"]) for r in rs)
        out[variant] = {
            "n": len(rs),
            "evidence_rate": _rate([bool(r["found"]) for r in rs]),
            "expected_recall": round(sum(len(r["found"]) for r in rs) / n_exp, 4) if n_exp else None,
            "grounded_rate": _rate([r["grounded"] for r in rs]),
            "mean_citations": round(statistics.mean(r["n_citations"] for r in rs), 2) if rs else None,
        }
    return out


def evaluate_ask(
    base: Settings,
    corpus: Path | None,
    *,
    out: Path | None = None,
    mode: str = "extractive",
    top_k: int = 8,
    progress: bool = True,
    ctx: ServiceContext | None = None,
) -> dict[str, Any]:
    """Run ``ask`` over the gold questions and the negatives; write a stamped JSON report.

    ``ctx``: an open context to use (left open); by default one is opened on the settings.
    """
    from contextlib import AbstractContextManager, nullcontext

    from rich.progress import Progress

    from eval.stamp import run_stamp, write_json
    from eval.study import load_gold, prepare_corpus_index
    from index.store import SearchFilters
    from index.sync import spec_key
    from ingest.normalize import fold
    from service.answer import ask
    from service.context import ServiceContext

    settings = prepare_corpus_index(base, corpus, progress) if corpus is not None else base
    items = load_gold()
    rows: list[dict[str, Any]] = []
    negatives: list[dict[str, Any]] = []
    seconds: list[float] = []
    t0 = time.perf_counter()
    cm: AbstractContextManager[ServiceContext] = ServiceContext(settings) if ctx is None else nullcontext(ctx)
    with cm as ctx, Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("Đang hỏi (asking)", total=2 * len(items) + len(NEGATIVES))
        ask(ctx, "khởi động", mode=mode)  # load the model and corpus statistics outside the timings
        for line_no, item in enumerate(items, start=1):
            expected = set(item["expected"])
            filters = SearchFilters(doc=[item["doc"]]) if item.get("doc") else None
            for variant, text in (("accented", item["question"]), ("no_diacritics", fold(item["question"]))):
                t = time.perf_counter()
                answer = ask(ctx, text, filters=filters, top_k=top_k, mode=mode)
                seconds.append(time.perf_counter() - t)
                cited = [c.provision_id for c in answer.citations]
                rows.append(
                    {
                        "id": item["id"],
                        "line": line_no,
                        "split": "tune" if line_no % 2 else "held_out",
                        "variant": variant,
                        "question": text,
                        "expected": sorted(expected),
                        "cited": cited,
                        "found": sorted(evidence_found(cited, expected)),
                        "grounded": answer.grounded,
                        "n_citations": len(cited),
                        "coverage": round(answer.coverage, 4),
                    }
                )
                bar.advance(task)
        for q in NEGATIVES:
            answer = ask(ctx, q, mode=mode)
            negatives.append(
                {
                    "question": q,
                    "no_answer": not answer.citations,
                    "cited": [c.provision_id for c in answer.citations],
                    "coverage": round(answer.coverage, 4),
                }
            )
            bar.advance(task)
    report = {
        "gold": "eval/gold/study_questions.jsonl",
        "n_questions": len(items),
        "mode": mode,
        "top_k": top_k,
        "splits_note": "tunables of service.answer were chosen on the 'tune' split (odd lines); "
        "'held_out' (even lines) was not looked at while tuning",
        "metrics": {
            "all": _summary(rows),
            "tune": _summary([r for r in rows if r["split"] == "tune"]),
            "held_out": _summary([r for r in rows if r["split"] == "held_out"]),
            "negatives": {"n": len(negatives), "no_answer_rate": _rate([n["no_answer"] for n in negatives])},
        },
        "seconds": {
            "per_ask_median": round(statistics.median(seconds), 3) if seconds else None,
            "per_ask_p90": round(statistics.quantiles(seconds, n=10)[-1], 3) if len(seconds) >= 2 else None,
            "total": round(time.perf_counter() - t0, 2),
        },
        "index_spec": spec_key(settings),
        **run_stamp(),
        "per_query": rows,
        "negatives": negatives,
    }
    write_json(out, report)
    return report


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add this module's verbs to ``nqdoc eval`` (app) and ``nqdoc bench`` (bench)."""

    @app.command(
        "ask",
        epilog="Examples:\n\n"
        "  nqdoc eval ask --json bench-output/ask.json\n\n"
        "  NQDOC_HOME=/path/with/corpus nqdoc eval ask --in-place --json ask.json",
    )
    def ask_cmd(
        corpus: Annotated[
            Path, typer.Option(help="The shared corpus folder (ingested into a scratch home).")
        ] = Path("../shared/corpus"),
        in_place: Annotated[
            bool,
            typer.Option(
                "--in-place", help="Use NQDOC_HOME's store and index as they are (they must hold the corpus)."
            ),
        ] = False,
        json_out: Annotated[Path | None, typer.Option("--json", help="Write the full report here.")] = None,
        mode: Annotated[str, typer.Option(help="extractive, llm or auto.")] = "extractive",
        top_k: Annotated[
            int, typer.Option("--top-k", min=1, max=50, help="Provisions considered per ask.")
        ] = 8,
    ) -> None:
        """Grounded answers on the gold study questions: evidence rate, grounded rate, seconds."""
        import json
        import sys

        from ingest.settings import Settings

        report = evaluate_ask(
            Settings(),
            None if in_place else corpus,
            out=json_out,
            mode=mode,
            top_k=top_k,
            progress=sys.stderr.isatty(),
        )
        sys.stderr.write(
            json.dumps(
                {"metrics": report["metrics"], "seconds": report["seconds"]}, ensure_ascii=False, indent=1
            )
            + "\n"
        )
        if json_out is None:
            sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
