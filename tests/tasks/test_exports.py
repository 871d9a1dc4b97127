"""Exports read back with openpyxl / python-docx; CLI and API on the real corpus; LibreOffice (slow)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ingest.settings import Settings


def _run(settings: Settings, *args: str) -> object:
    from service.cli import app

    return CliRunner().invoke(
        app, list(args), env={"NQDOC_HOME": str(settings.home), "NQDOC_EMBED_MODEL": "fake"}
    )


def test_cli_xlsx_planner_workbook(corpus_settings: Settings, tmp_path: Path, output_dir: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "nv03.xlsx"
    r = _run(
        corpus_settings,
        "tasks",
        "--doc",
        "03/NQ-CP",
        "--source",
        "table",
        "--format",
        "xlsx",
        "--out",
        str(out),
    )
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    shutil.copy(out, output_dir / "tasks-03-NQ-CP.xlsx")
    ws = load_workbook(out).active
    headers = [c.value for c in ws[2]]
    assert headers[:6] == ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Sản phẩm", "Thời hạn"]
    assert "Điều khoản nguồn" in headers and "Nhóm nhiệm vụ" in headers
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == f"A2:L{ws.max_row}"
    assert ws.column_dimensions["B"].width >= 40 and ws["B3"].alignment.wrap_text
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 140
    groups = {r[headers.index("Nhóm nhiệm vụ")].split(".")[0] for r in rows}
    assert groups == {"I", "II", "III", "IV", "V", "VI", "VII"}
    assert rows[-1][headers.index("Điều khoản nguồn")] == "03/NQ-CP:PL2.140"


def test_cli_docx_grouped_administrative_layout(corpus_settings: Settings, tmp_path: Path) -> None:
    from docx import Document as Docx

    out = tmp_path / "nv03.docx"
    r = _run(
        corpus_settings,
        "tasks",
        "--doc",
        "03/NQ-CP",
        "--source",
        "table",
        "--format",
        "docx",
        "--out",
        str(out),
    )
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    t = Docx(str(out)).tables[0]
    assert [c.text for c in t.rows[0].cells][:6] == [
        "STT",
        "Nhiệm vụ",
        "Cơ quan chủ trì",
        "Cơ quan phối hợp",
        "Sản phẩm",
        "Thời hạn",
    ]
    assert len(t.rows) == 1 + 7 + 140  # header, seven group rows, 140 tasks
    assert t.rows[1].cells[0].text.startswith("I.")


def test_cli_filters_json_csv_and_errors(corpus_settings: Settings) -> None:
    r = _run(
        corpus_settings,
        "tasks",
        "--doc",
        "03/NQ-CP",
        "--agency",
        "Bộ Y tế",
        "--due-before",
        "2025-12-31",
        "--json",
    )
    items = json.loads(r.stdout)  # type: ignore[attr-defined]
    assert items and all("Bộ Y tế" in c["lead"] for c in items)
    assert all(c["deadline"]["end"] <= "2025-12-31" for c in items)
    overdue = json.loads(_run(corpus_settings, "tasks", "--overdue-on", "2026-01-01", "--json").stdout)  # type: ignore
    assert overdue and all(c["deadline"]["end"] < "2026-01-01" for c in overdue)
    csv_out = _run(corpus_settings, "tasks", "--doc", "282/NQ-CP", "--format", "csv").stdout  # type: ignore
    assert csv_out.startswith("STT,Nhiệm vụ,Cơ quan chủ trì")
    bad = _run(corpus_settings, "tasks", "--due-before", "31/12/2025")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output  # type: ignore[attr-defined]
    missing = _run(corpus_settings, "tasks", "--doc", "999/NQ-CP")
    assert missing.exit_code == 2 and "Không tìm thấy" in missing.output  # type: ignore[attr-defined]
    tg = json.loads(_run(corpus_settings, "targets", "--doc", "03/NQ-CP", "--json").stdout)  # type: ignore
    assert any(t["provision_id"] == "03/NQ-CP:PL1.8" for t in tg)


def test_api_routes_and_page(corpus_settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from service.app import create_app

    with TestClient(create_app(corpus_settings)) as c:
        r = c.get("/api/tasks", params={"doc": "03/NQ-CP", "source": "table"})
        assert r.status_code == 200 and r.json()["count"] == 140
        bad = c.get("/api/tasks", params={"overdue_on": "2025-13-40"})  # refused by the schema's date pattern
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
        assert c.get("/api/tasks", params={"doc": "nope"}).status_code == 404
        x = c.get("/api/tasks/export", params={"doc": "03/NQ-CP", "format": "xlsx"})
        assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
        from openpyxl import load_workbook

        assert load_workbook(io.BytesIO(x.content)).active.max_row > 140
        assert c.get("/api/targets", params={"year": 2030}).json()["count"] > 10
        page = c.get("/tasks", params={"doc": "03/NQ-CP", "agency": "Bộ Y tế"})
        assert page.status_code == 200 and "Nhiệm vụ" in page.text and "03/NQ-CP:PL2." in page.text
        assert 'href="/api/tasks/export?' in page.text


def _to_pdf(src: Path, outdir: Path, profile: Path) -> Path:
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{profile}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(src),
        ],
        check=True,
        timeout=180,
        capture_output=True,
    )
    return outdir / (src.stem + ".pdf")


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_exports_convert_with_libreoffice(corpus_settings: Settings, tmp_path: Path, fmt: str) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    if fmt == "xlsx" and not Path("/usr/lib/libreoffice/program/libsclo.so").exists():
        pytest.skip("LibreOffice Calc is not installed (only Writer): cannot convert xlsx here")
    out = tmp_path / f"nv.{fmt}"
    r = _run(corpus_settings, "tasks", "--doc", "03/NQ-CP", "--format", fmt, "--out", str(out))
    assert r.exit_code == 0  # type: ignore[attr-defined]
    pdf = _to_pdf(out, tmp_path / "pdf", tmp_path / "lo")
    assert pdf.exists() and pdf.stat().st_size > 10000
