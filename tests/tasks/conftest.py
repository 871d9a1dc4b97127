"""Fixtures for the tasks tests: the shared corpus ingested once per session (no index)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.settings import Settings


@pytest.fixture(scope="session")
def corpus_home(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ingest.pipeline import ingest_paths

    home = tmp_path_factory.mktemp("tasks-corpus") / "home"
    report = ingest_paths([str(corpus)], Settings(home=home, embed_model="fake"))
    assert not [f for f in report.files if f.status == "failed"]
    return home


@pytest.fixture()
def corpus_settings(corpus_home: Path, tmp_path: Path) -> Settings:
    """A private copy of the ingested home (tests may extract into it or change it)."""
    home = tmp_path / "home"
    shutil.copytree(corpus_home, home)
    return Settings(home=home, embed_model="fake")
