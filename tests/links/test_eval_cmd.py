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


def test_a_bad_gold_file_stops_before_linking(linked_copy: Settings, tmp_path: Path) -> None:
    """SYNTHETIC gold lines: each fault is named with its line number and nothing is computed."""
    import pytest

    from eval.cli import app
    from eval.links_eval import GoldFileError

    ok = '{"type": "related", "source": "71-NQ/TW:III.8", "target": "72-NQ/TW:III.3.p4", "label": 1}'
    cases = {
        ":2: not JSON": f"{ok}\n{{oops\n",
        ":3: label 'đúng' is not 0 or 1": f"{ok}\n\n" + ok.replace('"label": 1', '"label": "đúng"') + "\n",
        ":1: type 'link' is not one of": ok.replace('"related"', '"link"') + "\n",
        ":1: source missing": ok.replace('"source": "71-NQ/TW:III.8", ', "") + "\n",
        ":1: label True": ok.replace('"label": 1', '"label": true') + "\n",
        ":1: label 1.0": ok.replace('"label": 1', '"label": 1.0') + "\n",
    }
    for want, text in cases.items():
        path = tmp_path / "gold.jsonl"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(GoldFileError, match=want):
            load_gold(path)
    path.write_text(cases[":3: label 'đúng' is not 0 or 1"], encoding="utf-8")
    with pytest.raises(GoldFileError, match="not found"):
        load_gold(tmp_path / "nope.jsonl")
    env = {"NQDOC_HOME": str(linked_copy.home), "NQDOC_EMBED_MODEL": "fake"}
    res = CliRunner().invoke(app, ["links", "--gold", str(path)], env=env)
    assert res.exit_code == 2 and "label 'đúng' is not 0 or 1" in res.output
    assert not (linked_copy.home / "eval" / "links").exists()  # stopped before the scratch copy


def test_gold_pairs_naming_ids_the_store_lacks_are_reported() -> None:
    from eval.links_eval import format_report, unknown_ids

    gold = [
        {"type": "cites", "source": "03/NQ-CP:preamble.p9", "target": "ext:45-NQ/TW", "label": 1},
        {"type": "implements", "source": "03/NQ-CP:CT.II.1.a", "target": "57-NQ/TW:IX.9", "label": 1},
    ]
    known = {"03/NQ-CP:preamble.p9", "03/NQ-CP:CT.II.1.a"}
    assert unknown_ids(gold, known) == ["03/NQ-CP:CT.II.1.a → 57-NQ/TW:IX.9"]
    report = {
        "unknown_ids": {"count": 1, "first": unknown_ids(gold, known)},
        "types": {},
        "coverage_57_by_03": {},
        "coverage_57_by_03_items": [],
    }
    assert format_report(report).startswith("Cảnh báo: 1 cặp chuẩn nêu mã không có trong kho")


def test_the_scratch_copy_is_a_consistent_snapshot_of_a_live_database(tmp_path: Path) -> None:
    """Rows still in the write-ahead log of an open connection are in the copy (a copy of the main
    file alone would miss them); an old scratch copy is replaced, not merged."""
    import sqlite3

    from eval.links_eval import snapshot_db

    src, dst = tmp_path / "live.sqlite3", tmp_path / "scratch" / "copy.sqlite3"
    dst.parent.mkdir()
    sqlite3.connect(dst).execute("CREATE TABLE stale (x)").connection.commit()
    live = sqlite3.connect(src)
    live.execute("PRAGMA journal_mode=WAL")
    live.execute("PRAGMA wal_autocheckpoint=0")
    live.execute("CREATE TABLE t (x)")
    live.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(100)])
    live.commit()
    assert Path(str(src) + "-wal").stat().st_size > 0  # the rows are in the WAL, not the main file
    snapshot_db(src, dst)
    live.close()
    with sqlite3.connect(dst) as c:
        assert c.execute("SELECT count(*) FROM t").fetchone() == (100,)
        assert c.execute("SELECT name FROM sqlite_master WHERE name = 'stale'").fetchone() is None
    snapshot_db(tmp_path / "absent.sqlite3", dst)
    assert not dst.exists()


def test_eval_on_a_store_without_57_or_03(corpus: Path, tmp_path: Path) -> None:
    """Your own gold on your own documents: the 57-NQ/TW ← 03/NQ-CP table is left out, not a crash;
    pairs naming documents this store lacks are counted."""
    from eval.links_eval import evaluate_links, format_report
    from ingest.pipeline import ingest_paths

    s = Settings(home=tmp_path / "home", embed_model="fake")
    assert not ingest_paths([str(corpus / "resolutions" / "nq71-tw-2025.md")], s).failed
    gold = tmp_path / "mine.jsonl"
    pairs = [
        {"type": "related", "source": "71-NQ/TW:III.8", "target": "72-NQ/TW:III.3.p4", "label": 1},
        {"type": "cites", "source": "71-NQ/TW:III.8", "target": "ext:45-NQ/TW", "label": 0},
    ]
    gold.write_text("".join(json.dumps(p) + "\n" for p in pairs), encoding="utf-8")
    report = evaluate_links(s, gold_path=gold, progress=False)
    assert report["coverage_57_by_03"] is None and report["unknown_ids"]["count"] == 1
    text = format_report(report)
    assert "không tính" in text and text.startswith("Cảnh báo: 1 cặp chuẩn")
