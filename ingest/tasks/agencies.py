"""Rõ người — canonical agencies with their aliases and abbreviations.

*Cơ quan chủ trì* is the lead agency of a task, *cơ quan phối hợp* its partners. Documents
name the same agency many ways (``Bộ Khoa học và Công nghệ`` = ``Bộ KH&CN`` = ``BKHCN``);
:func:`find_agencies` finds every agency named in a text and returns canonical names, keeping
collective subjects (``các bộ, ngành, địa phương``) as one *group*.

The table holds names before and after the 2025 reorganisation as separate agencies: which
one took over another's duties is mapped only where a text says so
(:mod:`ingest.tasks.successors`), never here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.normalize import fold


@dataclass(frozen=True, slots=True)
class Agency:
    name: str  # canonical name
    aliases: tuple[str, ...] = ()
    group: bool = False  # a collective subject ("các bộ, ngành, địa phương")


_GROUP_ALL = "Các bộ, ngành, địa phương"
_GROUP_MIN = "Các bộ, ngành"
_GROUP_LOCAL = "Các địa phương"

AGENCIES: tuple[Agency, ...] = (
    # Ministries and ministry-level bodies (names before and after 1 March 2025).
    Agency("Bộ Khoa học và Công nghệ", ("Bộ KH&CN", "Bộ KHCN", "BKHCN", "Bộ Khoa học, Công nghệ")),
    Agency("Bộ Thông tin và Truyền thông", ("Bộ TT&TT", "Bộ TTTT", "BTTTT")),
    Agency("Bộ Kế hoạch và Đầu tư", ("Bộ KH&ĐT", "Bộ KHĐT", "BKHĐT", "Bộ KHDT")),
    Agency("Bộ Tài chính", ("BTC",)),
    Agency("Bộ Giáo dục và Đào tạo", ("Bộ GD&ĐT", "Bộ GDĐT", "BGDĐT")),
    Agency("Bộ Công an", ("BCA",)),
    Agency("Bộ Quốc phòng", ("BQP",)),
    Agency("Bộ Nội vụ", ("BNV",)),
    Agency("Bộ Ngoại giao", ("BNG",)),
    Agency("Bộ Tư pháp", ("BTP",)),
    Agency("Bộ Y tế", ("BYT",)),
    Agency("Bộ Công Thương", ("BCT", "Bộ Công thương")),
    Agency("Bộ Xây dựng", ("BXD",)),
    Agency("Bộ Giao thông vận tải", ("Bộ GTVT", "BGTVT")),
    Agency("Bộ Tài nguyên và Môi trường", ("Bộ TN&MT", "Bộ TNMT", "BTNMT")),
    Agency("Bộ Nông nghiệp và Phát triển nông thôn", ("Bộ NN&PTNT", "Bộ NNPTNT", "BNNPTNT")),
    Agency("Bộ Nông nghiệp và Môi trường", ("Bộ NN&MT", "BNNMT")),
    Agency(
        "Bộ Lao động - Thương binh và Xã hội",
        ("Bộ LĐ-TB&XH", "Bộ LĐTBXH", "BLĐTBXH", "Bộ Lao động, Thương binh và Xã hội"),
    ),
    Agency("Bộ Văn hóa, Thể thao và Du lịch", ("Bộ VHTTDL", "Bộ VH,TT&DL", "BVHTTDL")),
    Agency("Bộ Dân tộc và Tôn giáo", ()),
    Agency("Ủy ban Dân tộc", ("UBDT",)),
    Agency("Ngân hàng Nhà nước Việt Nam", ("Ngân hàng Nhà nước", "NHNN")),
    Agency("Thanh tra Chính phủ", ("TTCP",)),
    Agency("Văn phòng Chính phủ", ("VPCP",)),
    Agency("Đài Truyền hình Việt Nam", ("VTV",)),
    Agency("Đài Tiếng nói Việt Nam", ("VOV",)),
    Agency("Thông tấn xã Việt Nam", ("TTXVN",)),
    Agency("Viện Hàn lâm Khoa học và Công nghệ Việt Nam", ("VAST", "Viện Hàn lâm Khoa học và Công nghệ")),
    Agency("Viện Hàn lâm Khoa học Xã hội Việt Nam", ("VASS",)),
    Agency("Bảo hiểm xã hội Việt Nam", ("BHXH Việt Nam",)),
    Agency("Chính phủ", ()),
    Agency("Thủ tướng Chính phủ", ("Thủ tướng",)),
    # Party bodies.
    Agency("Bộ Chính trị", ()),
    Agency("Ban Bí thư", ("Ban Bí thư Trung ương Đảng",)),
    Agency(
        "Ban Chỉ đạo Trung ương",
        ("Ban Chỉ đạo Trung ương về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số",),
    ),
    Agency("Ban cán sự đảng Chính phủ", ("Ban Cán sự đảng Chính phủ", "BCSĐ Chính phủ")),
    Agency("Đảng ủy Chính phủ", ()),
    Agency("Đảng đoàn Quốc hội", ("ĐĐQH",)),
    Agency("Văn phòng Đảng đoàn Quốc hội", ("VPĐĐQH",)),
    Agency("Đảng ủy Quốc hội", ()),
    Agency("Ban Tuyên giáo Trung ương", ("Ban Tuyên giáo TW",)),
    Agency("Ban Dân vận Trung ương", ()),
    Agency("Ban Tuyên giáo và Dân vận Trung ương", ()),
    Agency("Ban Kinh tế Trung ương", ()),
    Agency("Ban Chính sách, chiến lược Trung ương", ("Ban Chính sách, Chiến lược Trung ương",)),
    Agency("Văn phòng Trung ương Đảng", ("VPTW",)),
    Agency("Quân ủy Trung ương", ()),
    Agency("Đảng ủy Công an Trung ương", ()),
    Agency("Đảng ủy Bộ Y tế", ()),
    Agency("Đảng ủy Mặt trận Tổ quốc, các đoàn thể Trung ương", ()),
    Agency(
        "Mặt trận Tổ quốc Việt Nam và các tổ chức chính trị - xã hội",
        ("Mặt trận Tổ quốc Việt Nam và các tổ chức chính trị-xã hội",),
        group=True,
    ),
    Agency(
        "Các tỉnh ủy, thành ủy, đảng ủy trực thuộc Trung ương",
        (
            "Các tỉnh ủy, thành ủy, đảng ủy trực thuộc Trung ương, các ban đảng",
            "các tỉnh ủy, thành ủy",
            "các đảng ủy trực thuộc Trung ương",
        ),
        group=True,
    ),
    Agency("Các cấp ủy, tổ chức đảng", ("Các cấp ủy, tổ chức đảng, cán bộ, đảng viên",), group=True),
    # National Assembly bodies (3260-KH/ĐĐQH15).
    Agency("Ủy ban Thường vụ Quốc hội", ("UBTVQH",)),
    Agency("Quốc hội", ()),
    Agency("Văn phòng Quốc hội", ("VPQH",)),
    Agency("Hội đồng Dân tộc", ("Thường trực Hội đồng Dân tộc", "Tổ đảng ở Thường trực Hội đồng Dân tộc")),
    Agency(
        "Ủy ban Khoa học, Công nghệ và Môi trường",
        (
            "Ủy ban KH,CN&MT",
            "Thường trực Ủy ban KH,CN&MT",
            "Tổ đảng ở Thường trực Ủy ban KH,CN&MT",
            "Thường trực Ủy ban KH,CN&MT của Quốc hội",
        ),
    ),
    Agency("Ủy ban Pháp luật", ("Tổ đảng ở Thường trực Ủy ban Pháp luật",)),
    Agency("Ủy ban Tư pháp", ("Tổ đảng ở Thường trực Ủy ban Tư pháp",)),
    Agency("Ủy ban Kinh tế", ("Tổ đảng ở Thường trực Ủy ban Kinh tế",)),
    Agency("Ủy ban Tài chính, Ngân sách", ("Tổ đảng ở Thường trực Ủy ban Tài chính, Ngân sách",)),
    Agency("Ủy ban Quốc phòng và An ninh", ("Tổ đảng ở Thường trực Ủy ban Quốc phòng và An ninh",)),
    Agency("Ủy ban Văn hóa, Giáo dục", ("Tổ đảng ở Thường trực Ủy ban Văn hóa, Giáo dục",)),
    Agency("Ủy ban Xã hội", ("Tổ đảng ở Thường trực Ủy ban Xã hội",)),
    Agency("Ủy ban Đối ngoại", ("Tổ đảng ở Thường trực Ủy ban Đối ngoại",)),
    Agency("Đảng ủy cơ quan Văn phòng Quốc hội", ()),
    Agency("Ban Dân nguyện", ("Lãnh đạo Ban Dân nguyện",)),
    Agency("Ban Công tác đại biểu", ("Lãnh đạo Ban Công tác đại biểu",)),
    Agency("Các Đoàn đại biểu Quốc hội", ("các Đoàn ĐBQH",), group=True),
    Agency("Các thành viên Đảng đoàn Quốc hội", (), group=True),
    Agency(
        "Các Ủy ban của Quốc hội",
        (
            "các Ủy ban của QH",
            "Thường trực các Ủy ban của Quốc hội",
            "Tổ đảng ở Thường trực các Ủy ban của Quốc hội",
        ),
        group=True,
    ),
    Agency(
        "Các cơ quan thuộc UBTVQH",
        ("các cơ quan thuộc Ủy ban Thường vụ Quốc hội", "các cơ quan thuộc Ủy ban UBTVQH"),
        group=True,
    ),
    Agency("Các cơ quan của Quốc hội", (), group=True),
    Agency("Đoàn đại biểu Quốc hội", ("Đoàn ĐBQH",)),
    Agency("Các đại biểu Quốc hội", ("đại biểu Quốc hội",), group=True),
    # Collective subjects, kept as groups. Longest aliases are matched first.
    Agency(
        _GROUP_ALL,
        (
            "Bộ, ngành, địa phương",
            "các bộ, ngành và địa phương",
            "các bộ, ngành, cơ quan và địa phương",
            "các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ, Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương",  # noqa: E501
            "Bộ trưởng, Thủ trưởng cơ quan ngang bộ, cơ quan thuộc Chính phủ, Chủ tịch Ủy ban nhân dân các tỉnh, "  # noqa: E501
            "thành phố trực thuộc Trung ương",
            "các Bộ, cơ quan ngang Bộ, cơ quan thuộc Chính phủ, Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương",  # noqa: E501
            "các bộ, ngành, địa phương là chủ quản CSDLQG, CSDL chuyên ngành",
            "các bộ, ngành, địa phương liên quan",
            "các bộ, ngành, địa phương",
        ),
        group=True,
    ),
    Agency(
        _GROUP_MIN,
        (
            "các bộ, ngành có liên quan",
            "bộ, ngành liên quan",
            "các bộ, ngành liên quan",
            "các bộ, cơ quan liên quan",
            "các bộ, ngành, cơ quan liên quan",
            "các bộ, cơ quan",
            "các bộ, ngành",
        ),
        group=True,
    ),
    Agency(
        _GROUP_LOCAL,
        (
            "các địa phương",
            "địa phương được lựa chọn",
            "các tỉnh, thành phố trực thuộc TW",
            "các tỉnh, thành phố trực thuộc Trung ương",
            "Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương",
            "các thành phố trực thuộc Trung ương và một số tỉnh đủ điều kiện",
            "địa phương",
            "các cấp ủy, chính quyền địa phương",
        ),
        group=True,
    ),
    Agency(
        "Các cơ quan liên quan",
        ("các cơ quan liên quan", "các cơ quan, tổ chức liên quan", "các cơ quan, tổ chức hữu quan"),
        group=True,
    ),
    Agency(
        "Doanh nghiệp",
        ("Tập đoàn, doanh nghiệp công nghệ số", "doanh nghiệp liên quan", "các doanh nghiệp"),
        group=True,
    ),
)

_BY_NAME = {a.name: a for a in AGENCIES}


def is_group(name: str) -> bool:
    a = _BY_NAME.get(name)
    return bool(a and a.group)


def _pattern_of(alias: str) -> str:
    # Folded, whitespace- and punctuation-tolerant; word boundaries on both sides.
    f = fold(alias)
    parts = [re.escape(p) for p in re.split(r"\s+", f) if p]
    body = r"\s*".join(p.replace(r"\,", r"\s*,").replace(r"\&", r"\s*&\s*") for p in parts)
    body = body.replace(r"\ ", r"\s+")
    return rf"(?<![\w&]){body}(?![\w&])"


@lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern[str], list[str]]:
    entries: list[tuple[str, str]] = []
    for a in AGENCIES:
        for alias in (a.name, *a.aliases):
            entries.append((alias, a.name))
    entries.sort(key=lambda e: -len(e[0]))
    names = [name for _, name in entries]
    rx = re.compile("|".join(f"(?P<a{i}>{_pattern_of(alias)})" for i, (alias, _) in enumerate(entries)))
    return rx, names


# An unknown ministry-level name: "Bộ X", "Ban X Trung ương", "Ủy ban X" … up to a separator.
_GENERIC = re.compile(
    r"(?<!\w)(?:Bộ|Ban|Ủy ban|Uỷ ban|Văn phòng|Viện|Tổng cục|Cục|Sở|Ủy ban nhân dân|Đảng ủy|Đảng đoàn|Tổ đảng)"  # noqa: E501
    r"\s+[A-ZĐÀ-Ỹ][^,;:.()]{1,60}"
)


@dataclass(frozen=True, slots=True)
class Mention:
    name: str  # canonical
    start: int
    end: int
    known: bool = True


def find_agencies(text: str) -> list[Mention]:
    """Every agency named in ``text``, in order, canonical; unknown ``Bộ X``-like names kept as written."""
    if not text:
        return []
    rx, names = _matcher()
    folded = fold(text)
    if len(folded) != len(text):  # fold keeps length for NFC Vietnamese; be safe otherwise
        folded = fold(text)
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for m in rx.finditer(folded):
        idx = int(m.lastgroup[1:]) if m.lastgroup else 0
        out.append(Mention(names[idx], m.start(), m.end()))
        taken.append((m.start(), m.end()))
    for m in _GENERIC.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        name = re.split(
            r"\s+(?:chủ trì|phối hợp|có trách nhiệm|chịu trách nhiệm|lãnh đạo|giúp|theo dõi|tổ chức|"
            r"xây dựng|thực hiện|hướng dẫn|và các|và)\b",
            m.group(0),
        )[0].strip()
        out.append(Mention(name, m.start(), m.start() + len(name), known=False))
    out.sort(key=lambda x: x.start)
    return out


def agencies_in(text: str | None) -> list[str]:
    """Canonical agency names in a cell or clause, deduplicated, in order.

    Parts of a cell that name no known agency (``các cơ quan đại diện Việt Nam ở nước ngoài``)
    are kept as written rather than lost.
    """
    if not text or text.strip().startswith("[Không có"):
        return []
    mentions = find_agencies(text)
    found: list[tuple[int, str]] = [(m.start, m.name) for m in mentions]
    rest = list(text)
    for m in mentions:
        rest[m.start : m.end] = [" "] * (m.end - m.start)
    pos = 0
    for chunk in re.split(r"([;,]|\s+và\s+)", "".join(rest)):
        start = pos
        pos += len(chunk)
        c = chunk.strip(" .;,")
        if len(c) > 3 and re.search(r"\w{2,}", c) and not re.fullmatch(r"(?i)và|các|(?:có )?liên quan", c):
            found.append((start + len(chunk) - len(chunk.lstrip()), c[0].upper() + c[1:]))
    seen: list[str] = []
    for _, name in sorted(found):
        if name not in seen:
            seen.append(name)
    return seen
