"""Provision-tree rules on small synthetic block lists (synthetic fixtures: the wording
imitates official documents but is written for these tests), plus real-document checks."""

from __future__ import annotations

from pathlib import Path

from ingest.models import Block, RawDoc
from ingest.structure import build_provisions, detect_marker


def _doc(*items: str | tuple[str, int] | Block) -> RawDoc:
    blocks = []
    for it in items:
        if isinstance(it, Block):
            blocks.append(it)
        elif isinstance(it, tuple):
            blocks.append(Block("para", it[0], page=it[1]))
        else:
            blocks.append(Block("para", it))
    return RawDoc("synthetic", "text", tuple(blocks))


def _ids(raw: RawDoc, doc_id: str = "1-NQ/TW") -> dict[str, str]:
    return {p.id.split(":", 1)[1]: p.kind for p in build_provisions(raw, doc_id)}


def test_markers() -> None:
    cases = {
        "I- QUAN ĐIỂM CHỈ ĐẠO": ("part", "I"),
        "IV. TỔ CHỨC THỰC HIỆN": ("part", "IV"),
        "A. Mục tiêu đến năm 2030": ("section", "A"),
        "2. Khẩn trương hoàn thiện thể chế": ("item", "2"),
        "(3) Quan tâm đào tạo": ("item", "3"),
        "2.1. Để thể chế hoá đầy đủ": ("subitem", "2.1"),
        "đ) Xây dựng nền tảng số": ("point", "đ"),
        "(ii) Hội nhập quốc tế về chính trị": ("subpoint", "ii"),
        "- Tiềm lực khoa học": ("dash", ""),
        "+ Mục tiêu tổng quát: Nâng cao": ("dash", ""),
        "Điều 5. Phạm vi điều chỉnh": ("article", "D5"),
        "Chương II": ("chapter", "CII"),
        "PHỤ LỤC II": ("appendix", "PL2"),
        "Phụ lục 1: DANH MỤC NHIỆM VỤ": ("appendix", "PL1"),
        "CHƯƠNG TRÌNH HÀNH ĐỘNG CỦA CHÍNH PHỦ": ("programme", "CT"),
        "MỤC TIÊU": ("heading", "MUC-TIEU"),
    }
    for text, (kind, label) in cases.items():
        m = detect_marker(text)
        assert m is not None, text
        assert (m.type, m.label) == (kind, label), text
    for text in ["Nghị quyết này phổ biến đến chi bộ.", "2025 là năm bản lề", "-5% so với cùng kỳ",
                 "NGHỊ QUYẾT"]:
        assert detect_marker(text) is None, text


def test_party_resolution_tree_and_ids() -> None:
    raw = _doc(
        "BAN CHẤP HÀNH TRUNG ƯƠNG",
        "Số 1-NQ/TW",
        "Đoạn mở đầu đánh giá tình hình.",
        "I- QUAN ĐIỂM CHỈ ĐẠO",
        "1. Quan điểm thứ nhất.",
        "2. Quan điểm thứ hai.",
        "II- MỤC TIÊU",
        "1. Đến năm 2030",
        "- Chỉ tiêu một.",
        "- Chỉ tiêu hai",
        "Đoạn không đánh dấu sau gạch đầu dòng.",
        "III- NHIỆM VỤ, GIẢI PHÁP",
        "1. Hoàn thiện thể chế",
        "a) Điểm a.",
        "- Gạch dưới điểm a.",
        "b) Điểm b.",
        "IV- TỔ CHỨC THỰC HIỆN",
        "1. Giao cơ quan A chủ trì.",
        "Nơi nhận:",
        "- Như trên;",
    )
    ids = _ids(raw)
    for expected in ["preamble", "preamble.p3", "I", "I.1", "I.2", "II.1", "II.1.d1", "II.1.d2", "II.1.p1",
                     "III.1.a", "III.1.a.d1", "III.1.b", "IV.1", "closing"]:
        assert expected in ids, (expected, sorted(ids))
    assert ids["II.1.p1"] == "para"
    assert "closing.d1" not in ids  # the recipients list stays in the closing block
    # Stable: the same input gives the same ids.
    assert _ids(raw) == ids


def test_report_sections_hold_parts_and_subitems() -> None:
    raw = _doc("A. BÁO CÁO KẾT QUẢ", "I- CÔNG TÁC LÃNH ĐẠO", "1. Việc một", "1.1. Việc con",
               "II- KẾT QUẢ", "B. GÓP Ý KIẾN", "I. Về kết quả")
    ids = _ids(raw, "9-BC/X")
    assert {"A", "A.I", "A.I.1", "A.I.1.1.1", "A.II", "B", "B.I"} <= set(ids)


def test_gap_marker_is_a_gap_and_closes_items() -> None:
    raw = _doc("II. NHIỆM VỤ CỤ THỂ", "4. Tiểu mục bốn", "- Việc của tiểu mục bốn.",
               "[Không có trong nguồn: tiêu đề tiểu mục tiếp theo]", "- Việc dưới tiểu mục bị thiếu.",
               "5. Tiểu mục năm")
    provs = {p.id.split(":", 1)[1]: p for p in build_provisions(raw, "2/NQ-CP")}
    gap = provs["II.gap1"]
    assert gap.gap and gap.kind == "gap"
    assert "II.gap1.d1" in provs  # the orphaned dash is not credited to item 4
    assert "II.4.d2" not in provs
    assert "II.5" in provs


