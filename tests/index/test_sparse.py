"""Sparse vectors: tokens, BM25 weights, accent-free and tone-variant matching."""

from __future__ import annotations

from pathlib import Path

import pytest
from index_fixtures import DOCS, segment_id

from index.edge_store import EdgeStore
from index.embed import FakeEmbedder
from index.sparse import (
    K1,
    bm25_vector,
    folded_terms,
    query_sparse_pair,
    query_words,
    sparse_pair,
    token_id,
)
from index.store import IndexPoint, IndexSpec, VectorStore


def test_token_id_is_stable_32_bit() -> None:
    # A frozen value: changing the hash silently would scramble every existing index.
    assert token_id("khoa_học") == 4015976545
    assert 0 <= token_id("57-nq/tw") < 2**32


def test_query_words_drop_punctuation_keep_numbers() -> None:
    words = query_words("Mục tiêu đến năm 2030, theo Nghị quyết 57-NQ/TW?")
    assert "mục_tiêu" in words and "nghị_quyết" in words
    assert "2030" in words and "57-nq/tw" in words
    assert not any(w in {",", "?", "/", "-"} for w in words)


def test_query_words_canonical_tones() -> None:
    assert query_words("hoà bình") == query_words("hòa bình")
    assert query_words("thuỷ lợi") == query_words("thủy lợi")


def test_folded_terms_add_syllables() -> None:
    assert folded_terms(["mục_tiêu", "2030"]) == ["muc_tieu", "muc", "tieu", "2030"]


def _weight(terms: list[str], doc_len: int) -> float:
    v = bm25_vector(terms, doc_len)
    assert len(v) == 1
    return v.values[0]


def test_bm25_weights_saturate_and_normalise_length() -> None:
    once, thrice = _weight(["a"], 40), _weight(["a", "a", "a"], 40)
    assert once < thrice < K1 + 1  # more occurrences help, but saturate below k1 + 1
    assert _weight(["a"], 10) > once > _weight(["a"], 200)  # a term counts more in a shorter passage
    assert once == pytest.approx((K1 + 1) / (1 + K1))  # average length: plain tf saturation


def test_vectors_have_unique_sorted_indices() -> None:
    sp, spf = sparse_pair("khoa_học khoa_học công_nghệ khoa học")
    for v in (sp, spf):
        assert list(v.indices) == sorted(set(v.indices))
        assert len(v.indices) == len(v.values)


def test_no_accent_query_meets_accented_text_through_fold() -> None:
    sp_doc, spf_doc = sparse_pair("mục_tiêu giáo_dục đến năm 2030")
    sp_q, spf_q = query_sparse_pair("muc tieu giao duc 2030")
    assert not set(sp_q.indices) & (
        set(sp_doc.indices) - {token_id("2030")}
    )  # accented: nothing but the year
    assert {token_id(t) for t in ("muc", "tieu", "giao", "duc", "2030")} <= set(spf_doc.indices) & set(
        spf_q.indices
    )


@pytest.fixture(params=["edge", "client"])
def sparse_store(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    embedder: FakeEmbedder,
    spec: IndexSpec,
    points: list[IndexPoint],
) -> VectorStore:
    if request.param == "edge":
        store: VectorStore = EdgeStore(tmp_path / "index")
    else:
        from qdrant_client import QdrantClient

        from index.client_store import ClientStore

        store = ClientStore(QdrantClient(":memory:"))
    store.ensure_collection(spec)
    store.upsert(points)
    return store


def _sparse_top(store: VectorStore, text: str, *, accented: bool) -> list[str]:
    sp, spf = query_sparse_pair(text)
    hits = store.query(
        None, sp if accented else None, None if accented else spf, None, limit=3, prefetch_limit=10
    )
    return [h.payload["segment_id"] for h in hits]


def test_store_no_accent_query_matches_via_sparse_fold(sparse_store: VectorStore) -> None:
    assert _sparse_top(sparse_store, "muc tieu giao duc 2030", accented=False)[0] == segment_id("71-NQ/TW", 0)
    assert _sparse_top(sparse_store, "trung tam du lieu quoc gia", accented=False)[0] == segment_id(
        "03/NQ-CP", 1
    )
    sparse_store.close()


@pytest.mark.parametrize("query", ["hoà bình", "hòa bình", "môi trường hoà bình ổn định"])
def test_store_tone_variants_match(sparse_store: VectorStore, query: str) -> None:
    # The synthetic text spells "hoà" (new style); both spellings must find it.
    assert "hoà bình" in DOCS[2].texts[1]
    assert _sparse_top(sparse_store, query, accented=True)[0] == segment_id("71-NQ/TW", 1)
    sparse_store.close()


@pytest.mark.parametrize("query", ["thủy lợi", "thuỷ lợi"])
def test_store_tone_variants_match_thuy(sparse_store: VectorStore, query: str) -> None:
    assert _sparse_top(sparse_store, query, accented=True)[0] == segment_id("3260-KH/ĐĐQH15", 0)
    sparse_store.close()
