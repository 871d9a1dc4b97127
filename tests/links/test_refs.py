"""The reference parser (ingest/refs.py) on phrases taken from the corpus, plus SYNTHETIC edge cases."""

from __future__ import annotations

from ingest.refs import find_references, number_key, party_number_from_short


def kinds(text: str) -> list[tuple[str, str | None]]:
    return [(r.kind, r.number) for r in find_references(text)]


def test_document_with_vietnamese_date() -> None:
    # 03/NQ-CP, Chương trình hành động II.4.a
    refs = find_references(
        "theo Chương trình hành động của Chính phủ thực hiện Nghị quyết số 45-NQ/TW "
        "ngày 24 tháng 11 năm 2023 của Ban Chấp hành Trung ương"
    )
    doc = next(r for r in refs if r.kind == "document")
    assert (doc.number, doc.doc_type, doc.date) == ("45-NQ/TW", "Nghị quyết", "2023-11-24")
    prog = next(r for r in refs if r.kind == "programme")
    assert prog.number == "45-NQ/TW"
    assert prog.text.startswith("Chương trình hành động của Chính phủ")


def test_numeric_date_year_and_law_numbers() -> None:
    refs = find_references(
        "Kết luận số 69-KL/TW, Nghị quyết 71-NQ/TW năm 2025, văn bản số 15000-CV/VPTW "
        "ngày 23/5/2025 và Nghị quyết số 193/2025/QH15; Nghị quyết số 193/2025/NQ-QH15, "
        "Thông tư số 15/2023/TT-BGDĐT"
    )
    assert [(r.number, r.date) for r in refs] == [
        ("69-KL/TW", None),
        ("71-NQ/TW", "2025"),
        ("15000-CV/VPTW", "2025-05-23"),
        ("193/2025/QH15", None),
        ("193/2025/NQ-QH15", None),  # the type's code before the issuer's: kept whole
        ("15/2023/TT-BGDĐT", None),
    ]


def test_places_attach_to_the_following_document() -> None:
    # SYNTHETIC phrase
    refs = find_references("theo điểm a khoản 2 Điều 3 của Nghị quyết số 03/NQ-CP; Điều 5")
    place = [r for r in refs if r.kind == "place"]
    assert (place[0].point, place[0].clause, place[0].article, place[0].number) == ("a", "2", "3", "03/NQ-CP")
    assert (place[1].article, place[1].number, place[1].elsewhere) == ("5", None, False)


def test_place_in_an_unnamed_text_is_marked_elsewhere() -> None:
    # 402-CV/VPĐU Phụ lục 3: "mục 7 Phần II của dự thảo báo cáo"
    (ref,) = find_references("tại mục 7 Phần II của dự thảo báo cáo")
    assert (ref.item, ref.part, ref.elsewhere) == ("7", "II", True)


def test_ranges_and_plain_numbers_are_not_references() -> None:
    assert kinds("giai đoạn 2021-2030, tăng 30 - 50%, năm 2025") == []


def test_number_keys() -> None:
    assert number_key("3260-kh/đđqh15") == number_key("3260-KH/ĐĐQH15")
    assert party_number_from_short("NQ70") == "70-NQ/TW"
    assert party_number_from_short("Chương trình") is None
