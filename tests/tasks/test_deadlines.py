"""Deadline normalisation: explicit Vietnamese patterns; unparseable strings are flagged."""

from __future__ import annotations

import pytest

from ingest.tasks.deadlines import find_deadline, normalize_deadline


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "recurrence"),
    [
        ("2025", "year", "2025-01-01", "2025-12-31", None),
        ("trong năm 2026", "year", "2026-01-01", "2026-12-31", None),
        ("12/2025", "month", "2025-12-01", "2025-12-31", None),
        ("2/2024", "month", "2024-02-01", "2024-02-29", None),
        ("Tháng 10/2025", "month", "2025-10-01", "2025-10-31", None),
        ("trong tháng 01 năm 2025", "month", "2025-01-01", "2025-01-31", None),
        ("Quý IV/2025", "quarter", "2025-10-01", "2025-12-31", None),
        ("quý II năm 2026", "quarter", "2026-04-01", "2026-06-30", None),
        ("2025 - 2026", "range", "2025-01-01", "2026-12-31", None),
        ("giai đoạn 2026–2030", "range", "2026-01-01", "2030-12-31", None),
        ("31/12/2030", "date", None, "2030-12-31", None),
        ("ngày 15 tháng 6 năm 2025", "date", None, "2025-06-15", None),
        ("hằng năm", "recurring", None, None, "yearly"),
        ("định kỳ 6 tháng", "recurring", None, None, "half-yearly"),
        ("hằng quý", "recurring", None, None, "quarterly"),
        ("Thường xuyên", "continuous", None, None, None),
        ("2025 và những năm tiếp theo", "range", "2025-01-01", None, "yearly"),
    ],
)
def test_patterns(text: str, kind: str, start: str | None, end: str | None, recurrence: str | None) -> None:
    d = normalize_deadline(text)
    assert (d.kind, d.start, d.end, d.recurrence) == (kind, start, end, recurrence)
    assert d.as_written == text


def test_relative_resolved_against_document_date() -> None:
    d = normalize_deadline("chậm nhất 3 tháng kể từ ngày ký", "2025-01-09")
    assert (d.kind, d.start, d.end) == ("relative", "2025-01-09", "2025-04-09")
    unresolved = normalize_deadline("chậm nhất 3 tháng kể từ ngày ký")
    assert (unresolved.kind, unresolved.flag) == ("relative", "unresolved")


def test_twice_a_year() -> None:
    d = normalize_deadline("trước ngày 15 tháng 6 và trước ngày 01 tháng 12")
    assert (d.kind, d.recurrence, d.dates) == ("recurring", "half-yearly", ["06-15", "12-01"])


@pytest.mark.parametrize(
    "text", ["Kỳ họp thứ 10 của Quốc hội khóa XV", "13/2025", "32/01/2025", "sớm nhất có thể", "2030 - 2025"]
)
def test_unparseable_is_flagged_not_guessed(text: str) -> None:
    d = normalize_deadline(text)
    assert (d.kind, d.flag, d.start, d.end) == ("unparsed", "unparsed", None, None)


@pytest.mark.parametrize("text", ["", "—", "[Không có trong nguồn]"])
def test_missing(text: str) -> None:
    assert (normalize_deadline(text).kind, normalize_deadline(text).flag) == ("none", "missing")


def test_find_deadline_in_prose() -> None:
    s = (
        "Các bộ … xây dựng và tổ chức thực hiện kế hoạch thực hiện Nghị quyết số 57-NQ/TW và Chương trình hành động "  # noqa: E501
        "của Chính phủ trong tháng 01 năm 2025."
    )
    assert find_deadline(s) == "trong tháng 01 năm 2025"
    # "hằng năm" as an attribute of a noun is not a deadline; after an action verb it is.
    assert find_deadline("quy định trách nhiệm trong kế hoạch công tác hằng năm.") is None
    assert find_deadline("bảo đảm nguồn kinh phí thực hiện hằng năm") == "hằng năm"
