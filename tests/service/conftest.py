"""Fixtures for the API / web tests.

* ``corpus_settings`` — ../shared/corpus ingested once per session into a temporary home and
  indexed with the hashed bag-of-words ``fake`` embedder (fast; no model files), admin token
  ``test-token``. A pristine copy of that home is kept for tests that write (fuzzing).
* ``corpus_ctx`` — one ServiceContext on that home for the whole session: the embedded index
  is locked by the handle that opens it, so every app on this home shares the context.
* ``client`` — a FastAPI TestClient on it; ``live_url`` — the same app served by uvicorn in a
  thread on a free port (for the browser).
* ``fresh_settings`` / ``fresh_client`` — an empty home per test, for tests that change data.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from live_server import LiveServer

from ingest.settings import Settings
from service.context import ServiceContext

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def make_settings(home: Path, **kw: object) -> Settings:
    return Settings(home=home, embed_model="fake", admin_token=TOKEN, ocr=False, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def corpus_homes(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    from index.sync import sync_index
    from ingest.pipeline import ingest_paths

    base = tmp_path_factory.mktemp("service-corpus")
    settings = make_settings(base / "home")
    report = ingest_paths([str(corpus)], settings)
    assert report.count("added") >= 10, report.summary()
    sync_index(settings, progress=False)
    pristine = base / "pristine"
    shutil.copytree(settings.home, pristine)
    return settings, pristine


@pytest.fixture(scope="session")
def corpus_settings(corpus_homes: tuple[Settings, Path]) -> Settings:
    return corpus_homes[0]


@pytest.fixture(scope="session")
def corpus_ctx(corpus_settings: Settings) -> Iterator[ServiceContext]:
    ctx = ServiceContext(corpus_settings)
    yield ctx
    ctx.close()


@pytest.fixture(scope="session")
def client(corpus_ctx: ServiceContext) -> Iterator[TestClient]:
    from service.app import create_app

    with TestClient(create_app(ctx=corpus_ctx)) as c:
        yield c


@pytest.fixture()
def fresh_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "home")


@pytest.fixture()
def fresh_client(fresh_settings: Settings) -> Iterator[TestClient]:
    from service.app import create_app

    with TestClient(create_app(fresh_settings)) as c:
        yield c


@pytest.fixture(scope="session")
def live_url(corpus_ctx: ServiceContext) -> Iterator[str]:
    from service.app import create_app

    with LiveServer(create_app(ctx=corpus_ctx)) as srv:
        yield srv.url