def test_government_resolution_programme_and_appendix_rows() -> None:
    table = Block("table", "", rows=(
        ("TT", "Tên nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Kết quả", "Thời gian hoàn thành"),
        ("I.", "Nhóm nhiệm vụ một", "", "", "", ""),
        ("1.", "Xây dựng đề án A", "Bộ Y tế", "Các bộ, ngành", "Đề án", "2025"),
        ("2.", "Ban hành nghị định B", "Bộ Tài chính", "", "Nghị định", "Quý IV/2025"),
        ("II.", "Nhóm nhiệm vụ hai", "", "", "", ""),
        ("3.", "Xây dựng nền tảng C", "Bộ Công an", "", "Nền tảng", "Thường xuyên"),
    ))
    raw = _doc("QUYẾT NGHỊ:", "Điều 1. Ban hành kèm theo Nghị quyết này Chương trình hành động.",
               "Điều 2. Nghị quyết có hiệu lực.", "CHƯƠNG TRÌNH HÀNH ĐỘNG CỦA CHÍNH PHỦ",
               "(Kèm theo Nghị quyết)", "I. MỤC TIÊU", "1. Mục tiêu một.", "II. NHIỆM VỤ CỤ THỂ",
               "1. Nhóm một", "a) Việc a.", "PHỤ LỤC II", "DANH MỤC CÁC NHIỆM VỤ", table)
    provs = {p.id.split(":", 1)[1]: p for p in build_provisions(raw, "5/NQ-CP")}
    assert {"D1", "D2", "CT", "CT.I.1", "CT.II.1.a", "PL2", "PL2.I", "PL2.II", "PL2.1", "PL2.2",
            "PL2.3"} <= set(provs)
    assert "DANH MỤC" in provs["PL2"].text
    row = provs["PL2.2"]
    assert row.parent_id == "5/NQ-CP:PL2.I"
    assert row.fields == {"Tên nhiệm vụ": "Ban hành nghị định B", "Cơ quan chủ trì": "Bộ Tài chính",
                          "Cơ quan phối hợp": "", "Kết quả": "Nghị định",
                          "Thời gian hoàn thành": "Quý IV/2025"}
    assert provs["PL2.3"].parent_id == "5/NQ-CP:PL2.II"


def test_law_articles_clauses_points() -> None:
    raw = _doc("Chương I", "QUY ĐỊNH CHUNG", "Điều 1. Phạm vi điều chỉnh", "Luật này quy định về X.",
               "Chương II", "Điều 2. Nghĩa vụ", "1. Khoản một:", "a) Điểm a;", "b) Điểm b.", "2. Khoản hai.")
    ids = _ids(raw, "Luật X")
    assert {"CI", "D1", "D1.p1", "CII", "D2", "D2.1", "D2.1.a", "D2.1.b", "D2.2"} <= set(ids)


def test_page_break_continuation_and_page_numbers_are_repaired() -> None:
    raw = _doc(("I- QUAN ĐIỂM", 1), ("1. Phát triển khoa học là đột phá, đổi mới phương thức", 1), ("2", 1),
               ("quản trị quốc gia, phát triển kinh tế.", 2), ("2. Quan điểm hai.", 2))
    provs = {p.id.split(":", 1)[1]: p for p in build_provisions(raw, "1-NQ/TW")}
    assert provs["I.1"].text == ("1. Phát triển khoa học là đột phá, đổi mới phương thức "
                                 "quản trị quốc gia, phát triển kinh tế.")
    assert (provs["I.1"].page_start, provs["I.1"].page_end) == (1, 2)
    assert (provs["I"].page_start, provs["I"].page_end) == (1, 2)
    assert set(provs) == {"I", "I.1", "I.2"}


def test_table_split_by_page_break_continues_rows() -> None:
    header = ("TT", "Nhiệm vụ", "Chủ trì", "Thời hạn")
    part1 = Block("table", "", page=3, rows=(header, ("1.", "Xây dựng đề án", "Bộ Y tế", "2025"),
                                               ("2.", "Rà soát các quy định hiện", "Bộ Tài", "")))
    # The next page repeats the header and carries the rest of row 2 in an unnumbered row.
    part2 = Block("table", "", page=4, rows=(header, ("", "hành về đầu tư", "chính", "2026"),
                                               ("3.", "Ban hành nghị định", "Bộ Công an", "Quý IV/2025")))
    raw = _doc("PHỤ LỤC", part1, part2)
    provs = {p.id.split(":", 1)[1]: p for p in build_provisions(raw, "9/NQ-CP")}
    assert [k for k in provs if k.startswith("PL.")] == ["PL.1", "PL.2", "PL.3"]
    assert provs["PL.2"].fields == {"Nhiệm vụ": "Rà soát các quy định hiện hành về đầu tư",
                                    "Chủ trì": "Bộ Tài chính", "Thời hạn": "2026"}
    assert provs["PL.2"].page_end == 4


def test_markdown_parts_without_blank_lines_open_new_blocks() -> None:
    """SYNTHETIC plan: Markdown with no blank lines between a part heading and its items."""
    from ingest.readers.markdown import read_markdown

    text = (
        "KẾ HOẠCH\nSố 12-KH/TEST\nI. MỤC ĐÍCH, YÊU CẦU\n1. Quán triệt nội dung.\n2. Bảo đảm tiến độ.\n"
        "II- NHIỆM VỤ\n1. Xây dựng trung tâm dữ liệu.\nĐiều 3. Hiệu lực thi hành\n"
    )
    raw = read_markdown(Path("plan.md"), text.encode())
    texts = [b.text for b in raw.blocks]
    assert ("I. MỤC ĐÍCH, YÊU CẦU" in texts and "II- NHIỆM VỤ" in texts
            and "Điều 3. Hiệu lực thi hành" in texts)
    # A wrapped sentence that merely contains a Roman numeral is not split.
    raw = read_markdown(Path("p.md"), "Theo mục\nII của Nghị quyết, các bộ thực hiện.\n".encode())
    assert [b.text for b in raw.blocks] == ["Theo mục II của Nghị quyết, các bộ thực hiện."]
