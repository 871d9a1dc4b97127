"""Linking the real corpus (fake embedder): cites, continues, implements, incremental updates, coverage."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from index.coverage import compute_coverage
from index.embed import FakeEmbedder
from index.links.db import LinkStore
from index.links.tracking import BadTracker, read_tracker
from index.links.update import Linker
from ingest.errors import NotFound
from ingest.settings import Settings
from ingest.store import Store


@pytest.fixture()
def links(linked_home: Settings):
    st = Store(linked_home.db_path)
    yield LinkStore(st)
    st.close()


def targets(ls: LinkStore, source: str, typ: str) -> set[str]:
    return {lk.target for lk in ls.links_of([source], [typ], direction="out")}


def test_cites_resolve_ingested_and_external(links: LinkStore) -> None:
    assert "57-NQ/TW" in targets(links, "03/NQ-CP:preamble.p9", "cites")
    t = targets(links, "03/NQ-CP:CT.II.4.a", "cites")
    assert "ext:45-NQ/TW" in t and "57-NQ/TW" not in t
    assert "03/NQ-CP" not in targets(links, "03/NQ-CP:preamble.p3", "cites")  # its own number
    # "Chương trình hành động của Chính phủ" in a report on 57-NQ/TW → the ingested programme
    assert "03/NQ-CP" in targets(links, "402-CV/VPĐU:PL1.4", "cites")
    lk = links.links_of(["72-NQ/TW:III.5.p2"], ["cites"], direction="out")[0]
    assert lk.target == "57-NQ/TW" and "57-NQ/TW" in lk.reason


def test_continues_is_explicit_for_kl69(links: LinkStore) -> None:
    (lk,) = links.links_of(["69-KL/TW"], ["continues"], direction="out")[:1]
    assert lk.target == "20-NQ/TW" and lk.score == 1.0 and "tiếp tục thực hiện" in lk.reason


def test_implements_follow_the_programme_structure(links: LinkStore) -> None:
    # Row 69 of appendix II (Trung tâm dữ liệu quốc gia) sits in group III = 57-NQ/TW item III.3.
    t = targets(links, "03/NQ-CP:PL2.69", "implements")
    assert t and all(x.startswith("57-NQ/TW:III.3") for x in t)
    every = links.links_between_docs(source_doc="03/NQ-CP", target_doc="57-NQ/TW", types=["implements"])
    assert all(0.0 <= lk.score <= 1.0 and lk.reason for lk in every)


def test_reasons_show_phrases_of_the_source_text() -> None:
    # SYNTHETIC sentences: overlapping syllable pairs come back as the phrase they form.
    from index.links.text import phrases, terms

    a = (
        "Tăng cường lãnh đạo, chỉ đạo bảo đảm an ninh năng lượng quốc gia, phát triển năng lượng tái tạo"
        ", tiết kiệm năng lượng"
    )
    b = "Bảo đảm vững chắc an ninh năng lượng quốc gia; phát triển năng lượng tái tạo"
    shared = terms(a) & terms(b)
    assert "lượng quốc" in shared  # a pair across two words, unreadable alone
    got = phrases(a, shared, lambda t: 1.0)
    assert got[0] == "an ninh năng lượng quốc gia" and "năng lượng tái tạo" in got
    assert "năng lượng" not in got  # part of a phrase already shown
    assert not any("lượng quốc" == x for x in got)
    assert phrases(a, set(), lambda t: 1.0) == []
    # A run the other text does not hold whole is cut where it does: both pieces are in both texts.
    a, b = "Xây dựng hạ tầng dữ liệu quốc gia", "Hạ tầng dữ liệu; cơ sở dữ liệu quốc gia"
    assert phrases(a, terms(a) & terms(b), lambda t: 1.0) == ["hạ tầng dữ liệu quốc gia"]
    got = phrases(a, terms(a) & terms(b), lambda t: 1.0, other=b)
    assert sorted(got) == ["dữ liệu quốc gia", "hạ tầng dữ liệu"]
    # A figure or a semicolon ends a phrase: the two texts do not share "2%" (the other says 20%).
    a = "đạt tối thiểu 2% tổng chi ngân sách; luật đấu thầu"
    b = "tối thiểu 20% tổng chi ngân sách, luật đấu thầu"
    got = phrases(a, terms(a) & terms(b), lambda t: 1.0, other=b)
    assert "tổng chi ngân sách" in got and not any(ch.isdigit() or ";" in x for x in got for ch in x)


def _words(text: str) -> str:
    """Words and figures in order, padded: "lãnh đạo, chỉ đạo" → " lãnh đạo chỉ đạo "."""
    return " " + " ".join(re.findall(r"\w+", text)) + " "


def test_every_shown_key_term_is_in_both_texts(links: LinkStore, linked_home: Settings) -> None:
    from index.links.text import task_text
    from ingest.normalize import index_form

    st = Store(linked_home.db_path)
    try:
        every = links.links_between_docs(source_doc="03/NQ-CP", target_doc="57-NQ/TW", types=["implements"])
        shown = [(lk, lk.evidence.get("shared_terms", [])) for lk in every]
        assert sum(bool(x) for _, x in shown) > len(every) // 2
        for lk, xs in shown[:60]:
            for pid in (lk.source, lk.target):  # the shown phrase, words in order, in both texts
                words = _words(index_form(task_text(st.get_provision(pid))))
                assert all(_words(x) in words for x in xs), (pid, xs)
            assert all(f"«{x}»" in lk.reason for x in xs)
    finally:
        st.close()


def test_tracker_rows_are_linkable(links: LinkStore) -> None:
    rows = links.tracked_tasks()
    assert len(rows) == 69 and all(r.id.startswith("tracking:") for r in rows)
    nq70 = [r for r in rows if r.resolution == "70-NQ/TW"]
    assert nq70
    out = links.links_between_docs(target_doc="70-NQ/TW", types=["implements"])
    from_tracker = [lk for lk in out if lk.source.startswith("tracking:")]
    assert all(lk.source in {r.id for r in nq70} for lk in from_tracker)
    assert {lk.source_doc for lk in from_tracker} <= {"tracking:provincial-tasks/70-NQ/TW"}


def test_update_is_incremental(linked_copy: Settings, corpus: Path, tmp_path: Path) -> None:
    from ingest.pipeline import ingest_paths

    linker = Linker(linked_copy)
    assert linker.update().computed == []  # nothing changed
    # Replace 282/NQ-CP by an edited copy (SYNTHETIC edit: one sentence appended).
    src = corpus / "resolutions" / "nq282-cp-2025.md"
    edited = tmp_path / "nq282-edited.md"
    edited.write_text(
        src.read_text(encoding="utf-8") + "\n- Tăng cường hợp tác quốc tế về y tế.\n", encoding="utf-8"
    )
    ingest_paths([str(edited)], linked_copy, replace=True)
    rep = linker.update()
    assert rep.computed, "the replaced document's pairs must be recomputed"
    touched = {p for p in rep.computed if p[2] != "cites"}
    assert all("282/NQ-CP" in (p[0], p[1]) for p in touched)
    assert not any(p[0] == "03/NQ-CP" for p in rep.computed)
    assert 0 < rep.embedded < 10  # the edited provisions only (passage, clause and query vectors)
    assert linker.update().computed == []
    # recomputing every pair embeds nothing: passage, clause and query vectors come from the cache
    again = linker.update(force=True)
    assert again.computed and again.embedded == 0


def test_coverage_lists_every_part_iii_item(links: LinkStore) -> None:
    cov = compute_coverage(links.store, links, "57-NQ/TW", "03/NQ-CP")
    items = [r.item_id for r in cov.rows if r.level == "item"]
    assert items == [f"57-NQ/TW:III.{i}" for i in range(1, 8)]
    s = cov.summary()
    assert s["items"] == 7 and set(s["items_without_tasks"]) == {
        r.item_id for r in cov.rows if r.level == "item" and not r.tasks
    }
    json.dumps(cov.as_dict(), ensure_ascii=False)
    with pytest.raises(NotFound):
        compute_coverage(links.store, links, "57-NQ/TW", "999/NQ-CP")


def test_coverage_of_a_resolution_by_a_province_tracker(links: LinkStore) -> None:
    """The tracker's rows naming 70-NQ/TW are the plan: each is under a provision it implements,
    or listed without a source, or listed as linked only outside the items; rows for other
    resolutions are not counted."""
    from index.coverage import compute_coverage

    cov = compute_coverage(links.store, links, "70-NQ/TW", "tracking:provincial-tasks")
    assert cov.by == "tracking:provincial-tasks/70-NQ/TW" and cov.rows
    # the corpus text of 70-NQ/TW lacks part III: said, and the rows are its other numbered items
    assert cov.summary()["task_part_in_text"] is False
    assert compute_coverage(links.store, links, "57-NQ/TW", "03/NQ-CP").task_part_in_text
    rows = {t.id for t in links.tracked_tasks() if t.resolution == "70-NQ/TW"}
    covered, orphans = {t.id for r in cov.rows for t in r.tasks}, {t.id for t in cov.orphans}
    assert covered and orphans and covered | orphans <= rows and not covered & orphans
    listed = {r.item_id for r in cov.rows}
    assert {e["task"] for e in cov.elsewhere} == rows - covered - orphans
    for e in cov.elsewhere:
        lks = links.links_of([e["task"]], ["implements"], direction="out")
        assert {p["id"] for p in e["provisions"]} == {lk.target for lk in lks} and not listed & {
            lk.target for lk in lks
        }
    assert cov.summary()["tasks_linked_outside_items"] == len(cov.elsewhere)
    assert all(t.fields and t.fields["Nhiệm vụ"] for t in cov.orphans)
    with pytest.raises(NotFound):
        compute_coverage(links.store, links, "70-NQ/TW", "tracking:no-such-tracker")


def test_bad_tracker_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"code": "1"}\n', encoding="utf-8")  # SYNTHETIC: no task
    with pytest.raises(BadTracker):
        read_tracker(bad)
    bad.write_text('{"code": "1", "task": "Nhiệm vụ thử"}\nnot json\n', encoding="utf-8")  # SYNTHETIC
    with pytest.raises(BadTracker, match="bad.jsonl:2: not JSON"):
        read_tracker(bad)
    with pytest.raises(BadTracker):
        read_tracker(tmp_path / "missing.jsonl")


def test_continues_needs_an_explicit_verb_or_the_same_sector(links: LinkStore) -> None:
    # 57-NQ/TW names neither 20-NQ/TW nor 69-KL/TW, but is a later /TW text on the same sector.
    lks = links.links_of(["57-NQ/TW"], ["continues"], direction="out")
    assert {lk.target for lk in lks} == {"20-NQ/TW", "69-KL/TW"}
    assert all(lk.score < 1.0 and "cùng lĩnh vực" in lk.reason for lk in lks)
    # 72-NQ/TW cites 57-NQ/TW (III.5.p2) without continuing it; other sectors continue nothing.
    for later in ("59-NQ/TW", "70-NQ/TW", "71-NQ/TW", "72-NQ/TW"):
        assert links.links_of([later], ["continues", "supersedes"], direction="out") == []


def test_related_links_name_a_shared_theme(links: LinkStore) -> None:
    rel = links.links_between_docs(source_doc="71-NQ/TW", target_doc="72-NQ/TW", types=["related"])
    assert rel and all(lk.evidence["themes"] and "chủ đề chung" in lk.reason for lk in rel)
    per_source: dict[str, int] = {}
    for lk in rel:
        per_source[lk.source] = per_source.get(lk.source, 0) + 1
    assert max(per_source.values()) <= 4  # mutual top-k: no fan-out to a whole chapter


def test_theme_rules() -> None:
    from index.links.themes import lead, themes_of

    # 72-NQ/TW III.3.p4 (corpus phrase)
    assert themes_of("Tăng cường hợp tác và hội nhập quốc tế về nghiên cứu, đào tạo nhân lực") >= {
        "hợp tác, hội nhập quốc tế",
        "nhân lực, nhân tài",
    }
    # the sector name of education is not the workforce theme
    assert "nhân lực, nhân tài" not in themes_of("đột phá phát triển giáo dục và đào tạo")
    assert lead("Thúc đẩy chuyển đổi số y tế. Hoàn thành cơ sở dữ liệu.") == "Thúc đẩy chuyển đổi số y tế."


def test_recomputing_citations_replaces_them(linked_copy: Settings) -> None:
    # Citations are computed per source document against "*" (any target) and stored with
    # their resolved target: recomputing must replace them, not add a second copy.
    linker = Linker(linked_copy)
    before = linker.links.count()
    assert before.get("cites", 0) > 0
    assert linker.update(force=True).computed
    assert linker.links.count() == before


class _QueryAwareFake(FakeEmbedder):
    """TEST DOUBLE: the fake embedder, but a query is embedded with its prompt, so query and
    passage vectors of one text differ (as with E5)."""

    def __init__(self) -> None:
        super().__init__(64)
        self.model_id = "fake-query-aware-64"

    def encode_queries(self, texts):  # type: ignore[no-untyped-def]
        return self._encode([f"query: {t}" for t in texts])


def test_tasks_are_embedded_as_queries_under_their_own_cache_key(linked_copy: Settings) -> None:
    from index.links.linker import linkable, text_hash
    from index.links.text import task_text

    linker = Linker(linked_copy, embedder=_QueryAwareFake())
    first = linker.update(force=True)
    tasks = linkable(linker.store.get_document("03/NQ-CP"))
    hashes = {p.id: text_hash(task_text(p)) for p in tasks}
    queries = linker.links.vectors("fake-query-aware-64#query/", hashes)
    passages = linker.links.vectors("fake-query-aware-64", hashes)
    assert set(queries) == set(passages) == set(hashes)  # every task, in both spaces
    assert all(not np.allclose(queries[k], passages[k]) for k in hashes)
    # the resolution's provisions are passages only
    res = {p.id: text_hash(task_text(p)) for p in linkable(linker.store.get_document("57-NQ/TW"))}
    assert not linker.links.vectors("fake-query-aware-64#query/", res)
    assert first.embedded > len(hashes)
    assert linker.update(force=True).embedded == 0  # all from the cache


def test_tracker_rows_cite_what_their_text_names_not_their_resolution_column(links: LinkStore) -> None:
    cited = {lk.target for lk in links.links_of(["tracking:005_NQ66~2"], ["cites"], direction="out")}
    assert cited == {"ext:178-QĐ/TW"}  # "… Quy định số 178-QĐ/TW …" in the task's text
    # the "Nghị quyết" column only says which resolution the row serves: not a reference it makes
    assert not links.links_of(["tracking:001_NQ79"], ["cites"], direction="out")
