"""Extraction from real documents (../shared/corpus) and from SYNTHETIC documents for edge cases."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ingest.models import DocKind, DocMeta, Document, Provision
from ingest.settings import Settings
from ingest.store import Store
from ingest.tasks.extract import explicit_actor, extract_document
from ingest.tasks.persist import ensure_extracted, load_commitments, load_targets

GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold" / "commitments.jsonl"


def test_table_rows_of_03_nq_cp(corpus_settings: Settings) -> None:
    doc = Store(corpus_settings.db_path).get_document("03/NQ-CP")
    assert doc is not None
    rows = [c for c in extract_document(doc) if c.source == "table"]
    assert len(rows) == 140
    # Group of every row as the gold (read from the raw Markdown table) has it; seven groups.
    gold = {
        g["provision_id"]: g["group"]
        for g in map(json.loads, GOLD.read_text(encoding="utf-8").splitlines())
        if g["doc"] == "03/NQ-CP" and g["source"] == "table"
    }
    assert {c.provision_id: c.group_label for c in rows} == gold
    assert len(Counter(c.group_label for c in rows)) == 7
    r = next(c for c in rows if c.provision_id == "03/NQ-CP:PL2.140")
    assert r.lead == ["Bộ Khoa học và Công nghệ"] and r.partners == ["Bộ Thông tin và Truyền thông"]
    assert (r.deadline.kind, r.deadline.flag) == ("continuous", "vague") and "vague_deadline" in r.flags
    # Every quote is the source cell, verbatim.
    prov = doc.provision("03/NQ-CP:PL2.140")
    assert r.task == prov.fields["Tên nhiệm vụ"]  # type: ignore[index]


def test_prose_context_and_subject_clauses(corpus_settings: Settings) -> None:
    store = Store(corpus_settings.db_path)
    kh = {c.provision_id: c for c in extract_document(store.get_document("3260-KH/ĐĐQH15"))}  # type: ignore[arg-type]
    # A point that only names an agency sets the lead of its dashes.
    assert kh["3260-KH/ĐĐQH15:II.2.2.2.c.d1"].lead == ["Ủy ban Pháp luật"]
    # A lead-in "… các nhiệm vụ sau:" is not itself a commitment.
    assert "3260-KH/ĐĐQH15:II.2.2.2" not in kh
    nq = {c.provision_id: c for c in extract_document(store.get_document("03/NQ-CP"))}  # type: ignore[arg-type]
    c = nq["03/NQ-CP:CT.III.4"]
    assert c.lead == ["Bộ Khoa học và Công nghệ", "Bộ Thông tin và Truyền thông"]
    assert c.partners == ["Các bộ, ngành, địa phương"]
    rep = nq["03/NQ-CP:CT.III.3"]
    assert rep.deadline.recurrence == "half-yearly" and rep.reporting[0].to == [
        "Bộ Khoa học và Công nghệ",
        "Bộ Thông tin và Truyền thông",
    ]
    # Objectives are not tasks.
    assert not any(pid.startswith("03/NQ-CP:CT.I.") for pid in nq)


def _synthetic_doc(text_a: str, date: str = "2025-03-01") -> Document:
    """SYNTHETIC: a tiny plan written for this test (not a real document)."""
    provs = [
        Provision(
            "X:II",
            "II",
            "part",
            "II",
            "II. NHIỆM VỤ CỤ THỂ",
            "II. NHIỆM VỤ CỤ THỂ",
            ["II"],
            children=["X:II.1"],
        ),
        Provision(
            "X:II.1",
            "II.1",
            "item",
            "1",
            "1. Y tế",
            "1. Y tế",
            ["II", "1"],
            parent_id="X:II",
            children=["X:II.1.a", "X:II.1.b"],
        ),
        Provision(
            "X:II.1.a", "II.1.a", "point", "a", text_a[:40], text_a, ["II", "1", "a"], parent_id="X:II.1"
        ),
        Provision(
            "X:II.1.b",
            "II.1.b",
            "point",
            "b",
            "b)",
            "b) Triển khai thí điểm mô hình mới.",
            ["II", "1", "b"],
            parent_id="X:II.1",
        ),
    ]
    return Document(
        "X",
        DocMeta(number="1/KH-SYN", kind=DocKind.PLAN, date=date, issuer="Bộ Y tế"),
        "syn.md",
        "markdown",
        "h" * 64,
        provs,
    )


def test_synthetic_prose_record_with_all_five_fields() -> None:
    doc = _synthetic_doc(
        "a) Bộ Y tế chủ trì, phối hợp với Bộ Tài chính, BHXH Việt Nam xây dựng Đề án miễn viện phí, "
        "chậm nhất 3 tháng kể từ ngày ký."
    )
    cs = {c.provision_id: c for c in extract_document(doc)}
    a = cs["X:II.1.a"]
    assert a.lead == ["Bộ Y tế"] and a.partners == ["Bộ Tài chính", "Bảo hiểm xã hội Việt Nam"]
    assert (a.deadline.kind, a.deadline.end) == ("relative", "2025-06-01")
    assert a.output.type == "Đề án" and a.flags == []
    b = cs["X:II.1.b"]  # no subject, no context: flagged, never invented
    assert b.lead == [] and {"no_lead", "no_deadline", "no_measurable_output"} <= set(b.flags)


def test_explicit_actor_ignores_possessives() -> None:
    act = explicit_actor("Trên cơ sở Nghị quyết của Bộ Chính trị, Bộ Y tế chủ trì xây dựng kế hoạch.")
    assert act is not None and act.lead == ["Bộ Y tế"]
    assert explicit_actor("Nghiên cứu phương án giao Bộ Giáo dục và Đào tạo quản lý trực tiếp.") is None


def test_ensure_extracted_is_incremental(corpus_settings: Settings) -> None:
    store = Store(corpus_settings.db_path)
    first = ensure_extracted(store)
    assert first.commitments > 300 and "03/NQ-CP" in first.extracted
    again = ensure_extracted(store)
    assert again.extracted == [] and again.dropped == []
    n_before = len(load_commitments(store))
    assert store.delete_document("282/NQ-CP")
    third = ensure_extracted(store)
    assert third.dropped == ["282/NQ-CP"] and third.extracted == []
    after = load_commitments(store)
    assert len(after) < n_before and not any(c.doc_id == "282/NQ-CP" for c in after)


def test_targets_from_indicator_table_and_objectives(corpus_settings: Settings) -> None:
    store = Store(corpus_settings.db_path)
    ensure_extracted(store)
    ts = {t.provision_id: t for t in load_targets(store)}
    t = ts["03/NQ-CP:PL1.8"]
    assert (t.value.value, t.value.unit, t.value.comparator, t.value.year) == (55.0, "%", ">=", 2030)
    assert t.monitor == ["Bộ Kế hoạch và Đầu tư"]
    assert "no_figure" in ts["03/NQ-CP:PL1.1"].flags
    cover = [x for x in load_targets(store) if x.provision_id == "72-NQ/TW:II.A.d5"]
    assert cover and cover[0].value.value == 95.0 and cover[0].value.year == 2026


def test_agency_filter_through_stated_succession(corpus_settings: Settings) -> None:
    from ingest.tasks.persist import load_successions
    from ingest.tasks.query import TaskFilter, filter_commitments

    store = Store(corpus_settings.db_path)
    ensure_extracted(store)
    stated = [(s.old, s.new, s.source) for s in load_successions(store)]
    assert ("Đảng đoàn Quốc hội", "Đảng ủy Quốc hội", "3260-KH/ĐĐQH15:preamble.p7") in stated
    sel = filter_commitments(store, TaskFilter(agency="Đảng ủy Quốc hội"))
    via = [s for s in sel if s.matches["agency"].via == "successor"]
    assert via, "records of Đảng đoàn Quốc hội should match through the stated succession"
    for s in via:
        assert "Đảng đoàn Quốc hội" in s.commitment.lead and "Đảng ủy Quốc hội" in s.commitment.lead_current
        d = s.as_dict()["agency_match"]
        assert d["via"] == "successor" and d["successions"][0]["source"] == "3260-KH/ĐĐQH15:preamble.p7"
    # No mapping from background knowledge: Bộ KH&CN does not pick up records of Bộ TT&TT alone.
    kh = filter_commitments(store, TaskFilter(agency="Bộ KH&CN"))
    assert kh and all("Bộ Khoa học và Công nghệ" in s.commitment.lead for s in kh)


def test_every_figure_of_a_72_nq_tw_objective(corpus_settings: Settings) -> None:
    """Real text of 72-NQ/TW part II: each figure with its unit, comparator and year; the age range
    "từ 1 - 18 tuổi" says who is measured and is no target."""
    from ingest.tasks.targets import extract_targets

    doc = Store(corpus_settings.db_path).get_document("72-NQ/TW")
    assert doc is not None
    ts = [t for t in extract_targets(doc) if t.provision_id == "72-NQ/TW:II.A.d1"]
    got = [(t.value.value, t.value.unit, t.value.comparator, t.value.year, t.value.change) for t in ts]
    assert got == [
        (1.5, "cm", ">=", 2030, "increase"),
        (75.5, "tuổi", "=", 2030, None),
        (68.0, "năm", ">=", 2030, None),
    ]
    prov = doc.provision("72-NQ/TW:II.A.d1")
    assert prov is not None and all(t.indicator in prov.text for t in ts)  # verbatim clauses
    assert ts[1].indicator == "tuổi thọ trung bình đạt 75,5 tuổi"
    vision = [
        (t.value.value, t.value.comparator, t.value.year)
        for t in extract_targets(doc)
        if t.provision_id == "72-NQ/TW:II.B.p1"
    ]
    assert vision == [(80.0, ">", 2045), (71.0, ">", 2045)]


def test_find_figures_ranges_and_numerals() -> None:
    from ingest.tasks.outputs import find_figures

    # SYNTHETIC phrases.
    [r] = find_figures("tỷ lệ hộ gia đình đạt 70 - 80%")
    assert (r.value, r.value_max, r.unit, r.comparator) == (70.0, 80.0, "%", "=")
    assert [f.value for f in find_figures("có 1.000 doanh nghiệp và 2,5 triệu đồng")] == [1000.0, 2.5]
    assert find_figures("trẻ em từ 6 đến 15 tuổi được khám") == []
    [d] = find_figures("giảm tỷ lệ suy dinh dưỡng xuống dưới 10%")
    assert (d.comparator, d.change) == ("<", None)  # a level to reach, not an amount cut


def test_unknown_organisation_heading_a_sentence() -> None:
    """SYNTHETIC sentences: organisations missing from the agency table, bounded with underthesea POS."""
    a = explicit_actor("Tòa án nhân dân tối cao, Viện kiểm sát nhân dân tối cao chủ trì rà soát quy định.")
    assert a is not None and a.lead == ["Tòa án nhân dân tối cao", "Viện kiểm sát nhân dân tối cao"]
    b = explicit_actor("Hội Nông dân Việt Nam phối hợp với Bộ Y tế tuyên truyền về dinh dưỡng.")
    assert b is not None and (b.lead, b.partners) == (["Hội Nông dân Việt Nam"], ["Bộ Y tế"])
    c = explicit_actor("Liên hiệp các Hội Khoa học và Kỹ thuật Việt Nam tham gia phản biện.")
    assert c is not None and c.lead == ["Liên hiệp các Hội Khoa học và Kỹ thuật Việt Nam"]
    assert explicit_actor("Trường học phải bảo đảm an toàn thực phẩm.") is None  # no task verb after it


def test_party_group_names_with_o() -> None:
    # Real dash of 3260-KH/ĐĐQH15 (II.1): "ở" inside "(Tổ) Đảng ở Thường trực …" is part of the name.
    a = explicit_actor(
        "- Đảng ở Thường trực Hội đồng Dân tộc, các Ủy ban của Quốc hội, lãnh đạo các cơ quan thuộc UBTVQH, "
        "các Đoàn đại biểu Quốc hội trong phạm vi nhiệm vụ và quyền hạn của mình tổ chức tuyên truyền"
    )
    assert a is not None and a.lead[0] == "Hội đồng Dân tộc" and len(a.lead) == 4


def test_synthetic_indicator_table_with_agency_columns_named_like_units() -> None:
    # SYNTHETIC indicator row of a province plan: "Đơn vị chủ trì" before "Đơn vị tính", the
    # indicator under "Mục tiêu, chỉ tiêu", the value under "Giá trị".
    from ingest.tasks.targets import extract_targets

    row = Provision(
        "KH:PL.1", "PL.1", "row", "1", "", "Tỉ lệ trường học kết nối Internet | Sở GDĐT | % | 95", [],
        fields={"Mục tiêu, chỉ tiêu": "Tỉ lệ trường học kết nối Internet", "Đơn vị chủ trì": "Sở GDĐT",
                "Đơn vị tính": "%", "Giá trị": "95"},
    )
    doc = Document("KH", DocMeta(number="KH", kind=DocKind.PLAN), "kh.md", "markdown", "h" * 64, [row])
    (t,) = extract_targets(doc)
    assert t.indicator == "Tỉ lệ trường học kết nối Internet"
    assert (t.value.value, t.value.unit) == (95.0, "%")
