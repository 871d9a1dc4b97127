"""Ingest end to end on the real shared corpus, idempotency, replacement and bad input."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.pipeline import ingest_paths
from ingest.settings import Settings
from ingest.store import Store

# Synthetic fixture: a short plan in the style of a ministry plan, written for these tests.
SYNTHETIC_PLAN = """KẾ HOẠCH
Số 12-KH/TEST
Hà Nội, ngày 05 tháng 3 năm 2025
I. MỤC ĐÍCH, YÊU CẦU
1. Quán triệt đầy đủ nội dung Nghị quyết số 57-NQ/TW.
2. Bảo đảm tiến độ.
II. NHIỆM VỤ
1. Bộ Y tế chủ trì xây dựng đề án, hoàn thành trong quý IV/2025.
"""


@pytest.fixture(scope="module")
def ingested(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Store, object]:
    settings = Settings(home=tmp_path_factory.mktemp("home"))
    report = ingest_paths([str(corpus)], settings)
    return settings, Store(settings.db_path), report


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("sources", "documents", "provisions", "segments")}


def _orphans(db: Path) -> int:
    with sqlite3.connect(db) as con:
        return con.execute(
            "select count(*) from segments s left join provisions p on p.id = s.provision_id "
            "where p.id is null"
        ).fetchone()[0] + con.execute(
            "select count(*) from provisions p left join documents d on d.id = p.doc_id where d.id is null"
        ).fetchone()[0]


def test_corpus_ingests_without_failures_and_reruns_unchanged(ingested, corpus: Path) -> None:
    settings, store, report = ingested
    failures = [f.error for f in report.files if f.status == "failed"]
    assert failures == []
    n_files = sum(1 for p in corpus.rglob("*") if p.is_file())
    assert report.count("added") == n_files
    again = ingest_paths([str(corpus)], settings)
    assert again.summary() == {"added": 0, "unchanged": n_files, "replaced": 0, "failed": 0}
    assert _orphans(settings.db_path) == 0


def test_57_nq_tw_parts_and_items(ingested) -> None:
    _, store, _ = ingested
    doc = store.find_document("57-NQ/TW")
    assert doc is not None
    assert (doc.meta.date == "2024-12-22" and doc.meta.issuer == "Bộ Chính trị"
            and str(doc.meta.kind) == "resolution")
    parts = [p for p in doc.provisions if p.kind == "part"]
    assert [p.label for p in parts] == ["I", "II", "III", "IV"]
    items = {p.label: sum(1 for c in doc.provisions if c.parent_id == p.id and c.kind == "item")
             for p in parts}
    # The source text has 5 guiding viewpoints (I), 2 target items (II), 7 task groups (III), 6 items (IV).
    assert items == {"I": 5, "II": 2, "III": 7, "IV": 6}
    p = store.get_provision("57-NQ/TW:III.2")
    assert p is not None and p.text.startswith("2. Khẩn trương, quyết liệt hoàn thiện thể chế")
    assert p.heading_path[0].startswith("III- NHIỆM VỤ, GIẢI PHÁP")


def _source_rows(md: Path, marker: str) -> list[list[str]]:
    """Rows of the pipe table after ``marker``, split independently of the reader."""
    text = md.read_text(encoding="utf-8")
    lines = text[text.index(marker):].splitlines()
    rows = []
    for line in lines:
        line = line.strip()
        if line.startswith("|") and not set(line) <= set("|-: "):
            rows.append([c.strip().replace("**", "").strip() for c in line.strip("|").split("|")])
    return rows


def test_03_nq_cp_programme_and_140_appendix_rows(ingested, corpus: Path) -> None:
    _, store, _ = ingested
    doc = store.find_document("03/NQ-CP")
    assert doc is not None and doc.meta.implements == ["57-NQ/TW"]
    ids = {p.id for p in doc.provisions}
    assert {"03/NQ-CP:D1", "03/NQ-CP:CT", "03/NQ-CP:CT.II.1.a", "03/NQ-CP:CT.III.6", "03/NQ-CP:PL1"} <= ids
    groups = [p for p in doc.provisions if p.kind == "group" and p.id.startswith("03/NQ-CP:PL2.")]
    assert [g.label for g in groups] == ["I", "II", "III", "IV", "V", "VI", "VII"]
    rows = [p for p in doc.provisions if p.kind == "row" and p.id.startswith("03/NQ-CP:PL2.")]
    assert [r.label for r in rows] == [str(i) for i in range(1, 141)]
    # Independent reading of the source table; an unnumbered row continues the row above it
    # (row 108 of the source spills into one).
    source: dict[str, list[str]] = {}
    last = None
    for r in _source_rows(corpus / "nq57/nq03-cp-2025.md", "PHỤ LỤC II"):
        tt = r[0].rstrip(".")
        if tt.isdigit():
            source[tt] = last = r[1:]
        elif not tt and last is not None:
            for i, c in enumerate(r[1:]):
                if c and i < len(last):
                    last[i] = f"{last[i]} {c}".strip()
    keys = ["Tên nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Kết quả", "Thời gian hoàn thành"]
    for r in rows:
        assert r.fields is not None and list(r.fields) == keys
        expected = [" ".join(c.split()) for c in source[r.label]] + [""] * 5
        assert [" ".join(r.fields[k].split()) for k in keys] == expected[:5], r.id
    row17 = store.get_provision("03/NQ-CP:PL2.17")
    assert row17 is not None and row17.fields["Cơ quan chủ trì"] == "Bộ Khoa học và Công nghệ"
    assert row17.parent_id == "03/NQ-CP:PL2.II"


def test_partial_documents_keep_gaps_visible(ingested) -> None:
    _, store, _ = ingested
    doc = store.find_document("72-NQ/TW")
    assert doc is not None and doc.meta.date == "2025-09-09"
    gaps = [p for p in doc.provisions if p.gap]
    assert gaps and all(p.text.startswith("[Không có trong nguồn:") for p in gaps)
    segs = list(store.segments([doc.id]))
    assert segs and not any("Không có trong nguồn" in s.embed_text for s in segs)
    row41 = store.get_provision("282/NQ-CP:PL.41")
    assert row41 is not None and "[Không có trong nguồn" in row41.text


def test_segments_stay_inside_provisions_and_budget(ingested) -> None:
    settings, store, _ = ingested
    provs = {}
    for d in store.documents():
        full = store.get_document(d.id)
        assert full is not None
        provs.update({p.id: p for p in full.provisions})
    n = 0
    for seg in store.segments():
        n += 1
        prov = provs[seg.provision_id]
        assert seg.n_tokens <= settings.segment_max_tokens
        assert " ".join(seg.text.split()) in " ".join(prov.text.split())
        assert seg.embed_text.endswith(seg.text.split()[-1])
        assert seg.words
    assert n > 500


def test_the_search_read_path_returns_what_the_full_read_returns(ingested) -> None:
    # Searches read only what a hit shows (cited_provisions, segment_texts); same values.
    _, store, _ = ingested
    segs = list(store.segments())[::50]
    pids = sorted({s.provision_id for s in segs}) + ["no-such:provision"]
    full, cited = store.get_provisions(pids), store.cited_provisions(pids)
    assert set(cited) == set(full) and "no-such:provision" not in cited
    for pid, c in cited.items():
        p = full[pid]
        assert ((c.kind, c.heading_path, c.page_start, c.text)
                == (p.kind, p.heading_path, p.page_start, p.text))
    assert store.segment_texts([s.id for s in segs]) == {s.id: s.text for s in segs}


def test_changed_file_replaces_without_orphans(settings: Settings, tmp_path: Path) -> None:
    f = tmp_path / "plan.txt"
    f.write_text(SYNTHETIC_PLAN, encoding="utf-8")
    r1 = ingest_paths([str(f)], settings)
    assert r1.summary()["added"] == 1 and r1.files[0].documents == ["12-KH/TEST"]
    f.write_text(SYNTHETIC_PLAN.replace("2. Bảo đảm tiến độ.\n", ""), encoding="utf-8")
    r2 = ingest_paths([str(f)], settings)
    assert r2.summary()["replaced"] == 1
    store = Store(settings.db_path)
    assert store.get_provision("12-KH/TEST:I.2") is None
    assert store.get_provision("12-KH/TEST:II.1") is not None
    assert _orphans(settings.db_path) == 0 and _counts(settings.db_path)["documents"] == 1


def test_same_document_twice_and_replace(settings: Settings, tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_text(SYNTHETIC_PLAN, encoding="utf-8")
    copy = tmp_path / "copy.txt"
    shutil.copy(a, copy)
    other = tmp_path / "other.txt"
    other.write_text(SYNTHETIC_PLAN + "3. Báo cáo định kỳ 6 tháng.\n", encoding="utf-8")
    r = ingest_paths([str(a), str(copy), str(other)], settings)
    status = {Path(o.path).name: o for o in r.files}
    assert status["a.txt"].status == "added"
    assert status["copy.txt"].status == "failed" and "same content" in (status["copy.txt"].error or "")
    assert status["other.txt"].status == "failed" and "12-KH/TEST" in (status["other.txt"].error or "")
    assert "--replace" in (status["other.txt"].error or "")
    r2 = ingest_paths([str(other)], settings, replace=True)
    assert r2.summary()["replaced"] == 1
    store = Store(settings.db_path)
    assert store.owner_of("12-KH/TEST") == str(other.resolve())
    assert _counts(settings.db_path)["sources"] == 1 and _orphans(settings.db_path) == 0


def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.pdf").write_bytes(b"")
    with zipfile.ZipFile(bad / "archive.pdf", "w") as z:  # a zip disguised as a PDF
        z.writestr("x.txt", "hello")
    (bad / "big.txt").write_text("Nghị quyết " * 200_000, encoding="utf-8")
    (bad / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n% truncated")
    return {p.name: p for p in bad.iterdir()}


def test_bad_inputs_fail_cleanly_and_lose_nothing(settings: Settings, tmp_path: Path) -> None:
    good = tmp_path / "plan.txt"
    good.write_text(SYNTHETIC_PLAN, encoding="utf-8")
    ingest_paths([str(good)], settings)
    before = _counts(settings.db_path)
    settings = settings.model_copy(update={"max_file_mb": 1.0})
    bad = _bad_inputs(tmp_path)
    r = ingest_paths([str(tmp_path / "bad"), str(tmp_path / "missing.pdf")], settings)
    by_name = {Path(o.path).name: o for o in r.files}
    assert all(o.status == "failed" for o in r.files), r.files
    assert (by_name["empty.pdf"].error_code == "empty_file"
            and "empty.pdf" in (by_name["empty.pdf"].error or ""))
    assert by_name["archive.pdf"].error_code == "unsupported_format"
    assert by_name["big.txt"].error_code == "file_too_large"
    assert by_name["broken.pdf"].error_code in ("corrupt", "unsupported_format")
    assert by_name["missing.pdf"].error and "no such file" in by_name["missing.pdf"].error
    for o in r.files:
        assert o.error and "\n" not in o.error and o.message_vi
    assert _counts(settings.db_path) == before
    assert set(bad)  # fixtures were made


def test_cli_ingest_and_show(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from service.cli import app

    monkeypatch.setenv("NQDOC_HOME", str(settings.home))
    good = tmp_path / "plan.txt"
    good.write_text(SYNTHETIC_PLAN, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    runner = CliRunner()
    res = runner.invoke(app, ["ingest", str(good), str(empty), "--json", "--no-index"])
    assert res.exit_code == 1
    out = json.loads(res.stdout)
    assert out["summary"] == {"added": 1, "unchanged": 0, "replaced": 0, "failed": 1}
    res = runner.invoke(app, ["ingest", str(good), "--json", "--no-index"])
    assert res.exit_code == 0 and json.loads(res.stdout)["summary"]["unchanged"] == 1
    res = runner.invoke(app, ["show", "12-KH/TEST", "--json"])
    assert res.exit_code == 0
    outline = json.loads(res.stdout)
    assert [n["id"] for n in outline["outline"]][:3] == ["12-KH/TEST:preamble", "12-KH/TEST:preamble.p1",
                                                         "12-KH/TEST:preamble.p2"]
    res = runner.invoke(app, ["show", "12-KH/TEST:II.1", "--json"])
    view = json.loads(res.stdout)
    assert view["provision"]["text"].startswith("1. Bộ Y tế chủ trì")
    assert view["ancestors"][0]["id"] == "12-KH/TEST:II"
    res = runner.invoke(app, ["show", "nothing:here"])
    assert res.exit_code == 2
