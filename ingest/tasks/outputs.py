"""Rõ kết quả — the expected output of a task: a product type or a target figure.

Product types are the instruments of Vietnamese state and Party work, in the order a
cell or sentence names them (``Nghị quyết của Chính phủ, Quyết định của Thủ tướng`` gives
``["Nghị quyết", "Quyết định"]``). A target figure is a number with a unit and a
comparator (``tối thiểu 5% tổng chi ngân sách``, ``75,5 tuổi``, ``trên 95%``).
"""

from __future__ import annotations

import re

from ingest.normalize import fold
from ingest.tasks.models import Output, TargetValue

# (type, folded pattern). Order matters only for overlapping matches at the same position.
_TYPES: list[tuple[str, str]] = [
    ("Luật", r"(?:du an |ho so de nghi xay dung |de xuat sua doi )?(?:bo )?luat\b"),
    ("Pháp lệnh", r"phap lenh"),
    ("Nghị định", r"nghi dinh"),
    ("Nghị quyết", r"nghi quyet"),
    ("Quyết định", r"quyet dinh"),
    ("Thông tư", r"thong tu"),
    ("Chỉ thị", r"chi thi"),
    ("Chiến lược", r"chien luoc\b(?! (?:quy mo|trong|cua))"),
    ("Quy hoạch", r"quy hoach\b"),
    ("Đề án", r"de an"),
    ("Chương trình", r"chuong trinh"),
    ("Kế hoạch", r"ke hoach"),
    ("Báo cáo", r"bao cao"),
    ("Bộ tiêu chí", r"bo (?:tieu chi|chi so)"),
    ("Tiêu chuẩn, quy chuẩn", r"tieu chuan,? quy chuan|quy chuan"),
    ("Cơ sở dữ liệu", r"co so du lieu|\bcsdl"),
    ("Hệ thống/Nền tảng", r"nen tang(?: so)?|he thong (?:thong tin|ky thuat)|ung dung"),
    ("Trung tâm", r"trung tam"),
    ("Văn bản", r"van ban"),
    ("Cơ chế, chính sách", r"quy dinh|co che|chinh sach"),
]
_TYPE_RX = re.compile("|".join(f"(?P<t{i}>{p})" for i, (_, p) in enumerate(_TYPES)))

# Verbs that make a product a deliverable in prose ("Xây dựng Đề án …", "ban hành Chiến lược …").
_DELIVER = re.compile(
    r"\b(?:xay dung|ban hanh|trinh|hoan thien|sua doi|bo sung|phe duyet|to chuc thuc hien|trien khai|lap|"
    r"cong bo|thanh lap|hinh thanh)\s+(?:va\s+\w+\s+)?(?:\w+,?\s+){0,2}?"
)

_NUMBER = r"(?P<num>\d+(?:[.,]\d+)?)"
_UNIT = (
    r"(?P<unit>%|tuổi|năm|cm|bác sĩ|giường bệnh|doanh nghiệp|cơ sở|người|lần|tỷ đồng|triệu đồng|USD|"
    r"tỷ USD|giờ|ngày|trường|bệnh viện|sản phẩm|kỹ sư|nhà khoa học|phòng thí nghiệm|trung tâm)"
)
_CMP = (
    r"(?P<cmp>(?:tối thiểu|ít nhất|không thấp hơn|không dưới|trên|hơn|dưới|không quá|tối đa|khoảng)"
    r"(?:\s+(?:đạt|là|ở mức))?|đạt(?:\s+(?:tối thiểu|ít nhất|trên|dưới|khoảng))?|lên(?:\s+trên)?|≥|≤|>|<)?\s*"
)
_FIGURE = re.compile(r"(?<!\w)" + _CMP + _NUMBER + r"\s*" + _UNIT + r"(?!\w)", re.IGNORECASE)
_CMP_MAP = {
    "tối thiểu": ">=",
    "ít nhất": ">=",
    "không thấp hơn": ">=",
    "không dưới": ">=",
    "≥": ">=",
    "trên": ">",
    "hơn": ">",
    ">": ">",
    "dưới": "<",
    "<": "<",
    "không quá": "<=",
    "tối đa": "<=",
    "≤": "<=",
    "đạt": "=",
    "lên": "=",
    "khoảng": "~",
}
_YEAR = re.compile(r"(?:[Đđ]ến|[Tt]ừ|[Tt]rong|[Vv]ào)\s+năm\s+((?:19|20)\d{2})")
# "1 - 18 tuổi", "từ 70 đến 80%": the low end of a range just before a figure.
_RANGE_LOW = re.compile(r"(?P<low>\d+(?:[.,]\d+)?)\s*(?:[-–—]|đến)\s*$")
# "tăng … thêm 1,5cm" / "giảm … bớt 10%": an amount to add or cut ("giảm xuống 10%" is a level).
_CHANGE = re.compile(
    r"\b(?P<verb>tăng|giảm)\b(?:(?!\b(?:tăng|giảm)\b)[^;.])*?\b(?:thêm|bớt)\s*$", re.IGNORECASE
)


