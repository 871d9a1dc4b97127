"""Fixtures for the index tests: FakeEmbedder, a spec, SYNTHETIC points, both store backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from index_fixtures import all_points

from index.embed import FakeEmbedder
from index.store import IndexPoint, IndexSpec, VectorStore


@pytest.fixture(scope="session")
def embedder() -> FakeEmbedder:
    return FakeEmbedder(dim=64)


@pytest.fixture(scope="session")
def spec(embedder: FakeEmbedder) -> IndexSpec:
    return IndexSpec(model_id=embedder.model_id, dim=embedder.dim, max_tokens=480)


@pytest.fixture(scope="session")
def points(embedder: FakeEmbedder) -> list[IndexPoint]:
    return all_points(embedder)


@pytest.fixture(params=["edge", "client"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[VectorStore]:
    """An empty store of each backend: EdgeStore in tmp_path, ClientStore on ":memory:"."""
    if request.param == "edge":
        from index.edge_store import EdgeStore

        s: VectorStore = EdgeStore(tmp_path / "index")
    else:
        from qdrant_client import QdrantClient

        from index.client_store import ClientStore

        s = ClientStore(QdrantClient(":memory:"), "nqdoc_test")
    yield s
    s.close()


@pytest.fixture()
def filled(store: VectorStore, spec: IndexSpec, points: list[IndexPoint]) -> VectorStore:
    store.ensure_collection(spec)
    store.upsert(points)
    return store
