"""EdgeStore specifics: survives a restart, takes incremental updates, guards its folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from index_fixtures import DOCS, N_POINTS, doc_of, make_point, segment_id

from index.edge_store import SPEC_FILE, EdgeStore, IndexBusy
from index.embed import FakeEmbedder
from index.sparse import query_sparse_pair
from index.store import IndexPoint, IndexSpec, IndexSpecMismatch, SearchFilters


def _top(store: EdgeStore, embedder: FakeEmbedder, text: str, filters: SearchFilters | None = None) -> str:
    sp, spf = query_sparse_pair(text)
    hits = store.query(embedder.encode_queries([text])[0], sp, spf, filters, limit=3, prefetch_limit=20)
    return hits[0].payload["segment_id"]


def _built(path: Path, spec: IndexSpec, points: list[IndexPoint]) -> None:
    store = EdgeStore(path)
    store.ensure_collection(spec)
    store.upsert(points)
    store.close()  # optimises (HNSW) and flushes


def test_survives_restart_and_incremental_update(
    tmp_path: Path, embedder: FakeEmbedder, spec: IndexSpec, points: list[IndexPoint]
) -> None:
    path = tmp_path / "index"
    _built(path, spec, points)

    reopened = EdgeStore(path)
    # Queries work on a reopened shard without ensure_collection (the read path).
    assert reopened.count() == N_POINTS
    assert reopened.stored_spec() == spec
    assert _top(reopened, embedder, "trung tâm dữ liệu quốc gia") == segment_id("03/NQ-CP", 1)
    assert _top(reopened, embedder, "phổ cập giáo dục", SearchFilters(kind=["resolution"])) == segment_id(
        "71-NQ/TW", 0
    )

    # Incremental update after the reopen: replace one document's text, drop another.
    reopened.ensure_collection(spec)
    reopened.delete_doc("57-NQ/TW")
    reopened.upsert(
        [make_point(embedder, doc_of("03/NQ-CP"), 1, text="Xây dựng mạng 5G phủ sóng toàn quốc.")]
    )
    reopened.close()

    again = EdgeStore(path)
    assert again.count() == N_POINTS - len(doc_of("57-NQ/TW").texts)
    assert again.doc_ids() == {d.id for d in DOCS} - {"57-NQ/TW"}
    assert _top(again, embedder, "mạng 5G phủ sóng") == segment_id("03/NQ-CP", 1)
    again.close()


def test_second_open_is_refused_while_in_use(
    tmp_path: Path, spec: IndexSpec, points: list[IndexPoint]
) -> None:
    first = EdgeStore(tmp_path / "index")
    first.ensure_collection(spec)
    first.upsert(points[:2])
    second = EdgeStore(tmp_path / "index")
    with pytest.raises(IndexBusy, match="another nqdoc process"):
        second.count()
    with pytest.raises(IndexBusy):
        second.reset(spec)  # never deletes a shard that is in use
    first.close()
    assert second.count() == 2
    second.close()


def test_shard_without_spec_is_refused(tmp_path: Path, spec: IndexSpec, points: list[IndexPoint]) -> None:
    store = EdgeStore(tmp_path / "index")
    store.ensure_collection(spec)
    store.upsert(points[:1])
    store.close()
    (tmp_path / "index" / SPEC_FILE).unlink()
    with pytest.raises(IndexSpecMismatch, match="unknown configuration"):
        EdgeStore(tmp_path / "index").ensure_collection(spec)


def test_spec_file_records_the_spec(tmp_path: Path, spec: IndexSpec) -> None:
    store = EdgeStore(tmp_path / "index")
    store.ensure_collection(spec)
    store.close()
    data = json.loads((tmp_path / "index" / SPEC_FILE).read_text(encoding="utf-8"))
    assert data["spec_hash"] == spec.spec_hash and data["model_id"] == spec.model_id


def test_one_engine_thread_per_query_gives_the_same_results(
    tmp_path: Path, embedder: FakeEmbedder, spec: IndexSpec, points: list[IndexPoint]
) -> None:
    # The service opens the shard with one engine thread per query (queries run side by side).
    path = tmp_path / "index"
    _built(path, spec, points)
    texts = ["trung tâm dữ liệu quốc gia", "phổ cập giáo dục", "nhân lực y tế"]
    several = EdgeStore(path)
    default = [_top(several, embedder, t) for t in texts]
    several.close()
    single = EdgeStore(path, search_threads=1)
    assert single.search_threads == 1
    assert [_top(single, embedder, t) for t in texts] == default
    single.close()
