"""Contract every vector-store backend must pass (EdgeStore and ClientStore alike).

Uses the FakeEmbedder test double and the SYNTHETIC documents of conftest.py.
"""

from __future__ import annotations

import pytest
from index_fixtures import DOCS, N_POINTS, doc_of, make_point, segment_id

from index.embed import FakeEmbedder
from index.sparse import query_sparse_pair
from index.store import (
    BadFilter,
    IndexSpec,
    IndexSpecMismatch,
    SearchFilters,
    VectorStore,
    filter_clauses,
    point_uuid,
)


def _top_segment(
    store: VectorStore,
    embedder: FakeEmbedder,
    text: str,
    *,
    dense: bool = True,
    sparse: bool = True,
    fold: bool = True,
    fusion: str = "rrf",
    filters: SearchFilters | None = None,
    limit: int = 5,
) -> list[str]:
    sp, spf = query_sparse_pair(text)
    hits = store.query(
        embedder.encode_queries([text])[0] if dense else None,
        sp if sparse else None,
        spf if fold else None,
        filters,
        limit=limit,
        prefetch_limit=20,
        fusion=fusion,  # type: ignore[arg-type]
    )
    return [h.payload["segment_id"] for h in hits]


def test_empty_before_build(store: VectorStore, embedder: FakeEmbedder) -> None:
    assert store.stored_spec() is None
    assert store.count() == 0
    assert store.doc_ids() == set()
    assert _top_segment(store, embedder, "khoa học") == []
    store.delete_doc("57-NQ/TW")  # nothing to delete is not an error


def test_create_upsert_count(filled: VectorStore, spec: IndexSpec) -> None:
    assert filled.stored_spec() == spec
    assert filled.count() == N_POINTS
    assert filled.doc_ids() == {d.id for d in DOCS}


def test_payload_round_trip(filled: VectorStore, embedder: FakeEmbedder) -> None:
    hits = filled.query(
        embedder.encode_queries(["trung tâm dữ liệu quốc gia"])[0],
        None,
        None,
        None,
        limit=1,
        prefetch_limit=10,
    )
    p = hits[0].payload
    assert p["segment_id"] == segment_id("03/NQ-CP", 1)
    assert hits[0].id == point_uuid(p["segment_id"])
    assert p["doc_number"] == "03/NQ-CP" and p["kind"] == "gov_resolution" and p["issuer"] == "Chính phủ"
    assert p["date"] == "2025-01-09" and p["resolutions"] == ["57-NQ/TW"]
    assert p["heading_path"] == ["03/NQ-CP", "2"] and p["page"] == 1
    assert p["text"].startswith("Đầu tư xây dựng trung tâm dữ liệu")


def test_query_reads_only_the_fields_asked_for(filled: VectorStore, embedder: FakeEmbedder) -> None:
    vec = embedder.encode_queries(["trung tâm dữ liệu quốc gia"])[0]
    p = filled.query(vec, None, None, None, limit=1, prefetch_limit=10,
                     fields=["segment_id", "doc_number"])[0].payload
    assert p["segment_id"] == segment_id("03/NQ-CP", 1) and p["doc_number"] == "03/NQ-CP"
    assert p["text"] == "" and p["heading_path"] == [] and p["kind"] == ""


@pytest.mark.parametrize(
    ("mode", "kwargs"),
    [
        ("dense-only", {"sparse": False, "fold": False}),
        ("sparse-only", {"dense": False, "fold": False}),
        ("fold-only", {"dense": False, "sparse": False}),
        ("fused-rrf", {}),
        ("fused-dbsf", {"fusion": "dbsf"}),
    ],
)
def test_obvious_match_first(
    filled: VectorStore, embedder: FakeEmbedder, mode: str, kwargs: dict[str, object]
) -> None:
    cases = {
        "trung tâm dữ liệu quốc gia": segment_id("03/NQ-CP", 1),
        "phổ cập giáo dục mầm non": segment_id("71-NQ/TW", 0),
        "chính sách thuế doanh nghiệp khởi nghiệp": segment_id("3260-KH/ĐĐQH15", 1),
    }
    for query, expected in cases.items():
        assert _top_segment(filled, embedder, query, **kwargs)[0] == expected, (mode, query)  # type: ignore[arg-type]


def test_single_source_returns_raw_scores(filled: VectorStore, embedder: FakeEmbedder) -> None:
    text = doc_of("71-NQ/TW").texts[0]
    hits = filled.query(embedder.encode_queries([text])[0], None, None, None, limit=3, prefetch_limit=10)
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)  # cosine of a text with itself
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