def product_types(text: str) -> list[str]:
    """Product types named in ``text``, in order, without repeats."""
    out: list[str] = []
    for m in _TYPE_RX.finditer(fold(text or "")):
        name = _TYPES[int((m.lastgroup or "t0")[1:])][0]
        if name not in out:
            out.append(name)
    return out


def _number(num: str) -> float:
    """Vietnamese numerals: ``1,5`` = 1.5 (decimal comma), ``1.000`` = 1000 (thousands dots)."""
    if "," in num:
        return float(num.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", num):
        return float(num.replace(".", ""))
    return float(num)


def _comparator(words: list[str]) -> str | None:
    key = " ".join(w for w in words if w not in ("đạt", "là", "ở", "mức")) or ("đạt" if words else "")
    if words[:1] == ["đạt"] and len(words) > 1:
        key = " ".join(words[1:])
    if words[:1] == ["lên"] and len(words) > 1:
        key = "trên"
    return _CMP_MAP.get(key)


def find_figures(text: str, default_year: int | None = None) -> list[TargetValue]:
    """Every target figure (number + unit) in ``text``, in order, each with its comparator and year.

    The year of a figure is the nearest ``Đến năm …`` before it (else ``default_year``). A range
    with no comparator (``trẻ em từ 1 - 18 tuổi``) qualifies who is counted and is not a target;
    with one (``đạt 70 - 80%``) it is a range target. ``tăng … thêm 1,5cm`` is an increase.
    """
    out: list[TargetValue] = []
    text = text or ""
    for m in _FIGURE.finditer(text):
        if m["unit"] == "năm" and re.fullmatch(r"(?:19|20)\d{2}", m["num"]):
            continue  # "năm 2030" is a year, not a figure
        words = (m["cmp"] or "").lower().split()
        before = text[: m.start("num")]
        low = _RANGE_LOW.search(before) if not words else None
        value_max = None
        value = _number(m["num"])
        as_written = m.group(0).strip()
        if low is not None:
            lead = text[: m.start("num") - len(low.group(0))]
            cmp_before = re.search(r"(?:" + _CMP + r")$", lead.rstrip() + " ", re.IGNORECASE)
            if not (cmp_before and cmp_before["cmp"]):
                continue  # a range qualifying the population, not a target
            words = cmp_before["cmp"].lower().split()
            value, value_max = _number(low["low"]), value
            as_written = text[cmp_before.start("cmp") : m.end()].strip()
        years = _YEAR.findall(before)
        year = int(years[-1]) if years else default_year
        change = _CHANGE.search(text[max(0, m.start() - 160) : m.start()])
        out.append(
            TargetValue(
                as_written,
                value,
                m["unit"],
                _comparator(words),
                year,
                value_max,
                {"tăng": "increase", "giảm": "decrease"}[change["verb"].lower()] if change else None,
            )
        )
    return out


def find_figure(text: str, default_year: int | None = None) -> TargetValue | None:
    """The first target figure in ``text`` (see :func:`find_figures`); ``None`` if there is none."""
    figs = find_figures(text, default_year)
    return figs[0] if figs else None


def output_of_cell(cell: str | None) -> Output:
    """The output of a table row from its Sản phẩm / Kết quả cell."""
    text = (cell or "").strip()
    if not text or text.startswith("[Không có"):
        return Output("")
    return Output(text, product_types(text), find_figure(text))


def output_of_prose(task: str) -> Output:
    """The output a prose task commits to: products it will deliver, or a target figure."""
    f = fold(task)
    types: list[str] = []
    for m in _DELIVER.finditer(f):
        tail = f[m.end() : m.end() + 40]
        t = _TYPE_RX.match(tail)
        if t:
            name = _TYPES[int((t.lastgroup or "t0")[1:])][0]
            if name == "Văn bản":
                continue
            if name not in types:
                types.append(name)
    figure = find_figure(task)
    if not types and figure is None:
        return Output("")
    as_written = ", ".join(types) if types else figure.as_written if figure else ""
    return Output(as_written, types, figure)
