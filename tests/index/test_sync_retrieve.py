"""Store of record → index → retriever, with the FakeEmbedder test double (no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

import index.embed
from index.embed import FakeEmbedder
from index.retrieve import Retriever
from index.store import IndexSpecMismatch, SearchFilters
from index.sync import sync_index
from ingest.pipeline import ingest_paths
from ingest.settings import Settings

# SYNTHETIC plan written for this test, in the style of a ministry plan.
PLAN = """KẾ HOẠCH
Số 12-KH/TEST
Hà Nội, ngày 05 tháng 3 năm 2025
Thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị
I. MỤC ĐÍCH, YÊU CẦU
1. Quán triệt đầy đủ nội dung Nghị quyết số 57-NQ/TW.
2. Bảo đảm tiến độ và chất lượng.
II. NHIỆM VỤ
1. Bộ Y tế chủ trì xây dựng đề án bệnh viện thông minh, hoàn thành trong quý IV/2025.
2. Xây dựng trung tâm dữ liệu y tế quốc gia.
"""


@pytest.fixture()
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setattr(index.embed, "load_embedder", lambda s: FakeEmbedder(dim=64))
    settings = Settings(home=tmp_path / "home")
    src = tmp_path / "plan.md"
    src.write_text(PLAN, encoding="utf-8")
    report = ingest_paths([str(src)], settings)
    assert not report.failed
    return settings


def test_sync_then_search(settings: Settings) -> None:
    first = sync_index(settings, progress=False)
    assert first["added"] == 1 and first["segments"] > 0
    assert sync_index(settings, progress=False)["segments"] == 0  # unchanged: nothing to do

    retriever = Retriever(settings, embedder=FakeEmbedder(dim=64))
    try:
        hits = retriever.search("trung tâm dữ liệu y tế quốc gia", top_k=3)
        assert hits and "trung tâm dữ liệu y tế" in hits[0].quote
        assert hits[0].doc_number == "12-KH/TEST" and hits[0].provision_id.startswith("12-KH/TEST:")
        # Typed without accents: found through the folded sparse vector.
        assert "bệnh viện thông minh" in retriever.search("benh vien thong minh", top_k=1)[0].quote
        assert retriever.search("bệnh viện", filters=SearchFilters(kind=["resolution"])) == []
    finally:
        retriever.close()


def test_changed_settings_are_refused_until_rebuild(settings: Settings) -> None:
    sync_index(settings, progress=False)
    with pytest.raises(IndexSpecMismatch, match="--rebuild"):
        Retriever(settings, embedder=FakeEmbedder(dim=32))  # another model: another vector space
    changed = settings.model_copy(update={"segment_max_tokens": 256})
    with pytest.raises(IndexSpecMismatch):
        sync_index(changed, progress=False)
    assert sync_index(changed, progress=False, rebuild=True)["added"] == 1
    Retriever(changed, embedder=FakeEmbedder(dim=64)).close()