FILTER_CASES: list[tuple[SearchFilters, set[str]]] = [
    (SearchFilters(doc=["03/NQ-CP"]), {"03/NQ-CP"}),
    (SearchFilters(doc=["3260-kh/đđqh15"]), {"3260-KH/ĐĐQH15"}),  # typed in lower case
    (SearchFilters(doc=["57-NQ/TW", "71-NQ/TW"]), {"57-NQ/TW", "71-NQ/TW"}),
    (SearchFilters(kind=["resolution"]), {"57-NQ/TW", "71-NQ/TW"}),
    (SearchFilters(kind=["plan", "gov_resolution"]), {"3260-KH/ĐĐQH15", "03/NQ-CP"}),
    (SearchFilters(resolution=["57-NQ/TW"]), {"57-NQ/TW", "03/NQ-CP", "3260-KH/ĐĐQH15"}),
    (SearchFilters(resolution=["71-nq/tw"]), {"71-NQ/TW"}),
    (SearchFilters(issuer="Bộ Chính trị"), {"57-NQ/TW", "71-NQ/TW"}),
    (SearchFilters(date_from="2025-01-09"), {"03/NQ-CP", "71-NQ/TW", "3260-KH/ĐĐQH15"}),
    (SearchFilters(date_to="2025-01-09"), {"57-NQ/TW", "03/NQ-CP"}),
    (SearchFilters(date_from="2025-02", date_to="2025-03"), {"3260-KH/ĐĐQH15"}),
    (SearchFilters(date_from="2024", date_to="2024"), {"57-NQ/TW"}),
    (
        SearchFilters(resolution=["57-NQ/TW"], kind=["resolution", "plan"], date_from="2025-01-01"),
        {"3260-KH/ĐĐQH15"},
    ),
    (SearchFilters(doc=["71-NQ/TW"], issuer="Chính phủ"), set()),
    (SearchFilters(), {d.id for d in DOCS}),
]


@pytest.mark.parametrize(("filters", "expected_docs"), FILTER_CASES)
def test_filters(
    filled: VectorStore, embedder: FakeEmbedder, filters: SearchFilters, expected_docs: set[str]
) -> None:
    expected_count = sum(len(doc_of(d).texts) for d in expected_docs)
    assert filled.count(filters) == expected_count
    # A query that matches every document well: all results must satisfy the filter.
    text = "khoa học giáo dục luật năm 2030 2025 phát triển"
    for kwargs in ({}, {"sparse": False, "fold": False}, {"dense": False}):
        got = _top_segment(filled, embedder, text, filters=filters, limit=50, **kwargs)  # type: ignore[arg-type]
        docs = {s.split(":")[0] for s in got}
        assert docs <= expected_docs, kwargs
        if kwargs == {"sparse": False, "fold": False}:  # dense reaches every point
            assert len(got) == expected_count


def test_bad_date_filter(filled: VectorStore) -> None:
    with pytest.raises(BadFilter):
        filled.count(SearchFilters(date_from="22/12/2024"))
    with pytest.raises(BadFilter):
        filled.count(SearchFilters(date_to="2024-02-30"))


def test_delete_doc_removes_only_that_doc(filled: VectorStore, embedder: FakeEmbedder) -> None:
    filled.delete_doc("03/NQ-CP")
    assert filled.count() == N_POINTS - 2
    assert filled.doc_ids() == {d.id for d in DOCS} - {"03/NQ-CP"}
    assert filled.count(SearchFilters(doc=["03/NQ-CP"])) == 0
    assert segment_id("03/NQ-CP", 1) not in _top_segment(
        filled, embedder, "trung tâm dữ liệu quốc gia", limit=50
    )
    assert filled.count(SearchFilters(resolution=["57-NQ/TW"])) == 3 + 2


def test_reupsert_replaces(filled: VectorStore, embedder: FakeEmbedder) -> None:
    doc = doc_of("71-NQ/TW")
    changed = make_point(embedder, doc, 0, text="Mục tiêu giáo dục đến năm 2035: phổ cập giáo dục trung học.")
    filled.upsert([changed])
    filled.upsert([changed])  # twice: still one point
    assert filled.count() == N_POINTS
    assert filled.count(SearchFilters(doc=["71-NQ/TW"])) == 2
    hits = filled.query(
        None, *query_sparse_pair("phổ cập giáo dục trung học"), None, limit=1, prefetch_limit=10
    )
    assert hits[0].payload["text"].startswith("Mục tiêu giáo dục đến năm 2035")


def test_spec_mismatch_refused(filled: VectorStore, spec: IndexSpec) -> None:
    for other in (
        IndexSpec(model_id="another-model", dim=spec.dim, max_tokens=spec.max_tokens),
        IndexSpec(model_id=spec.model_id, dim=spec.dim, max_tokens=256),
        IndexSpec(model_id=spec.model_id, dim=spec.dim, sparse="bm25-syllables", max_tokens=spec.max_tokens),
    ):
        with pytest.raises(IndexSpecMismatch, match="nqdoc index --rebuild"):
            filled.ensure_collection(other)
    filled.ensure_collection(spec)  # the same spec is fine, and keeps the data
    assert filled.count() == N_POINTS


def test_reset_rebuilds_with_new_spec(filled: VectorStore, spec: IndexSpec, embedder: FakeEmbedder) -> None:
    new = IndexSpec(model_id="fake-other", dim=32, max_tokens=spec.max_tokens)
    filled.reset(new)
    assert filled.count() == 0
    assert filled.stored_spec() == new
    other = FakeEmbedder(dim=32)
    filled.upsert([make_point(other, DOCS[0], 0)])
    assert filled.count() == 1


def test_spec_hash() -> None:
    a = IndexSpec(model_id="m", dim=384, sparse="s", max_tokens=480, schema=1)
    assert IndexSpec.from_dict(a.to_dict()) == a
    assert (
        len(
            {
                a.spec_hash,
                IndexSpec("m", 384, "s", 481, 1).spec_hash,
                IndexSpec("m2", 384, "s", 480, 1).spec_hash,
                IndexSpec("m", 384, "s", 480, 2).spec_hash,
            }
        )
        == 4
    )


def test_blank_filter_values_are_ignored() -> None:
    assert filter_clauses(SearchFilters(doc=[" "], kind=[""], resolution=[], issuer=" ")) == []
    assert filter_clauses(None) == []
    assert SearchFilters().is_empty() and not SearchFilters(kind=["plan"]).is_empty()
