"""Shared fixtures. Real documents come from ../shared (skipped with a message if absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NQDOC_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared() -> Path:
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"../shared is not beside the checkout ({SHARED}); real-document tests skipped")
    return SHARED


@pytest.fixture(scope="session")
def corpus(shared: Path) -> Path:
    return shared / "corpus"


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where tests write artefacts people may want to look at (screenshots, exports)."""
    out = ROOT / "test-output"
    out.mkdir(exist_ok=True)
    return out
