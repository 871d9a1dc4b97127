"""Metadata detection on synthetic headers written in the official layout (synthetic fixtures)."""

from ingest.metadata import apply_overrides, canonical_number, detect_meta, find_numbers, kind_from_number
from ingest.models import Block, DocKind, RawDoc


def _raw(*lines: str, meta: dict[str, str] | None = None) -> RawDoc:
    return RawDoc("synthetic", "text", tuple(Block("para", t) for t in lines), meta or {})


def test_numbers_and_kinds() -> None:
    assert find_numbers("theo Nghị quyết số 57-NQ/TW và 03/NQ-CP, Kế hoạch 3260-KH/ĐĐQH15") == [
        "57-NQ/TW", "03/NQ-CP", "3260-KH/ĐĐQH15"]
    assert canonical_number("57 - NQ/TW") == "57-NQ/TW"
    assert kind_from_number("57-NQ/TW") == DocKind.RESOLUTION
    assert kind_from_number("69-KL/TW") == DocKind.RESOLUTION
    assert kind_from_number("03/NQ-CP") == DocKind.GOV_RESOLUTION
    assert kind_from_number("3260-KH/ĐĐQH15") == DocKind.PLAN
    assert kind_from_number("402-CV/VPĐU") == DocKind.REPORT
    assert kind_from_number("26/CT-TTg") == DocKind.DIRECTIVE
    assert kind_from_number("45/2019/QH14") == DocKind.LAW


def test_party_resolution_header() -> None:
    meta = detect_meta(_raw("BAN CHẤP HÀNH TRUNG ƯƠNG ĐẢNG CỘNG SẢN VIỆT NAM", "Số 99-NQ/TW",
                            "Hà Nội, ngày 16 tháng 9 năm 2025", "NGHỊ QUYẾT", "CỦA BỘ CHÍNH TRỊ",
                            "về một chủ đề thử nghiệm", "I- QUAN ĐIỂM CHỈ ĐẠO"))
    assert (meta.number, meta.date, meta.kind, meta.issuer) == ("99-NQ/TW", "2025-09-16", DocKind.RESOLUTION,
                                                                "Bộ Chính trị")
    assert meta.title == "Nghị quyết của Bộ Chính trị về một chủ đề thử nghiệm"
    assert meta.implements == []


def test_title_stops_at_its_subject_when_issuer_and_subject_share_a_line() -> None:
    # SYNTHETIC: "CỦA BỘ CHÍNH TRỊ" and "về …" in one paragraph (a markdown line break), then the
    # preamble, which is not part of the title.
    meta = detect_meta(_raw("Số 99-NQ/TW", "NGHỊ QUYẾT", "CỦA BỘ CHÍNH TRỊ về một chủ đề thử nghiệm",
                            "Chủ đề thử nghiệm đang là yếu tố quyết định phát triển."))
    assert meta.title == "Nghị quyết của Bộ Chính trị về một chủ đề thử nghiệm"


def test_programme_implements_and_issuer_from_number() -> None:
    meta = detect_meta(_raw("CHÍNH PHỦ", "Số: 12/NQ-CP", "Hà Nội, ngày 09 tháng 01 năm 2025", "NGHỊ QUYẾT",
                            "Ban hành Chương trình hành động của Chính phủ thực hiện Nghị quyết số 99-NQ/TW "
                            "ngày 16 tháng 9 năm 2025 của Bộ Chính trị"))
    assert meta.number == "12/NQ-CP" and meta.kind == DocKind.GOV_RESOLUTION
    assert meta.issuer == "Chính phủ"
    assert meta.implements == ["99-NQ/TW"]


def test_front_matter_and_manifest_override() -> None:
    raw = _raw("Nội dung", meta={"number": "72-NQ/TW", "kind": "resolution", "date": "2025-09-09"})
    meta = apply_overrides(detect_meta(raw), dict(raw.meta))
    assert (meta.number, meta.kind, meta.date) == ("72-NQ/TW", DocKind.RESOLUTION, "2025-09-09")
    meta = apply_overrides(meta, {"issuer": "Bộ Chính trị", "implements": "59-NQ/TW, 70-NQ/TW", "bogus": 1})
    assert meta.issuer == "Bộ Chính trị" and meta.implements == ["59-NQ/TW", "70-NQ/TW"]
