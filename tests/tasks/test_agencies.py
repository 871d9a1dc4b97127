"""Agency normalisation: aliases, abbreviations, groups; successions stated by texts (2025)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.tasks.agencies import agencies_in
from ingest.tasks.successors import (
    InvalidSuccessors,
    Succession,
    SuccessorMap,
    configured_successions,
    match_agency,
    successions_in_text,
)


def test_aliases_and_abbreviations() -> None:
    assert agencies_in("BKHCN") == agencies_in("Bộ KH&CN") == ["Bộ Khoa học và Công nghệ"]
    assert agencies_in("Bộ Công An; Văn phòng Chính phủ") == ["Bộ Công an", "Văn phòng Chính phủ"]
    assert agencies_in("VTV, VOV, TTXVN") == [
        "Đài Truyền hình Việt Nam",
        "Đài Tiếng nói Việt Nam",
        "Thông tấn xã Việt Nam",
    ]
    # Names with commas and "và" inside them are not split.
    assert agencies_in("Bộ Văn hóa, Thể thao và Du lịch, Bộ Y tế") == [
        "Bộ Văn hóa, Thể thao và Du lịch",
        "Bộ Y tế",
    ]
    # A missing comma between two names (as in the source table).
    assert agencies_in("Bộ Thông tin và Truyền thông Bộ Khoa học và Công nghệ") == [
        "Bộ Thông tin và Truyền thông",
        "Bộ Khoa học và Công nghệ",
    ]


def test_groups_kept_as_groups_and_unknown_parts_kept() -> None:
    assert agencies_in("Các bộ, ngành, địa phương") == ["Các bộ, ngành, địa phương"]
    assert agencies_in(
        "các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ, Ủy ban nhân dân các tỉnh, thành phố trực "
        "thuộc Trung ương"
    ) == ["Các bộ, ngành, địa phương"]
    out = agencies_in("Bộ Ngoại giao, các cơ quan đại diện Việt Nam ở nước ngoài")
    assert out == ["Bộ Ngoại giao", "Các cơ quan đại diện Việt Nam ở nước ngoài"]


def test_filter_matching_by_name() -> None:
    assert match_agency("bo khoa hoc va cong nghe", ["Bộ Khoa học và Công nghệ"])
    assert match_agency("Bộ KH&CN", ["Bộ Khoa học và Công nghệ"]).via == "name"  # type: ignore[union-attr]
    assert match_agency("Bộ Y tế", ["Bộ Tài chính"]) is None


def test_no_succession_from_background_knowledge() -> None:
    # The 2025 merger of Bộ TT&TT into Bộ KH&CN is not stated by any document given here.
    smap = SuccessorMap(configured_successions())
    assert configured_successions() == []  # the shipped successors.yaml is empty
    assert smap.current_names(["Bộ Thông tin và Truyền thông"]) == ["Bộ Thông tin và Truyền thông"]
    assert match_agency("Bộ KH&CN", ["Bộ Thông tin và Truyền thông"], smap) is None


def test_successions_stated_in_text() -> None:
    # Real sentence of 3260-KH/ĐĐQH15 (preamble).
    real = (
        "Khi Đảng đoàn Quốc hội kết thúc hoạt động, Đảng ủy Quốc hội được thành lập thì Đảng ủy Quốc hội "
        "tiếp tục chỉ đạo thực hiện Kế hoạch này; các cơ quan, tổ chức mới khác có trách nhiệm kế thừa"
    )
    [s] = successions_in_text(real, "3260-KH/ĐĐQH15:preamble.p7")
    assert (s.old, s.new, s.source) == (
        "Đảng đoàn Quốc hội",
        "Đảng ủy Quốc hội",
        "3260-KH/ĐĐQH15:preamble.p7",
    )
    assert s.quote.startswith("Khi Đảng đoàn Quốc hội")
    # SYNTHETIC sentences (written for this test) in the other forms read.
    cases = {
        "Giao Bộ Thông tin và Truyền thông (nay là Bộ Khoa học và Công nghệ) chủ trì.": [
            ("Bộ Thông tin và Truyền thông", "Bộ Khoa học và Công nghệ")
        ],
        "Bộ Văn hóa, Thể thao và Du lịch (nay là Bộ Du lịch) chủ trì.": [
            ("Bộ Văn hóa, Thể thao và Du lịch", "Bộ Du lịch")
        ],
        "Ban Tuyên giáo Trung ương được đổi tên thành Ban Tuyên giáo và Dân vận Trung ương.": [
            ("Ban Tuyên giáo Trung ương", "Ban Tuyên giáo và Dân vận Trung ương")
        ],
        "Bộ Tài nguyên và Môi trường và Bộ Nông nghiệp và Phát triển nông thôn hợp nhất thành Bộ Nông nghiệp "
        "và Môi trường.": [
            ("Bộ Tài nguyên và Môi trường", "Bộ Nông nghiệp và Môi trường"),
            ("Bộ Nông nghiệp và Phát triển nông thôn", "Bộ Nông nghiệp và Môi trường"),
        ],
        "Sáp nhập Ủy ban Dân tộc vào Bộ Dân tộc và Tôn giáo.": [("Ủy ban Dân tộc", "Bộ Dân tộc và Tôn giáo")],
        "Bộ Nội vụ tiếp nhận chức năng, nhiệm vụ quản lý nhà nước về lao động của Bộ LĐ-TB&XH.": [
            ("Bộ Lao động - Thương binh và Xã hội", "Bộ Nội vụ")
        ],
        # Not successions: organisations of science merged, a consolidated legal text.
        "Sáp nhập, giải thể các tổ chức khoa học và công nghệ hoạt động không hiệu quả.": [],
        "Các Luật có quy định cần được sửa đổi trong văn bản hợp nhất bao gồm Luật Viên chức.": [],
    }
    for text, want in cases.items():
        assert [(x.old, x.new) for x in successions_in_text(text)] == want, text


def test_successor_chain_and_match_says_via() -> None:
    smap = SuccessorMap(
        [
            Succession("A cũ", "B", "X:1", "q1"),
            Succession("B", "C", "X:2", "q2"),
            Succession("C", "A cũ", "X:3", ""),
        ]
    )
    assert smap.current("A cũ") == "C"  # chain followed, the cycle back to "A cũ" ignored
    m = match_agency(
        "Đảng ủy Quốc hội",
        ["Đảng đoàn Quốc hội"],
        SuccessorMap(
            [Succession("Đảng đoàn Quốc hội", "Đảng ủy Quốc hội", "3260-KH/ĐĐQH15:preamble.p7", "…")]
        ),
    )
    assert m is not None and m.via == "successor" and m.agency == "Đảng đoàn Quốc hội"
    assert m.as_dict()["successions"][0]["source"] == "3260-KH/ĐĐQH15:preamble.p7"


def test_configured_successions_file(tmp_path: Path) -> None:
    f = tmp_path / "successors.yaml"
    f.write_text(
        "successors:\n  - old: Bộ TT&TT\n    new: BKHCN\n    source: Nghị quyết 176/2025/QH15\n",
        encoding="utf-8",
    )
    [s] = configured_successions(f)
    assert (s.old, s.new, s.origin) == ("Bộ Thông tin và Truyền thông", "Bộ Khoa học và Công nghệ", "config")
    f.write_text("successors:\n  - old: Bộ TT&TT\n", encoding="utf-8")
    with pytest.raises(InvalidSuccessors):
        configured_successions(f)
