"""Settings: one place, derived paths, scratch homes that share the built models."""

from __future__ import annotations

from pathlib import Path

from ingest.settings import Settings


def test_paths_derive_from_home(tmp_path: Path) -> None:
    s = Settings(home=tmp_path / "h")
    assert (s.db_path, s.index_path, s.model_dir) == (
        tmp_path / "h" / "nqdoc.sqlite3",
        tmp_path / "h" / "index",
        tmp_path / "h" / "models",
    )


def test_scratch_home_keeps_the_parent_models(tmp_path: Path) -> None:
    base = Settings(home=tmp_path / "h", qdrant_url="http://qdrant.example:6333")
    scratch = base.scratch(tmp_path / "h" / "eval" / "x", qdrant_url="")
    assert scratch.home == tmp_path / "h" / "eval" / "x"
    assert scratch.db_path == scratch.home / "nqdoc.sqlite3"  # its own store and index ...
    assert scratch.model_dir == base.model_dir  # ... but the model is built once
    assert scratch.qdrant_url == "" and base.qdrant_url
    assert scratch.scratch(tmp_path / "y").model_dir == base.model_dir  # nested scratch too
