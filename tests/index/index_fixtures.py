"""Helpers for the index tests: synthetic documents and points.

SYNTHETIC DATA: the documents below were written for these tests in the style of Party
and Government resolutions; their numbers, dates and issuers are plausible but the texts
are not quotations.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.embed import FakeEmbedder
from index.sparse import sparse_pair
from index.store import IndexPoint, PointPayload, point_uuid
from ingest.segment import words_of


@dataclass(frozen=True)
class SynthDoc:
    id: str
    kind: str
    issuer: str
    date: str
    resolutions: tuple[str, ...]
    texts: tuple[str, ...]


# SYNTHETIC — see the module docstring.
DOCS: tuple[SynthDoc, ...] = (
    SynthDoc(
        "57-NQ/TW",
        "resolution",
        "Bộ Chính trị",
        "2024-12-22",
        ("57-NQ/TW",),
        (
            "Đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia là "
            "yêu cầu khách quan.",
            "Đến năm 2030, tiềm lực, trình độ khoa học, công nghệ và đổi mới sáng tạo đạt mức tiên tiến "
            "trong nhiều lĩnh vực quan trọng.",
            "Kinh phí chi cho nghiên cứu phát triển đạt 2% GDP.",
        ),
    ),
    SynthDoc(
        "03/NQ-CP",
        "gov_resolution",
        "Chính phủ",
        "2025-01-09",
        ("57-NQ/TW",),
        (
            "Bộ Khoa học và Công nghệ chủ trì xây dựng Luật Khoa học, công nghệ và đổi mới sáng tạo.",
            "Đầu tư xây dựng trung tâm dữ liệu quốc gia và hạ tầng số hiện đại.",
        ),
    ),
    SynthDoc(
        "71-NQ/TW",
        "resolution",
        "Bộ Chính trị",
        "2025-08-22",
        ("71-NQ/TW",),
        (
            "Mục tiêu giáo dục đến năm 2030: hoàn thành phổ cập giáo dục mầm non cho trẻ em từ 3 đến 5 tuổi.",
            "Giữ vững môi trường hoà bình, ổn định để phát triển giáo dục và đào tạo.",
        ),
    ),
    SynthDoc(
        "3260-KH/ĐĐQH15",
        "plan",
        "Đảng đoàn Quốc hội",
        "2025-03-01",
        ("57-NQ/TW",),
        (
            "Rà soát, sửa đổi các luật về thuỷ lợi và tài nguyên nước trong năm 2025.",
            "Giám sát việc thực hiện chính sách thuế đối với doanh nghiệp khởi nghiệp sáng tạo.",
        ),
    ),
)


def doc_of(doc_id: str) -> SynthDoc:
    return next(d for d in DOCS if d.id == doc_id)


def segment_id(doc_id: str, i: int) -> str:
    return f"{doc_id}:{i + 1}#0"


def make_point(embedder: FakeEmbedder, doc: SynthDoc, i: int, text: str | None = None) -> IndexPoint:
    text = text if text is not None else doc.texts[i]
    sid = segment_id(doc.id, i)
    sp, spf = sparse_pair(words_of(text))
    payload = PointPayload(
        doc_id=doc.id,
        doc_number=doc.id,
        kind=doc.kind,
        issuer=doc.issuer,
        date=doc.date,
        resolutions=list(doc.resolutions),
        provision_id=f"{doc.id}:{i + 1}",
        heading_path=[doc.id, str(i + 1)],
        page=1,
        segment_id=sid,
        text=text,
    )
    return IndexPoint(point_uuid(sid), embedder.encode_passages([text])[0], sp, spf, payload)


def all_points(embedder: FakeEmbedder) -> list[IndexPoint]:
    return [make_point(embedder, d, i) for d in DOCS for i in range(len(d.texts))]


N_POINTS = sum(len(d.texts) for d in DOCS)
