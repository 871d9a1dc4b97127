"""Diacritic restoration of queries typed without accents (index.restore)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import index.embed
import index.restore as restore_mod
from index.embed import FakeEmbedder
from index.restore import (
    RestoreModel,
    Restorer,
    load_model,
    model_path,
    needs_restoration,
    pieces,
    store_key,
)
from ingest.normalize import fold
from ingest.settings import Settings
from ingest.store import Store

# SYNTHETIC corpus written for these tests: the folded forms are ambiguous ("ban" is *ban*,
# *bàn* or *bán*; "so" is *số* or *sở*; "hoc" only *học*), so only the context decides.
SYNTH = [
    "Ban chỉ đạo họp để bàn bạc kế hoạch chuyển đổi số.",
    "Hai bên bàn bạc về việc mua bán sách.",
    "Cửa hàng bán sách mới; cửa hàng bán sách cũ.",
    "Sở khoa học và công nghệ chủ trì, phối hợp với Ban chỉ đạo.",
    "Kinh tế số chiếm 30% GDP đến năm 2030 theo Nghị quyết 57-NQ/TW.",
    "Số liệu của Sở được báo cáo hằng năm.",
    "Học sinh học khoa học.",
]


@pytest.fixture(scope="module")
def synth() -> RestoreModel:
    return RestoreModel.from_texts(SYNTH)


@pytest.mark.parametrize(
    "accented",
    [
        "bàn bạc kế hoạch chuyển đổi số",
        "cửa hàng bán sách",
        "ban chỉ đạo",
        "sở khoa học và công nghệ",
        "số liệu của sở",
    ],
)
def test_synthetic_sentences_restored_from_context(synth: RestoreModel, accented: str) -> None:
    assert synth.restore(fold(accented)) == accented


def test_numbers_codes_unknown_syllables_and_case_kept(synth: RestoreModel) -> None:
    got = synth.restore("Kinh te so nam 2030 theo Nghi quyet 57-NQ/TW, xyzq GDP")
    assert got == "Kinh tế số năm 2030 theo Nghị quyết 57-NQ/TW, xyzq GDP"


def test_accented_query_untouched(synth: RestoreModel) -> None:
    # "ban" and "so" are valid as typed; a query written with diacritics is taken as written.
    for q in ("Ban chỉ đạo bàn về số liệu", "Sở khoa học và công nghệ", "hoà bình, thuỷ lợi"):
        assert not needs_restoration(q)
        assert synth.restore(q) == q


def test_partly_accented_query_keeps_typed_diacritics(synth: RestoreModel) -> None:
    # One syllable of four typed with diacritics: restored, the typed one kept and used as context.
    assert needs_restoration("Sở khoa hoc va cong nghe")
    assert synth.restore("Sở khoa hoc va cong nghe") == "Sở khoa học và công nghệ"


def test_punctuation_breaks_chains() -> None:
    chains = pieces("muc tieu, 57-NQ/TW giao duc")
    assert [[p.text for p in c] for c in chains] == [["muc", "tieu"], ["57-NQ/TW", "giao", "duc"]]
    assert chains[1][0].fixed and chains[1][0].lm == "<num>"


@dataclass
class _Seg:
    text: str


class SynthStore:
    """SYNTHETIC stand-in for ingest.store.Store: the two methods the restorer reads."""

    def __init__(self, texts: list[str], hashes: list[str]) -> None:
        self.texts, self.hashes = texts, hashes

    def sources(self) -> list[tuple[str, str]]:
        return [(f"/x/{h}.md", h) for h in self.hashes]

    def segments(self) -> list[_Seg]:
        return [_Seg(t) for t in self.texts]


def test_model_persisted_and_rebuilt_when_store_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(home=tmp_path / "home")
    store = SynthStore(SYNTH, ["h1", "h2"])
    first = load_model(settings, store, lexicon=False)  # type: ignore[arg-type]
    assert model_path(settings).is_file() and first.key == store_key(store, lexicon=False)  # type: ignore[arg-type]

    def no_build(*a: object, **k: object) -> RestoreModel:
        raise AssertionError("rebuilt although the store did not change")

    monkeypatch.setattr(restore_mod, "build_model", no_build)
    again = load_model(settings, store, lexicon=False)  # type: ignore[arg-type]
    assert again.restore("cua hang ban sach") == "cửa hàng bán sách"
    monkeypatch.undo()

    changed = SynthStore([*SYNTH, "Bàn giao nhà mới."], ["h1", "h3"])
    restorer = Restorer(settings, changed, lexicon=False)  # type: ignore[arg-type]
    assert restorer.model.key != first.key and restorer.model.unigrams["giao"] >= 1
    # A garbled file is rebuilt rather than trusted.
    model_path(settings).write_text("{not json", encoding="utf-8")
    assert load_model(settings, changed, lexicon=False).key == restorer.model.key  # type: ignore[arg-type]


# SYNTHETIC plan for the retriever test.
PLAN = """KẾ HOẠCH
Số 12-KH/TEST
Hà Nội, ngày 05 tháng 3 năm 2025
I. NHIỆM VỤ
1. Bộ Y tế chủ trì xây dựng đề án bệnh viện thông minh, hoàn thành trong quý IV/2025.
2. Xây dựng trung tâm dữ liệu y tế quốc gia.
"""


def test_retriever_searches_with_restored_query(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from index.retrieve import Retriever
    from index.sync import sync_index
    from ingest.pipeline import ingest_paths

    monkeypatch.setattr(index.embed, "load_embedder", lambda s: FakeEmbedder(dim=64))
    settings = Settings(home=tmp_path / "home")
    src = tmp_path / "plan.md"
    src.write_text(PLAN, encoding="utf-8")
    assert not ingest_paths([str(src)], settings).failed
    sync_index(settings, progress=False)
    retriever = Retriever(settings, embedder=FakeEmbedder(dim=64))
    try:
        assert retriever.restore_query("benh vien thong minh") == "bệnh viện thông minh"
        hits = retriever.search("benh vien thong minh", top_k=2)
        assert hits[0].query == "bệnh viện thông minh" and "bệnh viện thông minh" in hits[0].quote
        assert retriever.search("bệnh viện", top_k=1)[0].query == "bệnh viện"
        assert retriever.search("benh vien", top_k=1, restore=False)[0].query == "benh vien"
    finally:
        retriever.close()


@pytest.fixture(scope="module")
def corpus_store(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Store]:
    from ingest.pipeline import ingest_paths

    settings = Settings(home=tmp_path_factory.mktemp("restore") / "home")
    report = ingest_paths([str(corpus)], settings)
    assert not report.failed
    return settings, Store(settings.db_path)


def test_real_corpus_restores_education_goal(corpus_store: tuple[Settings, Store]) -> None:
    settings, store = corpus_store
    restorer = Restorer(settings, store)
    assert restorer.restore("muc tieu giao duc") == "mục tiêu giáo dục"
    assert restorer.restore("Muc tieu giao duc den nam 2035") == "Mục tiêu giáo dục đến năm 2035"
    assert restorer.restore("chuyen doi so quoc gia") == "chuyển đổi số quốc gia"
    accented = "Mục tiêu giáo dục đến năm 2035 là gì?"
    assert restorer.restore(accented) == accented
