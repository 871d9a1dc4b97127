"""Exports of commitments and targets: JSON, CSV (Excel-friendly), XLSX and DOCX.

XLSX and DOCX follow the administrative layout of a task appendix — STT | Nhiệm vụ | Cơ quan
chủ trì | Cơ quan phối hợp | Sản phẩm | Thời hạn — with Vietnamese headers, the programme's
task groups, and the source provision id on every row. In XLSX the group is a column (so the
sheet can be filtered and sorted without breaking groups apart), with autofilter, a frozen
header, column widths and wrapped text; in DOCX each group is a full-width heading row.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from ingest.tasks.models import Commitment, Deadline, Target
from ingest.tasks.query import Selected

TASK_HEADERS = [
    "STT",
    "Nhiệm vụ",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Sản phẩm",
    "Thời hạn",
    "Thời hạn (chuẩn hóa)",
    "Nhóm nhiệm vụ",
    "Cần bổ sung",
    "Văn bản",
    "Điều khoản nguồn",
    "Trang",
]
TARGET_HEADERS = [
    "STT",
    "Nhóm",
    "Chỉ tiêu",
    "Giá trị",
    "Đơn vị",
    "Năm",
    "Cơ quan theo dõi",
    "Văn bản",
    "Điều khoản nguồn",
    "Trang",
]
FLAG_VI = {
    "no_lead": "chưa rõ cơ quan chủ trì",
    "no_deadline": "chưa có thời hạn",
    "vague_deadline": "thời hạn chung chung",
    "unparsed_deadline": "thời hạn không đọc được",
    "open_ended_deadline": "thời hạn mở",
    "no_measurable_output": "chưa rõ sản phẩm",
    "task_missing": "thiếu nội dung nhiệm vụ trong nguồn",
    "lead_from_implementation_part": "chủ trì theo phần Tổ chức thực hiện",
    "lead_is_issuer": "cơ quan ban hành tự thực hiện",
    "no_figure": "chưa lượng hóa",
    "no_monitor": "chưa rõ cơ quan theo dõi",
}
_REC_VI = {
    "yearly": "hằng năm",
    "half-yearly": "6 tháng/lần",
    "quarterly": "hằng quý",
    "monthly": "hằng tháng",
}
_CMP_VI = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "=", "~": "≈"}


def deadline_vi(d: Deadline) -> str:
    """A normalised deadline in words a planner reads at a glance."""
    if d.kind == "none":
        return ""
    if d.kind == "continuous":
        return "thường xuyên"
    if d.kind == "unparsed":
        return "(không chuẩn hóa được)"
    if d.kind == "recurring":
        days = ", ".join(f"{x[3:]}/{x[:2]}" for x in d.dates)
        return _REC_VI.get(d.recurrence or "", d.recurrence or "định kỳ") + (
            f" (trước {days})" if days else ""
        )
    if d.start and d.end and d.kind != "date":
        return f"{d.start} → {d.end}"
    if d.start and not d.end:
        return f"từ {d.start}"
    return d.end or ""


def flags_vi(flags: Sequence[str]) -> str:
    return "; ".join(FLAG_VI.get(f, f) for f in flags)


def task_rows(items: Sequence[Commitment]) -> list[list[Any]]:
    """Rows in TASK_HEADERS order; STT is the source row number for table rows, else a running count."""
    rows: list[list[Any]] = []
    for i, c in enumerate(items, 1):
        stt = c.provision_id.rsplit(".", 1)[-1] if c.source == "table" else str(i)
        rows.append(
            [
                int(stt) if stt.isdigit() else stt,
                c.task,
                ", ".join(c.lead) or (c.lead_as_written or ""),
                ", ".join(c.partners),
                c.output.as_written,
                c.deadline.as_written,
                deadline_vi(c.deadline),
                c.group or "",
                flags_vi(c.flags),
                c.doc_number or c.doc_id,
                c.provision_id,
                c.page or "",
            ]
        )
    return rows


def target_rows(items: Sequence[Target]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for i, t in enumerate(items, 1):
        v = t.value
        value = "" if v.value is None else f"{_CMP_VI.get(v.comparator or '', '')} {v.value:g}".strip()
        rows.append(
            [
                i,
                t.group or "",
                t.indicator,
                value or v.as_written,
                v.unit or "",
                v.year or "",
                ", ".join(t.monitor),
                t.doc_number or t.doc_id,
                t.provision_id,
                t.page or "",
            ]
        )
    return rows


def to_json(items: Sequence[Commitment] | Sequence[Target] | Sequence[Selected]) -> str:
    return json.dumps([x.as_dict() for x in items], ensure_ascii=False, indent=2)


def to_csv(headers: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 with BOM so that Excel opens Vietnamese text correctly."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


_TASK_WIDTHS = [6, 60, 28, 32, 28, 14, 24, 30, 28, 14, 22, 7]
_TARGET_WIDTHS = [6, 24, 60, 12, 14, 8, 30, 14, 22, 7]


def to_xlsx(
    headers: list[str],
    rows: list[list[Any]],
    title: str,
    sheet: str = "Nhiệm vụ",
    widths: list[int] | None = None,
) -> bytes:
    """One sheet with a title row, a frozen bold header, autofilter, widths and wrapped cells."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([title])
    ws.cell(1, 1).font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.append(headers)
    thin = Side(style="thin", color="999999")
    for col in range(1, len(headers) + 1):
        c = ws.cell(2, col)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDE6F0")
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        c.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for r in rows:
        ws.append(r)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=3, max_row=ws.max_row):
        for c in row:
            c.alignment = wrap
    for i, w in enumerate(widths or _TASK_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    last = get_column_letter(len(headers))
    ws.auto_filter.ref = f"A2:{last}{max(ws.max_row, 2)}"
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def tasks_xlsx(items: Sequence[Commitment], title: str) -> bytes:
    return to_xlsx(TASK_HEADERS, task_rows(items), title, "Nhiệm vụ", _TASK_WIDTHS)


def targets_xlsx(items: Sequence[Target], title: str) -> bytes:
    return to_xlsx(TARGET_HEADERS, target_rows(items), title, "Chỉ tiêu", _TARGET_WIDTHS)


def _docx_table(
    headers: list[str], grouped: list[tuple[str | None, list[list[Any]]]], title: str, widths_cm: list[float]
) -> bytes:
    from docx import Document as Docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    d = Docx()
    sec = d.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(1.5))
    style = d.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(10)
    d.add_heading(title, level=1)
    table = d.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for i, h in enumerate(headers):
        cell = table.rows[0].cells[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(h)
        run.bold = True
    # Repeat the header row on every page.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)
    for group, rows in grouped:
        if group:
            cells = table.add_row().cells
            merged = cells[0].merge(cells[-1])
            merged.text = ""
            merged.paragraphs[0].add_run(group).bold = True
        for r in rows:
            cells = table.add_row().cells
            for i, v in enumerate(r):
                cells[i].text = "" if v is None else str(v)
    for row in table.rows:
        for i, w in enumerate(widths_cm):
            row.cells[i].width = Cm(w)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


DOCX_TASK_HEADERS = [
    "STT",
    "Nhiệm vụ",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Sản phẩm",
    "Thời hạn",
    "Điều khoản nguồn",
]


def tasks_docx(items: Sequence[Commitment], title: str) -> bytes:
    """Grouped by task group, administrative layout, source provision id in the last column."""
    grouped: list[tuple[str | None, list[list[Any]]]] = []
    for c, row in zip(items, task_rows(items), strict=True):
        docx_row = [row[0], row[1], row[2], row[3], row[4], row[5] or row[6], row[10]]
        if not grouped or grouped[-1][0] != (c.group or None):
            grouped.append((c.group or None, []))
        grouped[-1][1].append(docx_row)
    return _docx_table(DOCX_TASK_HEADERS, grouped, title, [1.2, 9.0, 3.8, 4.2, 3.6, 2.2, 2.7])


def targets_docx(items: Sequence[Target], title: str) -> bytes:
    headers = ["STT", "Chỉ tiêu", "Giá trị", "Đơn vị", "Năm", "Cơ quan theo dõi", "Điều khoản nguồn"]
    grouped: list[tuple[str | None, list[list[Any]]]] = []
    for t, r in zip(items, target_rows(items), strict=True):
        if not grouped or grouped[-1][0] != (t.group or None):
            grouped.append((t.group or None, []))
        grouped[-1][1].append([r[0], r[2], r[3], r[4], r[5], r[6], r[8]])
    return _docx_table(headers, grouped, title, [1.2, 11.0, 3.0, 2.5, 1.5, 4.0, 3.5])


MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def export_tasks(items: Sequence[Commitment] | Sequence[Selected], fmt: str, title: str) -> bytes:
    """Tasks as json/csv/xlsx/docx. JSON of :class:`Selected` items also says how an agency filter
    matched each record (``agency_match.via`` = ``name`` or ``successor``, with the source)."""
    if fmt == "json":
        return to_json(items).encode("utf-8")
    items = [x.commitment if isinstance(x, Selected) else x for x in items]
    if fmt == "csv":
        return to_csv(TASK_HEADERS, task_rows(items))
    if fmt == "xlsx":
        return tasks_xlsx(items, title)
    if fmt == "docx":
        return tasks_docx(items, title)
    raise ValueError(fmt)


def export_targets(items: Sequence[Target], fmt: str, title: str) -> bytes:
    if fmt == "json":
        return to_json(items).encode("utf-8")
    if fmt == "csv":
        return to_csv(TARGET_HEADERS, target_rows(items))
    if fmt == "xlsx":
        return targets_xlsx(items, title)
    if fmt == "docx":
        return targets_docx(items, title)
    raise ValueError(fmt)
