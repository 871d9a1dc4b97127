"""``nqdoc eval query-backends`` — does a faster query encoder keep retrieval quality?

The same index, searched with queries embedded two ways (default: the fp32 ONNX graph and its
int8 copy), on every retrieval set we have: the gold study questions with and without
diacritics, ALQAC 2023 (train) and ALQAC 2022. Reports MRR@10 per set and pooled over all
queries, the paired difference and its 95 % bootstrap interval (queries resampled with their
pair), and how many queries changed at all — a set of 88 questions moves by 0.011 when one
answer drops from rank 1 to rank 2, so a per-set difference alone says little.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from ingest.settings import Settings

BOOTSTRAP = 4000
TOLERANCE = 0.01  # the retrieval issue's rule: a speed-up must keep MRR within 0.01


def _per_query(base: Settings, corpus: Path, bench: Path) -> dict[str, list[float]]:
    """MRR@10 of every query of every set, in a fixed order, with ``base``'s query backend."""
    from eval.alqac import evaluate_retrieval
    from eval.study import evaluate_study

    out: dict[str, list[float]] = {}
    study = evaluate_study(base, corpus, progress=False)
    for variant in ("accented", "no_diacritics"):
        out[f"gold {variant}"] = [q["MRR@10"] for q in study["per_query"] if q["variant"] == variant]
    for name, law, questions in (("alqac2023 train", "alqac2023/law.json", "alqac2023/train.json"),
                                 ("alqac2022", "alqac2022/law.json", "alqac2022/question.json")):
        if (bench / law).is_file():
            rep = evaluate_retrieval(base, bench / law, bench / questions, progress=False)
            out[name] = [q["MRR@10"] for q in rep["per_query"]]
        else:
            sys.stderr.write(f"bỏ qua {name}: không thấy {bench / law}\n")
    return out


def paired_difference(a: list[float], b: list[float], seed: int = 0) -> dict[str, Any]:
    """Mean of ``b - a`` per query and its 95 % percentile-bootstrap interval."""
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(BOOTSTRAP, len(d)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return {"n": len(d), "mrr_a": round(float(np.mean(a)), 4), "mrr_b": round(float(np.mean(b)), 4),
            "delta": round(float(d.mean()), 4), "ci95": [round(float(lo), 4), round(float(hi), 4)],
            "changed": int((np.abs(d) > 1e-9).sum())}


def compare_backends(base: Settings, corpus: Path, bench: Path, a: str = "onnx",
                     b: str = "onnx-int8") -> dict[str, Any]:
    from eval.stamp import run_stamp

    runs = {n: _per_query(base.model_copy(update={"query_backend": n}), corpus, bench) for n in (a, b)}
    sets = {k: paired_difference(runs[a][k], runs[b][k]) for k in runs[a]}
    flat = [[x for k in runs[n] for x in runs[n][k]] for n in (a, b)]
    pooled = paired_difference(flat[0], flat[1])
    lo, hi = pooled["ci95"]
    return {
        **run_stamp(),
        "eval": "query-backends",
        "a": a,
        "b": b,
        "metric": "MRR@10",
        "sets": sets,
        "pooled": pooled,
        "tolerance": TOLERANCE,
        "pooled_ci_within_tolerance": bool(-TOLERANCE <= lo and hi <= TOLERANCE),
        "sets_within_tolerance": {k: abs(v["delta"]) <= TOLERANCE for k, v in sets.items()},
    }


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add ``nqdoc eval query-backends``."""

    @app.command("query-backends", epilog="Example:\n\n  nqdoc eval query-backends "
                 "--json bench-output/query-backends.json")
    def query_backends(
        corpus: Annotated[Path, typer.Option(help="The shared corpus folder.")] = Path("../shared/corpus"),
        bench_dir: Annotated[Path, typer.Option(
            "--bench", help="Folder holding alqac2022/ and alqac2023/.")] = Path("../shared/bench"),
        a: Annotated[str, typer.Option(help="Reference query backend.")] = "onnx",
        b: Annotated[str, typer.Option(help="Backend compared with it.")] = "onnx-int8",
        json_out: Annotated[Path, typer.Option("--json", help="JSON report path.")] = Path(
            "bench-output/query-backends.json"),
    ) -> None:
        """So sánh bộ mã hoá câu hỏi — MRR@10 of two query backends on every retrieval set, paired."""
        from eval.stamp import write_json

        choices = ("onnx", "onnx-int8", "torch")
        if a not in choices or b not in choices:
            raise typer.BadParameter(f"backends are {', '.join(choices)}")
        report = compare_backends(Settings(), corpus, bench_dir, a, b)
        write_json(json_out, report)
        for name, r in {**report["sets"], "pooled": report["pooled"]}.items():
            sys.stderr.write(f"{name:24s} n={r['n']:4d}  {a} {r['mrr_a']:.4f}  {b} {r['mrr_b']:.4f}  "
                             f"Δ {r['delta']:+.4f}  CI95 [{r['ci95'][0]:+.4f}, {r['ci95'][1]:+.4f}]  "
                             f"đổi {r['changed']}\n")
        sys.stderr.write(f"→ {json_out}\n")
