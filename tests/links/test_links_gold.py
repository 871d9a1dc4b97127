"""The link gold set is well-formed and points at provisions that exist."""

from __future__ import annotations

from collections import Counter

from eval.links_eval import load_gold, split_of
from ingest.settings import Settings
from ingest.store import Store


def test_gold_shape() -> None:
    gold = load_gold()
    pos = [g for g in gold if g["label"] == 1]
    neg = [g for g in gold if g["label"] == 0]
    assert len(pos) >= 120 and len(neg) >= len(pos)
    pairs = Counter((g["type"], g["source"], g["target"]) for g in gold)
    assert max(pairs.values()) == 1, "a pair is annotated twice"
    assert {g["type"] for g in gold} >= {"implements", "cites", "related", "reports_on"}
    assert {split_of(g["source"]) for g in gold} == {"tune", "report"}


def test_gold_ids_exist(linked_home: Settings) -> None:
    st = Store(linked_home.db_path)
    try:
        for g in load_gold():
            for x in (g["source"], g["target"]):
                if x.startswith(("ext:", "tracking:")):
                    continue
                assert st.get_provision(x) is not None or st.get_document(x) is not None, x
    finally:
        st.close()
