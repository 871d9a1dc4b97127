"""Rõ thời gian — Vietnamese deadline wording, normalised by explicit, tested patterns.

:func:`normalize_deadline` turns a deadline *as written* (a table cell, or a phrase found
in prose by :func:`find_deadline`) into a :class:`~ingest.tasks.models.Deadline`:

==========================================  =========  ===================================
as written                                  kind       normalised
==========================================  =========  ===================================
``2025``, ``trong năm 2025``                year       2025-01-01 … 2025-12-31
``12/2025``, ``Tháng 10/2025``               month      first … last day of the month
``Quý IV/2025``, ``quý II năm 2026``         quarter    first … last day of the quarter
``2025 - 2026``, ``giai đoạn 2026–2030``     range      first day … last day
``31/12/2030``, ``ngày 15 tháng 6 năm 2025`` date       that day
``chậm nhất 3 tháng kể từ ngày ký``          relative   resolved against the document date
``hằng năm``, ``định kỳ 6 tháng``, ``hằng quý`` recurring recurrence
``thường xuyên``                             continuous flag ``vague``
==========================================  =========  ===================================

Anything else is ``unparsed`` with flag ``unparsed`` — never guessed. An empty cell or a
gap marker is ``none`` with flag ``missing``. Relative deadlines without a document date
stay ``relative`` with flag ``unresolved``.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from ingest.normalize import fold
from ingest.tasks.models import Deadline

_ROMAN_Q = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_DASH = r"\s*[-–—]\s*"
_Y = r"(?P<y>(?:19|20)\d{2})"


def _last_day(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _valid(y: int, m: int, d: int | None = None) -> bool:
    if not 1 <= m <= 12:
        return False
    return d is None or 1 <= d <= calendar.monthrange(y, m)[1]


# Patterns are tried on the folded (no diacritics, lower case) text, whole-string first.
_PREFIX = r"^(?:(?:nhiem vu\s+)?(?:hoan thanh|co ban hoan thanh|thuc hien)?\s*(?:trong|truoc|den|vao|chac chan)?\s*)"  # noqa: E501
_RE_CONTINUOUS = re.compile(r"^(?:nhiem vu\s+)?thuong xuyen(?:,?\s*lien tuc)?$")
_RE_YEARLY = re.compile(r"^(?:dinh ky\s+)?(?:hang|hàng|moi)\s*nam$")
_RE_EVERY_N_MONTHS = re.compile(r"^dinh ky\s+(?P<n>\d+)\s+thang(?:\s+mot lan)?$")
_RE_QUARTERLY = re.compile(r"^(?:dinh ky\s+)?hang quy$")
_RE_MONTHLY = re.compile(r"^(?:dinh ky\s+)?hang thang$")
_RE_TWICE = re.compile(
    r"truoc ngay (?P<d1>\d{1,2}) thang (?P<m1>\d{1,2}) va truoc ngay (?P<d2>\d{1,2}) thang (?P<m2>\d{1,2})"
)
_RE_DAY_MONTH = re.compile(r"^ngay\s+(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})$")
_RE_DMY = re.compile(r"^(?:ngay\s+)?(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*" + _Y + "$")
_RE_DMY_WORDS = re.compile(r"^ngay\s+(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})\s+nam\s+" + _Y + "$")
_RE_MY = re.compile(r"^(?:thang\s+)?(?P<m>\d{1,2})\s*/\s*" + _Y + "$")
_RE_MY_WORDS = re.compile(r"^thang\s+(?P<m>\d{1,2})\s+nam\s+" + _Y + "$")
_RE_Q = re.compile(r"^quy\s+(?P<q>iv|iii|ii|i|[1-4])\s*(?:/|nam)\s*" + _Y + "$")
_RE_YEAR = re.compile(r"^(?:nam\s+)?" + _Y + "$")
_RE_RANGE = re.compile(
    r"^(?:giai doan|thoi ky|tu nam|trong giai doan|nam)?\s*(?P<a>(?:19|20)\d{2})(?:"
    + _DASH
    + r"|\s+den\s+(?:nam\s+)?)"
    r"(?P<b>(?:19|20)\d{2})$"
)
_RE_OPEN = re.compile(r"^" + _Y + r"\s+va\s+(?:nhung|cac)\s+nam\s+tiep theo$")
_RE_FROM = re.compile(r"^tu\s+(?:nam\s+)?" + _Y + "$")
_RE_RELATIVE = re.compile(
    r"^(?:cham nhat|trong(?:\s+vong)?|trong thoi han|sau)\s+(?P<n>\d+)\s+(?P<u>ngay|tuan|thang|nam)\s+"
    r"(?:ke tu|tinh tu|sau)\s+(?:ngay\s+)?(?P<ref>ky|ban hanh|nghi quyet|ke hoach|chuong trinh|van ban)"
)


def _clean(text: str) -> str:
    t = fold(text).strip().strip(".;,:")
    t = re.sub(r"\s+", " ", t)
    t = re.sub(_PREFIX, "", t).strip()
    t = re.sub(r"^(?:hoan thanh\s+)", "", t).strip()
    return t


def normalize_deadline(as_written: str | None, doc_date: str | None = None) -> Deadline:
    """Normalise one deadline string. ``doc_date`` (ISO) resolves relative deadlines."""
    raw = (as_written or "").strip()
    if not raw or raw in {"—", "-", "–"} or raw.startswith("[Không có trong nguồn"):
        return Deadline(raw, "none", flag="missing")
    t = _clean(raw)
    if _RE_CONTINUOUS.match(t):
        return Deadline(raw, "continuous", flag="vague")
    if _RE_YEARLY.match(t):
        return Deadline(raw, "recurring", recurrence="yearly")
    if _RE_QUARTERLY.match(t):
        return Deadline(raw, "recurring", recurrence="quarterly")
    if _RE_MONTHLY.match(t):
        return Deadline(raw, "recurring", recurrence="monthly")
    m = _RE_EVERY_N_MONTHS.match(t)
    if m:
        n = int(m["n"])
        rec = {6: "half-yearly", 3: "quarterly", 12: "yearly", 1: "monthly"}.get(n, f"every-{n}-months")
        return Deadline(raw, "recurring", recurrence=rec)
    m = _RE_TWICE.search(fold(raw))
    if m:
        days = [(int(m["m1"]), int(m["d1"])), (int(m["m2"]), int(m["d2"]))]
        if all(_valid(2000, mm, dd) for mm, dd in days):
            return Deadline(
                raw,
                "recurring",
                recurrence="half-yearly" if len(days) == 2 else "yearly",
                dates=[f"{mm:02d}-{dd:02d}" for mm, dd in days],
            )
    m = _RE_DAY_MONTH.match(t)
    if m and _valid(2000, int(m["m"]), int(m["d"])):
        # A day of the year without a year ("trước ngày 15 tháng 6"): every year on that day.
        return Deadline(raw, "recurring", recurrence="yearly", dates=[f"{int(m['m']):02d}-{int(m['d']):02d}"])
    for rx in (_RE_DMY, _RE_DMY_WORDS):
        m = rx.match(t)
        if m:
            y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
            if _valid(y, mo, d):
                iso = date(y, mo, d).isoformat()
                return Deadline(raw, "date", end=iso)
            return Deadline(raw, "unparsed", flag="unparsed")
    for rx in (_RE_MY, _RE_MY_WORDS):
        m = rx.match(t)
        if m:
            y, mo = int(m["y"]), int(m["m"])
            if _valid(y, mo):
                return Deadline(
                    raw, "month", start=date(y, mo, 1).isoformat(), end=_last_day(y, mo).isoformat()
                )
            return Deadline(raw, "unparsed", flag="unparsed")
    m = _RE_Q.match(t)
    if m:
        y, q = int(m["y"]), _ROMAN_Q[m["q"]]
        return Deadline(
            raw, "quarter", start=date(y, 3 * q - 2, 1).isoformat(), end=_last_day(y, 3 * q).isoformat()
        )
    m = _RE_YEAR.match(t)
    if m:
        y = int(m["y"])
        return Deadline(raw, "year", start=f"{y}-01-01", end=f"{y}-12-31")
    m = _RE_RANGE.match(t)
    if m:
        a, b = int(m["a"]), int(m["b"])
        if a <= b:
            return Deadline(raw, "range", start=f"{a}-01-01", end=f"{b}-12-31")
        return Deadline(raw, "unparsed", flag="unparsed")
    m = _RE_OPEN.match(t)
    if m:
        return Deadline(raw, "range", start=f"{m['y']}-01-01", recurrence="yearly", flag="open_ended")
    m = _RE_FROM.match(t)
    if m:
        return Deadline(raw, "range", start=f"{m['y']}-01-01", flag="open_ended")
    m = _RE_RELATIVE.match(t)
    if m:
        n, unit = int(m["n"]), m["u"]
        if not doc_date:
            return Deadline(raw, "relative", flag="unresolved")
        base = date.fromisoformat(doc_date)
        if unit == "ngay":
            end = base + timedelta(days=n)
        elif unit == "tuan":
            end = base + timedelta(weeks=n)
        elif unit == "thang":
            end = _add_months(base, n)
        else:
            end = _add_months(base, 12 * n)
        return Deadline(raw, "relative", start=base.isoformat(), end=end.isoformat())
    return Deadline(raw, "unparsed", flag="unparsed")


# --- finding deadline phrases in prose ---------------------------------------------------

_V_Y = r"(?:19|20)\d{2}"
_PROSE_PATTERNS: list[re.Pattern[str]] = [
    re.compile(r"trước ngày \d{1,2} tháng \d{1,2} và trước ngày \d{1,2} tháng \d{1,2}", re.I),
    re.compile(
        r"(?:chậm nhất|trong vòng|trong thời hạn)\s+\d+\s+(?:ngày|tuần|tháng|năm)\s+(?:kể từ|tính từ)\s+"
        r"ngày\s+(?:ký|ban hành)(?:\s+ban hành)?",
        re.I,
    ),
    re.compile(
        rf"(?:trước|trong|đến)\s+ngày\s+\d{{1,2}}(?:\s+tháng\s+\d{{1,2}}\s+năm\s+{_V_Y}|/\d{{1,2}}/{_V_Y})",
        re.I,
    ),
    re.compile(rf"(?:trong|trước|đến hết)\s+[Qq]uý\s+(?:IV|III|II|I|[1-4])\s*(?:/|năm)\s*{_V_Y}", re.I),
    re.compile(rf"(?:trong|trước|đến hết)\s+tháng\s+\d{{1,2}}(?:\s+năm\s+|/){_V_Y}", re.I),
    re.compile(rf"(?:trong\s+)?giai đoạn\s+{_V_Y}\s*[-–—]\s*{_V_Y}", re.I),
    re.compile(rf"(?:cơ bản\s+)?hoàn thành\s+(?:trong|trước|vào)\s+năm\s+{_V_Y}", re.I),
    re.compile(rf"(?:trong|trước|vào)\s+năm\s+{_V_Y}", re.I),
    re.compile(rf"[Tt]ừ năm {_V_Y}", re.I),
    re.compile(r"[Đđ]ịnh kỳ\s+\d+\s+tháng", re.I),
    re.compile(r"hằng quý|hàng quý", re.I),
]
# Adverbial recurrence right after an action verb ("… thực hiện hằng năm"); "kế hoạch công tác
# hằng năm" (an attribute of a noun) is not a deadline.
_YEARLY_ADVERB = re.compile(r"(?:thực hiện|tổ chức|báo cáo|đánh giá|công bố|cập nhật)\s+hằng năm", re.I)
_CONTINUOUS_ADVERB = re.compile(
    r"^(?:Triển khai|Thực hiện|Tổ chức)\s+thường xuyên\b|\bthường xuyên\s*[.;]?$", re.I
)


def find_deadline(text: str) -> str | None:
    """The first deadline phrase in ``text`` by pattern priority, as written; ``None`` if none."""
    hits: list[tuple[int, int, str]] = []
    for prio, rx in enumerate(_PROSE_PATTERNS):
        m = rx.search(text)
        if m:
            hits.append((prio, m.start(), m.group(0)))
    if hits:
        # A specific date beats a year; among patterns of the same kind, the earliest in the text.
        hits.sort()
        return hits[0][2].strip()
    m = _YEARLY_ADVERB.search(text)
    if m:
        return "hằng năm"
    if _CONTINUOUS_ADVERB.search(text):
        return "thường xuyên"
    return None
