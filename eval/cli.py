"""``nqdoc eval …`` and ``nqdoc bench …`` — evaluation and benchmarks, each writing JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from ingest.settings import Settings

app = typer.Typer(help="Đánh giá chất lượng — evaluate retrieval and extraction against gold sets.",
                  no_args_is_help=True)
bench = typer.Typer(help="Đo hiệu năng — benchmarks writing JSON reports.", no_args_is_help=True)


def _summary(report: dict) -> None:
    sys.stderr.write(json.dumps({k: report[k] for k in ("metrics", "seconds") if k in report},
                                ensure_ascii=False) + "\n")


@app.command(
    "retrieval",
    epilog="Example:\n\n  nqdoc eval retrieval --law ../shared/bench/alqac2023/law.json "
    "--questions ../shared/bench/alqac2023/train.json --json out.json",
)
def retrieval(
    law: Annotated[Path, typer.Option(help="law.json: list of {id, articles: [{id, text}]}.")],
    questions: Annotated[Path, typer.Option(help="Questions with relevant_articles.")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full report here.")] = None,
    fusion: Annotated[Literal["rrf", "dbsf"], typer.Option(help="rrf or dbsf.")] = "rrf",
) -> None:
    """Retrieval metrics (R@1/5/10, MRR@10, nDCG@10) on an ALQAC-format benchmark."""
    from eval.alqac import evaluate_retrieval

    report = evaluate_retrieval(Settings(), law, questions, out=json_out, fusion=fusion)
    _summary(report)
    if json_out is None:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


@bench.command("ingest", epilog="Example:\n\n  nqdoc bench ingest --out bench-output/ingest.json")
def bench_ingest(
    corpus: Annotated[Path, typer.Option(help="Folder of Markdown documents to render and parse.")] = Path(
        "../shared/corpus"),
    out: Annotated[Path, typer.Option(help="JSON report path.")] = Path("bench-output/ingest.json"),
    repeats: Annotated[int, typer.Option(min=1, max=20, help="Timed runs per format (median reported).")] = 3,
    ocr_pages: Annotated[int, typer.Option(min=0, max=50, help="Pages to OCR for CER; 0 skips OCR.")] = 3,
) -> None:
    """Parse+segment throughput per format (pages/s, MB/s) and OCR accuracy/speed."""
    from eval.bench_ingest import run_ingest_bench

    report = run_ingest_bench(corpus, out, Settings(), ocr_pages=ocr_pages, repeats=repeats)
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


@bench.command(
    "retrieval",
    epilog="Examples:\n\n  nqdoc bench retrieval --out bench-output/retrieval.json\n\n"
    "  nqdoc bench retrieval --tiers 10000,100000 --dense real,hashed",
)
def bench_retrieval(
    scale: Annotated[Path, typer.Option(help="JSONL(.gz) articles {id, title, text}.")] = Path(
        "../shared/scale/tvpl-articles.jsonl.gz"),
    tiers: Annotated[str, typer.Option(help="Index sizes in segments, comma-separated.")] = "10000,100000",
    dense: Annotated[str, typer.Option(
        help="Per tier: 'real' (the model embeds every segment) or 'hashed' (model-free index vectors; "
        "query embedding still real).")] = "real,real",
    out: Annotated[Path, typer.Option(help="JSON report path.")] = Path("bench-output/retrieval.json"),
) -> None:
    """Index build time, embedding throughput (pipeline vs raw model), hybrid-search latency, peak RSS."""
    from eval.bench_retrieval import run_retrieval_bench

    sizes = [int(x) for x in tiers.split(",") if x.strip()]
    modes = [x.strip() for x in dense.split(",") if x.strip()]
    if len(modes) == 1:
        modes = modes * len(sizes)
    if len(modes) != len(sizes) or any(m not in ("real", "hashed") for m in modes):
        raise typer.BadParameter("--dense needs 'real' or 'hashed' per tier")
    report = run_retrieval_bench(Settings(), scale, out, sizes, modes)
    sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


@app.command("study", epilog="Example:\n\n  nqdoc eval study --json bench-output/study.json")
def study(
    corpus: Annotated[Path, typer.Option(help="The shared corpus folder.")] = Path("../shared/corpus"),
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the full report here.")] = None,
) -> None:
    """Retrieval metrics on our gold set (eval/gold/study_questions.jsonl), with and without diacritics."""
    from eval.study import evaluate_study

    report = evaluate_study(Settings(), corpus, out=json_out)
    _summary(report)
    if json_out is None:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


def _register_more() -> None:
    from eval import ask_eval, links_eval, query_backends, service_bench, tasks_eval

    for mod in (ask_eval, service_bench, tasks_eval, links_eval, query_backends):
        mod.register(app, bench)


_register_more()
