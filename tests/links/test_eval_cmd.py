"""``nqdoc eval links`` on the linked corpus with the fake embedder: the report's structure (per-type
P/R/F1 on tune/report/all, coverage table, stamp), not its numbers — those need the real model."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from eval.links_eval import EVAL_TYPES, load_gold, split_of
from ingest.settings import Settings


def test_eval_links_command_writes_a_stamped_report(linked_copy: Settings, tmp_path: Path) -> None:
    from eval.cli import app

    out = tmp_path / "links-eval.json"
    env = {"NQDOC_HOME": str(linked_copy.home), "NQDOC_EMBED_MODEL": "fake"}
    res = CliRunner().invoke(app, ["links", "--json", str(out)], env=env)
    assert res.exit_code == 0, res.output
    report = json.loads(out.read_text(encoding="utf-8"))

    gold = load_gold()
    assert report["pairs"] == len(gold)
    assert set(report["types"]) == {t for t in EVAL_TYPES if any(g["type"] == t for g in gold)}
    for typ, tr in report["types"].items():
        for half in ("tune", "report", "all"):
            r = tr[half]
            assert 0.0 <= r["precision"] <= 1.0 and 0.0 <= r["recall"] <= 1.0 and 0.0 <= r["f1"] <= 1.0
        # the halves partition the type's gold pairs, split by source id
        n = {
            h: sum(1 for g in gold if g["type"] == typ and split_of(g["source"]) == h)
            for h in ("tune", "report")
        }
        for h in ("tune", "report"):
            assert tr[h]["positives"] + tr[h]["negatives"] == n[h]
        assert tr["all"]["positives"] == tr["tune"]["positives"] + tr["report"]["positives"]
    assert "hand_judged_emitted_sample" in report["types"]["related"]
    assert report["params"]["version"] and report["emitted_at_operating_point"]["related"] >= 0
    # coverage table of 57-NQ/TW by 03/NQ-CP: every part-III item
    assert [r["item"] for r in report["coverage_57_by_03_items"]] == [
        f"57-NQ/TW:III.{i}" for i in range(1, 8)
    ]
    # stamped (eval/stamp.py)
    assert report["stamp"]["git_commit"] and report["stamp"]["timestamp"]
    # the printed text carries the same table
    assert "related" in res.output and "57-NQ/TW:III.7" in res.output and "tune" in res.output
