"""The gold sets refer to provisions that exist in the ingested shared corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.study import GOLD, load_gold
from ingest.pipeline import ingest_paths
from ingest.settings import Settings
from ingest.store import Store


@pytest.fixture(scope="module")
def store(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    settings = Settings(home=tmp_path_factory.mktemp("gold"))
    report = ingest_paths([str(corpus)], settings)
    assert not report.failed
    return Store(settings.db_path)


def test_study_gold_is_well_formed_and_grounded(store: Store) -> None:
    items = load_gold(GOLD)
    assert len(items) >= 60
    assert len({i["id"] for i in items}) == len(items)
    missing = []
    for item in items:
        assert item["question"].strip() and item["expected"]
        for pid in item["expected"]:
            prov = store.get_provision(pid)
            if prov is None or prov.gap:
                missing.append((item["id"], pid))
        if item.get("doc"):
            assert store.find_document(item["doc"]) is not None
    assert missing == []
    json.dumps(items, ensure_ascii=False)
