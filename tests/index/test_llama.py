"""The llama-index adapter: provisions come back as nodes with citation metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
from llama_index.core.retrievers import BaseRetriever

from index.llama import NqdocRetriever
from index.retrieve import Retriever
from index.store import SearchFilters
from index.sync import sync_index
from ingest.pipeline import ingest_paths
from ingest.settings import Settings

# SYNTHETIC documents written for this test.
RESOLUTION = """NGHỊ QUYẾT
Số 90-NQ/TEST
Hà Nội, ngày 01 tháng 9 năm 2025
I. MỤC TIÊU
1. Đến năm 2030, mỗi xã có ít nhất một trạm y tế đạt chuẩn quốc gia.
2. Phổ cập giáo dục mầm non cho trẻ em từ 3 đến 5 tuổi.
"""


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    s = Settings(home=tmp_path / "home", embed_model="fake")
    src = tmp_path / "nq90.md"
    src.write_text(RESOLUTION, encoding="utf-8")
    assert not ingest_paths([str(src)], s).failed
    sync_index(s, progress=False)
    return s


def test_nodes_carry_provision_text_and_citation(settings: Settings) -> None:
    retriever = Retriever(settings)
    try:
        adapter = NqdocRetriever(retriever, top_k=2)
        assert isinstance(adapter, BaseRetriever)
        nodes = adapter.retrieve("trạm y tế đạt chuẩn quốc gia")
        assert nodes, "no node returned"
        top = nodes[0]
        prov = retriever.store.get_provision(top.node.node_id)
        assert prov is not None and top.node.get_content() == prov.text  # verbatim from the store
        assert "trạm y tế" in top.node.metadata["quote"]
        assert top.node.metadata["doc_number"] == "90-NQ/TEST"
        assert top.score is not None and top.score > 0
        # Citation fields stay out of what an LLM reads; the heading path stays in.
        llm_text = top.node.get_content(metadata_mode="llm")
        assert "provision_id" not in llm_text and "heading_path" in llm_text
        filtered = NqdocRetriever(retriever, filters=SearchFilters(kind=["plan"])).retrieve("trạm y tế")
        assert filtered == []
    finally:
        retriever.close()
