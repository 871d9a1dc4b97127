"""Fixtures for link tests: the shared corpus ingested once (no vector index) and linked with the
fake embedder (hashed bag of words — plumbing, not semantics)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.settings import Settings


@pytest.fixture(scope="session")
def linked_home(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from index.links.tracking import import_tracker
    from index.links.update import Linker
    from ingest.pipeline import ingest_paths

    home = tmp_path_factory.mktemp("links") / "home"
    s = Settings(home=home, embed_model="fake")
    rep = ingest_paths([str(corpus)], s)
    assert not rep.failed
    linker = Linker(s)
    import_tracker(linker.links, corpus.parent / "tracking" / "provincial-tasks.jsonl")
    linker.update()
    linker.store.close()
    return s


@pytest.fixture()
def linked_copy(linked_home: Settings, tmp_path: Path) -> Settings:
    """A private copy of the linked home, for tests that change documents."""
    dst = tmp_path / "home"
    shutil.copytree(linked_home.home, dst)
    return Settings(home=dst, embed_model="fake")
