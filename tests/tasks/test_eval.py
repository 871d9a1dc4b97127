"""Gold sets are well-formed and the extractor meets the acceptance thresholds on them."""

from __future__ import annotations

import json
from pathlib import Path

from eval.tasks_eval import COMMITMENTS, DEADLINES, evaluate_tasks, load_jsonl, score_records
from ingest.settings import Settings
from ingest.store import Store


def test_gold_shape() -> None:
    gold = load_jsonl(COMMITMENTS)
    table03 = [g for g in gold if g["doc"] == "03/NQ-CP" and g["source"] == "table"]
    assert len(table03) == 140 and len({g["provision_id"] for g in table03}) == 140
    prose = [g for g in gold if g["source"] == "prose"]
    assert len(prose) >= 80 and {g["split"] for g in prose} == {"dev", "heldout"}
    for g in gold:
        assert {"lead", "partners", "deadline", "deadline_normalized", "task"} <= g.keys()
    dl = load_jsonl(DEADLINES)
    assert len({d["as_written"] for d in dl}) == len(dl)


def test_scoring_counts_misses_and_false_positives() -> None:
    g = [
        {
            "provision_id": "A:1",
            "task": "xây dựng đề án",
            "lead": ["X"],
            "partners": [],
            "output_type": "Đề án",
            "deadline_normalized": {"kind": "none"},
        }
    ]
    p = [
        {
            "id": "A:1#1",
            "provision_id": "A:1",
            "task": "khác hẳn",
            "lead": ["X"],
            "partners": [],
            "deadline": {"kind": "none"},
            "output": {"type": "Đề án", "target": None, "as_written": ""},
        }
    ]
    r = score_records(g, p, "prose")
    assert (r["tp"], r["precision"], r["recall"]) == (0, 0.0, 0.0)


def test_acceptance_thresholds(corpus_settings: Settings, output_dir: Path) -> None:
    report = evaluate_tasks(Store(corpus_settings.db_path))
    (output_dir / "eval-tasks.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    t = report["tables"]
    assert t["f1"] >= 0.98 and min(t["field_accuracy"].values()) >= 0.97
    for split in ("dev", "heldout"):
        p = report["prose"][split]
        assert p["precision"] >= 0.85 and p["recall"] >= 0.75 and p["field_accuracy"]["lead"] >= 0.90
    d = report["deadlines"]
    assert d["accuracy"] >= 0.95 and d["wrong_without_flag"] == []
