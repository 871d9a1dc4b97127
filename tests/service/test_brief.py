"""``brief``: key points on a theme from the real shared corpus, exported as Markdown and DOCX."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from a1_fixtures import is_verbatim
from typer.testing import CliRunner

from index.store import SearchFilters
from ingest.settings import Settings
from service.brief import EmptyTheme, brief_to_docx, brief_to_markdown, build_brief, find_highlights
from service.context import ServiceContext

THEME = "bác sĩ cho trạm y tế cấp xã"


@pytest.fixture(scope="module")
def brief(corpus_ctx: ServiceContext):  # type: ignore[no-untyped-def]
    return build_brief(corpus_ctx, THEME, max_points=8)


def test_points_are_verbatim_cited_and_grouped(corpus_ctx: ServiceContext, brief) -> None:  # type: ignore[no-untyped-def]
    assert 1 <= brief.n_points <= 8
    pids = []
    for sec in brief.sections:
        assert sec.heading and sec.points
        for p in sec.points:
            assert p.doc_id == sec.doc_id
            assert is_verbatim(corpus_ctx, p.provision_id, p.quote), p
            pids.append(p.provision_id)
    assert len(pids) == len(set(pids))
    # 72-NQ/TW III (2): "mỗi năm ... ít nhất 1.000 bác sĩ về làm việc có thời hạn tại trạm y tế cấp xã"
    assert "72-NQ/TW:III.2.p4" in pids
    assert {s.doc_id for s in brief.sources} == {s.doc_id for s in brief.sections}
    json.dumps(brief.as_dict(), ensure_ascii=False)


def test_targets_and_deadlines_are_highlighted(corpus_ctx: ServiceContext, brief) -> None:  # type: ignore[no-untyped-def]
    p = next(p for s in brief.sections for p in s.points if p.provision_id == "72-NQ/TW:III.2.p4")
    assert any("1.000 bác sĩ" in t for t in p.targets), p.targets
    assert any("2030" in d for d in p.deadlines), p.deadlines
    # A task row of the Government programme: the deadline cell (real text, 03/NQ-CP appendix II row 17).
    row = corpus_ctx.store.get_provision("03/NQ-CP:PL2.17")
    assert row is not None
    hl = find_highlights(row.text)
    assert [h.text for h in hl if h.kind == "deadline"] == ["Tháng 5/2025"]


def test_markdown_export(brief) -> None:  # type: ignore[no-untyped-def]
    md = brief_to_markdown(brief)
    assert md.startswith(f"# Tóm lược chủ đề: {THEME}")
    assert "## Nguồn" in md and md.index("## Nguồn") > md.index("### ")
    for s in brief.sections:
        for p in s.points:
            assert p.provision_id.replace("_", "\\_") in md
    assert "**" in md  # highlights in bold


def test_docx_export_opens_in_word(brief) -> None:  # type: ignore[no-untyped-def]
    from docx import Document

    data = brief_to_docx(brief)
    assert data[:2] == b"PK"
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert THEME in text and "Nguồn" in text
    bold = {r.text for p in doc.paragraphs for r in p.runs if r.bold}
    highlights = {h.text for s in brief.sections for p in s.points for h in p.highlights}
    assert highlights and highlights <= bold
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert {s.doc_number for s in brief.sections} <= set(headings)


def test_filter_to_one_document(corpus_ctx: ServiceContext) -> None:
    b = build_brief(corpus_ctx, "bảo hiểm y tế", filters=SearchFilters(doc=["282/NQ-CP"]))
    assert b.n_points and {s.doc_number for s in b.sections} == {"282/NQ-CP"}
    assert b.filters and b.filters["doc"] == ["282/NQ-CP"]


def test_off_topic_theme_and_empty_theme(corpus_ctx: ServiceContext) -> None:
    b = build_brief(corpus_ctx, "giá vàng SJC và tỷ giá đô la")
    assert b.n_points == 0 and b.note
    assert "Không tìm thấy" in brief_to_markdown(b)
    brief_to_docx(b)  # an empty brief still exports
    with pytest.raises(EmptyTheme):
        build_brief(corpus_ctx, "  ")


def test_cli_brief_formats(corpus_homes: tuple[Settings, Path], tmp_path: Path) -> None:
    from docx import Document

    from service.cli import app

    home = tmp_path / "home"
    shutil.copytree(corpus_homes[1], home)
    env = {"NQDOC_HOME": str(home), "NQDOC_EMBED_MODEL": "fake"}
    runner = CliRunner()
    out = tmp_path / "b.docx"
    r = runner.invoke(
        app, ["brief", THEME, "--doc", "72-NQ/TW", "--format", "docx", "--out", str(out)], env=env
    )
    assert r.exit_code == 0, r.output
    assert "Nguồn" in "\n".join(p.text for p in Document(str(out)).paragraphs)
    r = runner.invoke(app, ["brief", "-", "--format", "json", "--max-points", "3"], input=THEME, env=env)
    assert r.exit_code == 0, r.output
    assert 1 <= json.loads(r.stdout)["n_points"] <= 3
    r = runner.invoke(app, ["brief", THEME, "--format", "pdf"], env=env)
    assert r.exit_code == 2
    r = runner.invoke(app, ["brief", THEME, "--format", "docx"], env=env)
    assert r.exit_code == 2  # docx needs --out


def test_docx_export_survives_control_characters_in_user_text() -> None:
    """Found by API fuzzing: a theme or filter with control characters made python-docx raise."""
    from service.brief import Brief, brief_to_docx

    brief = Brief(theme="y tế\x10 cơ sở\x17", sections=[], sources=[],
                  filters={"resolution": ["72-NQ/TW\x0b"]})
    assert brief_to_docx(brief)[:2] == b"PK"  # a valid zip (DOCX) comes back
