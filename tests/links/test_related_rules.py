"""Rules of ``related`` links — clauses, concrete themes, two signals meeting in one clause pair —
and of ``implements`` links under an assignment section.

All documents here are SYNTHETIC (two made-up resolutions "91-NQ/TW" and "92-NQ/TW" written for
these tests), embedded with a tiny deterministic bag-of-syllables encoder: plumbing and rules,
not semantics.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace

import numpy as np

from index.links.linker import Features, LinkParams, _horizons, link_implements, link_related
from index.links.text import TermStats, clauses, task_text, terms
from index.links.themes import concrete_themes, themes_of
from ingest.models import DocKind, DocMeta, Document, Provision

DIM = 256


def _vec(text: str) -> np.ndarray:
    """SYNTHETIC encoder: hashed bag of lower-cased syllables, L2-normalised."""
    v = np.zeros(DIM, np.float32)
    for syl in re.findall(r"\w+", text.lower()):
        v[int(hashlib.md5(syl.encode()).hexdigest(), 16) % DIM] += 1.0
    return v / (np.linalg.norm(v) or 1.0)


def _doc(number: str, tasks: list[str], org: list[str] | None = None) -> Document:
    """SYNTHETIC resolution: part III (tasks, one item each) and part IV (assignments)."""
    provs = [
        Provision(
            f"{number}:III", "III", "part", "III", "III- NHIỆM VỤ, GIẢI PHÁP", "III- NHIỆM VỤ, GIẢI PHÁP", []
        )
    ]
    for i, t in enumerate(tasks, 1):
        provs.append(
            Provision(f"{number}:III.{i}", f"III.{i}", "item", str(i), t[:40], t, [], parent_id=provs[0].id)
        )
    if org:
        provs.append(
            Provision(
                f"{number}:IV", "IV", "part", "IV", "IV- TỔ CHỨC THỰC HIỆN", "IV- TỔ CHỨC THỰC HIỆN", []
            )
        )
        for i, t in enumerate(org, 1):
            provs.append(
                Provision(
                    f"{number}:IV.{i}", f"IV.{i}", "item", str(i), t[:40], t, [], parent_id=f"{number}:IV"
                )
            )
    meta = DocMeta(number=number, kind=DocKind.RESOLUTION, date="2030-01-01")
    return Document(number, meta, "synthetic", "md", number, provs)


HEALTH = _doc(
    "91-NQ/TW",
    [
        "Phát triển nhân lực y tế chất lượng cao; "
        "có chính sách thu hút bác sĩ giỏi về công tác ở vùng khó khăn.",
        "Xây dựng cơ sở dữ liệu quốc gia về y tế, kết nối liên thông dữ liệu sức khỏe người dân.",
        "Nâng cao chất lượng khám bệnh, chữa bệnh tại bệnh viện tuyến tỉnh và tuyến huyện.",
    ],
    org=["Ban cán sự đảng chủ trì xây dựng chính sách thu hút bác sĩ giỏi về công tác ở vùng khó khăn."],
)
EDUCATION = _doc(
    "92-NQ/TW",
    [
        "Phát triển đội ngũ giáo viên đủ số lượng; "
        "có chính sách thu hút giáo viên giỏi về công tác ở vùng khó khăn.",
        "Xây dựng cơ sở dữ liệu quốc gia về giáo dục, kết nối liên thông dữ liệu học sinh.",
        "Nâng cao chất lượng dạy và học tại trường phổ thông tuyến tỉnh và tuyến huyện.",
    ],
)


def _implementer(number: str, provs: list[Provision], kind: DocKind = DocKind.PLAN) -> Document:
    """SYNTHETIC plan or programme made of the given provisions."""
    return Document(
        number, DocMeta(number=number, kind=kind, date="2030-02-01"), "synthetic", "md", number, provs
    )


def _features(docs: list[Document], *, clause_level: bool = True) -> tuple[Features, dict[str, str]]:
    seen: dict[str, str] = {}

    def encode(texts: dict[str, str]) -> dict[str, np.ndarray]:
        seen.update(texts)
        return {k: _vec(t) for k, t in texts.items()}

    provs = [p for d in docs for p in d.provisions]
    f = Features(
        vectors={p.id: _vec(task_text(p)) for p in provs},
        stats=TermStats.build(terms(task_text(p)) for p in provs),
        clause_encoder=encode if clause_level else None,
    )
    return f, seen


def test_clauses_are_verbatim_and_long_enough() -> None:
    text = "1. Nhiệm vụ. Phát triển nhân lực y tế chất lượng cao; thu hút bác sĩ giỏi về vùng khó khăn."
    out = clauses(text)
    assert out == ["Phát triển nhân lực y tế chất lượng cao;", "thu hút bác sĩ giỏi về vùng khó khăn."]
    assert all(c in text for c in out)
    assert clauses("Quá ngắn.") == ["Quá ngắn."]  # no clause of 5 words: the whole text


def test_concrete_themes_ignore_sector_names_and_formulas() -> None:
    # a sector name is not a theme of the clause; the field's concrete terms are
    assert "khoa học, công nghệ" in themes_of("phát triển khoa học và công nghệ")
    assert concrete_themes("phát triển khoa học và công nghệ") == set()
    assert "khoa học, công nghệ" in concrete_themes("xây dựng phòng thí nghiệm trọng điểm")
    assert concrete_themes("phù hợp với thể chế kinh tế thị trường định hướng xã hội chủ nghĩa") == set()
    assert "thể chế, pháp luật" in concrete_themes("hoàn thiện thể chế về y tế")
    # the workforce theme names a workforce, not an activity every sector has
    assert "nhân lực, nhân tài" not in themes_of("đào tạo, bồi dưỡng đội ngũ cán bộ, đảng viên")
    assert "nhân lực, nhân tài" in themes_of("đào tạo nhân lực y tế")


def test_related_needs_a_theme_in_the_matching_clauses() -> None:
    f, seen = _features([HEALTH, EDUCATION])
    links = link_related(f, HEALTH, EDUCATION, replace(LinkParams(), related=0.0))
    pairs = {(lk.source, lk.target) for lk in links}
    assert ("91-NQ/TW:III.1", "92-NQ/TW:III.1") in pairs  # workforce: bác sĩ / giáo viên
    assert ("91-NQ/TW:III.2", "92-NQ/TW:III.2") in pairs  # national databases
    # the third tasks are close in wording but name no theme: never linked, at any threshold
    assert not any("III.3" in s or "III.3" in t for s, t in pairs)
    # the assignments section (tổ chức thực hiện) relates nothing, even with a matching clause
    assert not any(":IV" in s or ":IV" in t for s, t in pairs)
    # clauses were embedded (ids <provision id>#<n>) and the reason quotes them verbatim
    assert "91-NQ/TW:III.1#1" in seen and seen["91-NQ/TW:III.1#1"].startswith("có chính sách thu hút")
    for lk in links:
        assert 0.0 <= lk.score <= 1.0 and lk.evidence["themes"]
        a, b = lk.evidence["clauses"]
        assert a in HEALTH.provision(lk.source).text and b in EDUCATION.provision(lk.target).text
        assert "chủ đề chung" in lk.reason and "đoạn tương ứng" in lk.reason
        assert (lk.source_doc, lk.target_doc) == ("91-NQ/TW", "92-NQ/TW")


def test_related_mutual_top_k_limits_fan_out() -> None:
    f, _ = _features([HEALTH, EDUCATION])
    params = replace(LinkParams(), related=0.0, related_per_side=1, related_mutual=True)
    links = link_related(f, HEALTH, EDUCATION, params)
    assert links
    for side in ("source", "target"):
        ends = [getattr(lk, side) for lk in links]
        assert len(ends) == len(set(ends))  # each provision keeps at most one partner


def test_without_a_clause_encoder_provision_vectors_stand_for_clauses() -> None:
    f, seen = _features([HEALTH, EDUCATION], clause_level=False)
    links = link_related(f, HEALTH, EDUCATION, replace(LinkParams(), related=0.0))
    assert not seen and ("91-NQ/TW:III.1", "92-NQ/TW:III.1") in {(lk.source, lk.target) for lk in links}


# -- session 4 rules (precision of emitted links); all documents below are SYNTHETIC ------------


_FILLER = [
    "Nâng cao chất lượng khám bệnh, chữa bệnh tại bệnh viện tuyến tỉnh.",
    "Phát triển mạng lưới trường lớp mầm non ở vùng khó khăn.",
    "Bảo đảm vệ sinh môi trường tại khu dân cư và nơi công cộng.",
]


def _linked(a: Document, b: Document, **kw: object) -> set[tuple[str, str]]:
    f, _ = _features([a, b])
    return {(lk.source, lk.target) for lk in link_related(f, a, b, replace(LinkParams(), related=0.0, **kw))}


def test_integration_as_a_modifier_is_not_a_theme() -> None:
    from index.links.themes import concrete_themes

    assert "hợp tác, hội nhập quốc tế" in concrete_themes(
        "Đẩy mạnh hợp tác và hội nhập quốc tế trong giáo dục."
    )
    # a standard to meet, not a task of international cooperation
    assert "hợp tác, hội nhập quốc tế" not in concrete_themes(
        "Phát triển y tế chuyên sâu đáp ứng yêu cầu thực tiễn và hội nhập quốc tế."
    )
    assert "hợp tác, hội nhập quốc tế" not in concrete_themes(
        "Hình thành hạ tầng tính toán đạt tiêu chuẩn quốc tế."
    )


def test_general_goal_relates_no_single_theme() -> None:
    goal = "Mục tiêu tổng quát: có chính sách thu hút nhân tài, nhân lực chất lượng cao về ngành y tế."
    # (workforce in at most 40 % of each document's provisions, so it is not their sector)
    a = _doc(
        "93-NQ/TW",
        [goal, "Có chính sách thu hút nhân tài, nhân lực chất lượng cao về làm việc.", *_FILLER],
    )
    b = _doc("94-NQ/TW", ["Có chính sách thu hút nhân tài, nhân lực chất lượng cao về ngành y tế.", *_FILLER])
    on = _linked(a, b)
    off = _linked(a, b, related_skip_general_goal=False)
    assert ("93-NQ/TW:III.1", "94-NQ/TW:III.1") in off  # the rule is what removes it
    assert ("93-NQ/TW:III.1", "94-NQ/TW:III.1") not in on
    assert ("93-NQ/TW:III.2", "94-NQ/TW:III.1") in on


def test_sector_theme_divided_by_field_must_name_the_other_documents_field() -> None:
    from index.links.themes import document_fields, fields_of

    # "95-NQ/TW" is about integration (its sector); "96-NQ/TW" about education (its field)
    integ = _doc(
        "95-NQ/TW",
        [
            "Hội nhập quốc tế về chính trị, quốc phòng, an ninh, đẩy mạnh hợp tác quốc tế.",
            "Hội nhập quốc tế về giáo dục, đào tạo, y tế, đẩy mạnh hợp tác quốc tế.",
            "Nâng cao hiệu quả hội nhập quốc tế của các bộ, ngành.",
        ],
    )
    edu = _doc(
        "96-NQ/TW",
        [
            "Đẩy mạnh hợp tác quốc tế sâu rộng trong giáo dục, đào tạo.",
            "Phát triển giáo dục mầm non và phổ thông.",
            "Nâng cao chất lượng giáo dục đại học.",
        ],
    )
    assert fields_of("Hội nhập quốc tế về chính trị, quốc phòng, an ninh") == {
        "chính trị, quốc phòng, an ninh"
    }
    assert "giáo dục, đào tạo" in document_fields([p for p in edu.provisions if p.kind == "item"])
    on = _linked(integ, edu)
    off = _linked(integ, edu, related_field_rule=False)
    assert ("95-NQ/TW:III.1", "96-NQ/TW:III.1") in off
    assert ("95-NQ/TW:III.1", "96-NQ/TW:III.1") not in on  # politics/defence ≠ education
    assert ("95-NQ/TW:III.2", "96-NQ/TW:III.1") in on  # names education
    assert ("95-NQ/TW:III.3", "96-NQ/TW:III.1") in on  # names no field: kept


def test_workforce_links_need_the_same_kind_of_policy() -> None:
    from index.links.themes import workforce_aspects

    assert workforce_aspects("Có chính sách ưu đãi đặc thù cho đội ngũ nhà giáo") == {"thu hút, đãi ngộ"}
    assert workforce_aspects("phát triển giáo dục và đào tạo") == set()  # the sector name only
    health = _doc(
        "97-NQ/TW",
        [
            "Có chính sách ưu đãi đặc thù, vượt trội cho nhân viên y tế, bác sĩ ở vùng khó khăn.",
            "Bác sĩ, nhân viên y tế phải rèn luyện y đức, tận tụy với nghề nghiệp.",
            *_FILLER,
            "Phát triển y tế cơ sở, y tế dự phòng ở các địa phương.",
        ],
    )
    edu = _doc(
        "98-NQ/TW", ["Có chính sách ưu đãi đặc thù, vượt trội cho giáo viên ở vùng khó khăn.", *_FILLER]
    )
    on = _linked(health, edu)
    off = _linked(health, edu, related_aspect_rule=False)
    assert ("97-NQ/TW:III.1", "98-NQ/TW:III.1") in on  # incentives ↔ incentives
    assert ("97-NQ/TW:III.2", "98-NQ/TW:III.1") in off
    assert ("97-NQ/TW:III.2", "98-NQ/TW:III.1") not in on  # staff ethics ≠ incentives


# -- session 5: recall of themes; all texts below are SYNTHETIC -----------------------------------


def test_talent_is_the_workforce_theme_at_its_top_tier() -> None:
    from index.links.themes import WORKFORCE, workforce_aspects

    text = "Xây dựng và triển khai Đề án đào tạo tài năng trong các ngành kỹ thuật."
    assert WORKFORCE in concrete_themes(text)
    assert "trình độ cao, nhân tài" in workforce_aspects(text)


def test_a_set_phrase_silences_only_the_theme_it_names() -> None:
    # the field name of science no longer takes the digital transformation it ends with along
    text = "Ứng dụng khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số trong ngành điện lực."
    assert concrete_themes(text) == {"chuyển đổi số"}
    assert concrete_themes("Phát triển khoa học, công nghệ, đổi mới sáng tạo ở các vùng.") == set()


def test_any_budget_is_the_budget_theme() -> None:
    assert "ngân sách nhà nước" in concrete_themes("Cơ cấu lại nguồn ngân sách chi sự nghiệp giáo dục.")


def test_tasks_under_an_assignment_section_also_reach_their_part_iii_provision() -> None:
    # SYNTHETIC resolution "99-NQ/TW" assigns the parliament's party delegation (part IV) and has two
    # part III tasks; the delegation's SYNTHETIC plan "100-KH/ĐĐQH" repeats that assignment as a
    # section heading, with one task on each part III subject under it.
    res = _doc(
        "99-NQ/TW",
        [
            "Hoàn thiện pháp luật về y tế cơ sở; sửa đổi Luật Khám bệnh, chữa bệnh.",
            "Chuyển đổi số trong bệnh viện; xây dựng hồ sơ sức khỏe điện tử cho mọi người dân.",
        ],
        org=["Đảng đoàn Quốc hội lãnh đạo thẩm tra, giám sát việc thực hiện pháp luật về y tế."],
    )
    sec = "1. Đảng đoàn Quốc hội lãnh đạo thẩm tra, giám sát việc thực hiện pháp luật về y tế."
    # each task says whose task it is in the assignment's words, and what it is about in part III's
    tasks = [
        "- Đảng đoàn Quốc hội lãnh đạo thẩm tra việc hoàn thiện pháp luật về y tế cơ sở, "
        "sửa đổi Luật Khám bệnh, chữa bệnh.",
        "- Đảng đoàn Quốc hội lãnh đạo giám sát chuyển đổi số trong bệnh viện, "
        "xây dựng hồ sơ sức khỏe điện tử cho mọi người dân.",
    ]
    plan_id = "100-KH/ĐĐQH"
    provs = [Provision(f"{plan_id}:1", "1", "item", "1", sec, sec, [])]
    provs += [
        Provision(f"{plan_id}:1.d{i}", f"1.d{i}", "dash", "-", "", t, [], parent_id=f"{plan_id}:1")
        for i, t in enumerate(tasks, 1)
    ]
    plan = _implementer(plan_id, provs)
    f, _ = _features([res, plan])

    def targets(**kw: object) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for lk in link_implements(f, plan, res, replace(LinkParams(), **kw)):
            out.setdefault(lk.source, set()).add(lk.target)
        return out

    on, off = targets(), targets(implements_content_beside_assignment=False)
    assert on[f"{plan_id}:1"] == off[f"{plan_id}:1"] == {"99-NQ/TW:IV.1"}  # the section: its assignment
    # the first task: its assignment (structure) and, by content, the part III task it carries out
    assert on[f"{plan_id}:1.d1"] == {"99-NQ/TW:IV.1", "99-NQ/TW:III.1"}
    assert off[f"{plan_id}:1.d1"] == {"99-NQ/TW:IV.1"}  # without the rule the structure bonus crowds it out
    assert "99-NQ/TW:III.2" in on[f"{plan_id}:1.d2"]


def test_a_task_meets_a_long_provision_at_its_closest_clause() -> None:
    # SYNTHETIC: "101-NQ/TW:III.1" lists three subjects; the task of SYNTHETIC plan "102-KH/UBND"
    # carries out one of them. Its cosine to the whole paragraph is diluted by the other two.
    res = _doc(
        "101-NQ/TW",
        [
            "Phát triển điện gió ngoài khơi gắn với bảo vệ môi trường biển; xây dựng kho dự trữ xăng dầu "
            "quốc gia trên đất liền và trên biển; đào tạo kỹ sư vận hành nhà máy điện hạt nhân.",
            *_FILLER,
        ],
    )
    task = "Đầu tư xây dựng hệ thống kho dự trữ xăng dầu quốc gia trên đất liền và trên biển."
    plan_id = "102-KH/UBND"
    plan = _implementer(plan_id, [Provision(f"{plan_id}:1", "1", "item", "1", task, task, [])])
    f, _ = _features([res, plan])

    def cosine(**kw: object) -> float:
        got = link_implements(f, plan, res, replace(LinkParams(), implements=0.0, **kw))
        return next(float(lk.evidence["dense"]) for lk in got if lk.target == "101-NQ/TW:III.1")

    whole = float(f.vectors[f"{plan_id}:1"] @ f.vectors["101-NQ/TW:III.1"])
    clause = float(_vec(task) @ _vec("xây dựng kho dự trữ xăng dầu quốc gia trên đất liền và trên biển"))
    assert clause > whole + 0.1
    assert abs(cosine() - clause) < 1e-3  # the closest clause is what the task is compared with
    assert abs(cosine(implements_clause_match=False) - whole) < 1e-3


def _node(doc: str, id_: str, kind: str, text: str, parent: str | None = None) -> Provision:
    """A SYNTHETIC provision ``doc:id_`` headed by the first line of its text."""
    return Provision(
        f"{doc}:{id_}",
        id_,
        kind,
        id_.split(".")[-1],
        text.split("\n")[0][:60],
        text,
        [],
        parent_id=f"{doc}:{parent}" if parent else None,
    )


def _goals(rid: str, provs: list[Provision]) -> Document:
    """SYNTHETIC resolution: part II "MỤC TIÊU" with "1. Đến năm 2030", then ``provs``."""
    head = [_node(rid, "II", "part", "II- MỤC TIÊU"), _node(rid, "II.1", "item", "1. Đến năm 2030", "II")]
    meta = DocMeta(number=rid, kind=DocKind.RESOLUTION, date="2030-01-01")
    return Document(rid, meta, "synthetic", "md", rid, head + provs)


def _indicators(pid: str, rows: list[str]) -> Document:
    """SYNTHETIC programme whose appendix I lists ``rows`` as indicators "Đến năm 2030"."""
    head = [
        _node(pid, "PL1", "appendix", "PHỤ LỤC I\nDANH MỤC CÁC CHỈ TIÊU CỤ THỂ"),
        _node(pid, "PL1.I", "group", "Đến năm 2030", "PL1"),
    ]
    body = [_node(pid, f"PL1.{i}", "row", r, "PL1.I") for i, r in enumerate(rows, 1)]
    return _implementer(pid, head + body, DocKind.ACTION_PROGRAMME)


def test_indicator_rows_carry_out_the_goals_of_their_horizon() -> None:
    # SYNTHETIC resolution "103-NQ/TW": goals to 2030 and a vision to 2045 (part II) and a part III
    # task on the same subject. The SYNTHETIC programme "104/NQ-CP" lists an indicator in its table
    # of indicators, under "Đến năm 2030": it quantifies the 2030 goal.
    rid, pid = "103-NQ/TW", "104/NQ-CP"

    res = _goals(
        rid,
        [
            _node(
                rid, "II.1.p1", "para", "Toàn bộ trường học được kết nối internet tốc độ cao (100%).", "II.1"
            ),
            _node(rid, "II.2", "item", "2. Tầm nhìn đến năm 2045", "II"),
            _node(
                rid,
                "II.2.p1",
                "para",
                "Mọi trường học được kết nối internet tốc độ cao, dạy và học trên môi trường số.",
                "II.2",
            ),
            _node(rid, "III", "part", "III- NHIỆM VỤ, GIẢI PHÁP"),
            _node(
                rid,
                "III.1",
                "item",
                "1. Nâng nhanh tỉ lệ trường học được kết nối internet tốc độ cao, "
                "do Bộ Giáo dục và Đào tạo chủ trì.",
                "III",
            ),
        ],
    )

    indicator = "Tỉ lệ trường học được kết nối internet tốc độ cao | % | 100% | Bộ Giáo dục và Đào tạo"
    prog = _indicators(pid, [indicator])
    f, _ = _features([res, prog])

    def scored(**kw: object) -> dict[str, tuple[float, str]]:
        got = link_implements(
            f, prog, res, replace(LinkParams(), implements=0.0, max_targets=9, keep_within=0.0, **kw)
        )
        return {lk.target: (lk.score, lk.reason) for lk in got if lk.source == f"{pid}:PL1.1"}

    on, off = scored(), scored(implements_indicators_to_goals=False)
    # the 2030 goal gets the structure bonus; the 2045 vision (another horizon) and the task do not
    assert abs(on[f"{rid}:II.1.p1"][0] - off[f"{rid}:II.1.p1"][0] - 0.30) < 1e-6
    assert "chỉ tiêu ↔ mục tiêu" in on[f"{rid}:II.1.p1"][1]
    for other in (f"{rid}:II.2.p1", f"{rid}:III.1"):
        assert on[other][0] == off[other][0] and "chỉ tiêu" not in on[other][1]
    assert max(off, key=lambda t: off[t][0]) == f"{rid}:III.1"  # by content alone: the task
    assert max(on, key=lambda t: on[t][0]) == f"{rid}:II.1.p1"  # with the rule: the goal it quantifies


def test_tasks_are_compared_as_queries_with_the_resolution_as_passages() -> None:
    # SYNTHETIC resolution and plan; the task's query vector is made to point at III.2 and its
    # passage vector at III.1, so the target chosen shows which one was used.
    res = _doc("105-NQ/TW", _FILLER)
    task = "Triển khai nhiệm vụ của kế hoạch."
    plan_id = "106-KH/UBND"
    plan = _implementer(plan_id, [Provision(f"{plan_id}:1", "1", "item", "1", task, task, [])])
    f, _ = _features([res, plan])
    f.vectors[f"{plan_id}:1"] = f.vectors["105-NQ/TW:III.1"]
    f.query_vectors[f"{plan_id}:1"] = f.vectors["105-NQ/TW:III.2"]

    def best(link_type: str = "implements", **kw: object) -> str:
        got = link_implements(
            f, plan, res, replace(LinkParams(), implements=0.0, reports_on=0.0, **kw), link_type=link_type
        )
        return max(got, key=lambda lk: lk.score).target

    assert best() == "105-NQ/TW:III.2"
    assert best(implements_as_query=False) == "105-NQ/TW:III.1"
    assert best("reports_on") == "105-NQ/TW:III.1"  # a report's statement and a task: both passages


def test_a_weaker_target_is_judged_against_the_figure_of_the_same_measure() -> None:
    # SYNTHETIC goal paragraph with two measures, and SYNTHETIC indicator rows on each of them.
    rid, pid = "107-NQ/TW", "108/NQ-CP"
    res = _goals(
        rid,
        [
            _node(
                rid,
                "II.1.p1",
                "para",
                "Tỉ lệ người dân sử dụng dịch vụ công trực tuyến đạt trên 80%; "
                "quy mô kinh tế số đạt tối thiểu 30% GDP.",
                "II.1",
            ),
        ],
    )
    prog = _indicators(
        pid,
        [
            "Tỉ lệ người dân sử dụng dịch vụ công trực tuyến đạt 60%",
            "Quy mô kinh tế số đạt 35% GDP",
            "Tỉ lệ cắt giảm thủ tục hành chính về cấp phép đạt 30%",  # "tỉ lệ" alone: another measure
        ],
    )
    f, _ = _features([res, prog])
    got = {
        lk.source: lk
        for lk in link_implements(f, prog, res, replace(LinkParams(), implements=0.0))
        if lk.target == f"{rid}:II.1.p1"
    }
    online, economy = got[f"{pid}:PL1.1"], got[f"{pid}:PL1.2"]
    assert online.evidence["target_figures"] == [80.0] and online.evidence["weaker"]
    assert "THẤP HƠN" in online.reason
    assert economy.evidence["target_figures"] == [30.0] and not economy.evidence["weaker"]
    assert "target_figures" not in got[f"{pid}:PL1.3"].evidence  # nothing to compare it with


def test_a_table_row_is_compared_with_its_own_part_of_a_clause_with_two_figures() -> None:
    # SYNTHETIC goal stating two measures in one clause, and a SYNTHETIC indicator row in the
    # shape tables are parsed into (named cells), on the second measure.
    rid, pid = "109-NQ/TW", "110/NQ-CP"
    goal = "Kinh phí chi cho nghiên cứu phát triển đạt 2% GDP, trong đó kinh phí từ xã hội chiếm hơn 60%."
    res = _goals(rid, [_node(rid, "II.1.p1", "para", goal, "II.1")])
    cells = {
        "Chỉ tiêu": "Tỉ trọng kinh phí từ xã hội trong kinh phí chi cho nghiên cứu phát triển",
        "Đơn vị": "%",
        "Kết quả": ">= 50",
    }
    prog = _indicators(pid, [" | ".join(cells.values())])
    prog.provisions[-1].fields = cells
    f, _ = _features([res, prog])
    (lk,) = [
        x
        for x in link_implements(f, prog, res, replace(LinkParams(), implements=0.0))
        if x.target.endswith("p1")
    ]
    assert lk.evidence["source_figures"] == [50.0]  # read from the "Kết quả" cell
    assert lk.evidence["target_figures"] == [60.0] and lk.evidence["weaker"]  # not the 2% of GDP


def test_horizons_of_a_flat_goals_part() -> None:
    # SYNTHETIC goals part whose horizons are bullets, with the goals after them as siblings; a
    # SYNTHETIC indicator row of 2045 gets the bonus on the 2045 goal, not on the 2030 one.
    rid, pid = "111-NQ/TW", "112/NQ-CP"
    res = Document(
        rid,
        DocMeta(number=rid, kind=DocKind.RESOLUTION, date="2030-01-01"),
        "synthetic",
        "md",
        rid,
        [
            _node(rid, "II", "part", "II- MỤC TIÊU"),
            _node(rid, "II.d1", "dash", "- Mục tiêu cụ thể đến năm 2030", "II"),
            _node(rid, "II.d2", "dash", "+ Toàn bộ trường học được kết nối internet tốc độ cao.", "II"),
            _node(rid, "II.d3", "dash", "- Tầm nhìn đến năm 2045", "II"),
            _node(
                rid,
                "II.p1",
                "para",
                "Mọi trường học được kết nối internet tốc độ cao, học trên môi trường số.",
                "II",
            ),
        ],
    )
    for i, p in enumerate(res.provisions):
        p.ordinal = i
    assert {k: v for k, v in _horizons(res).items() if k.endswith(("d2", "p1"))} == {
        f"{rid}:II.d2": {"2030"},
        f"{rid}:II.p1": {"2045"},
    }
    row = "Tỉ lệ trường học được kết nối internet tốc độ cao"
    prog = _indicators(pid, [row])
    prog.provisions[1] = _node(pid, "PL1.I", "group", "Tầm nhìn đến năm 2045", "PL1")
    f, _ = _features([res, prog])
    bonus = {
        lk.target
        for lk in link_implements(
            f, prog, res, replace(LinkParams(), implements=0.0, max_targets=9, keep_within=0.0)
        )
        if "chỉ tiêu ↔ mục tiêu" in lk.reason
    }
    assert bonus == {f"{rid}:II.p1"}  # one goal, of the row's horizon


def test_headings_of_indicator_tables_and_goals_parts() -> None:
    from index.links.linker import _INDICATORS, _is_goals_heading
    from ingest.normalize import index_form

    tables = [
        "DANH MỤC CÁC CHỈ TIÊU CỤ THỂ",
        "I. CÁC CHỈ TIÊU CHỦ YẾU",
        "II- CHỈ TIÊU",
        "1. Chỉ tiêu cụ thể",
        "Phụ lục số 01: Chỉ tiêu",
        "PHỤ LỤC 1A - CHỈ TIÊU",
        "HỆ THỐNG CHỈ TIÊU",
        "Biểu 1: Các chỉ tiêu",
    ]
    assert all(_INDICATORS.match(index_form(h)) for h in tables)
    assert not any(
        _INDICATORS.match(index_form(h))
        for h in ["Chỉ tiêu thi đua của các cơ quan", "DANH MỤC CÁC NHIỆM VỤ", "PHỤ LỤC II"]
    )
    goals = ["II- MỤC TIÊU", "II. MỤC TIÊU VÀ TẦM NHÌN", "II- QUAN ĐIỂM, MỤC TIÊU", "Phần thứ hai: MỤC TIÊU"]
    assert all(_is_goals_heading(_node("X", "II", "part", h)) for h in goals)
    assert not any(
        _is_goals_heading(_node("X", "II", "part", h))
        for h in ["II. MỤC TIÊU, NHIỆM VỤ VÀ GIẢI PHÁP", "III- NHIỆM VỤ, GIẢI PHÁP"]
    )


def test_task_text_finds_the_task_column_of_other_plan_formats() -> None:
    # SYNTHETIC rows of a province plan's table: the task column has other names.
    def row(fields: dict[str, str]) -> Provision:
        p = _node("KH-1", "PL.1", "row", " | ".join(fields.values()))
        return replace(p, fields=fields)

    task = "Xây dựng cơ sở dữ liệu ngành giáo dục của tỉnh"
    assert task_text(row({"STT": "1", "Nội dung công việc": task, "Đơn vị chủ trì": "Sở GDĐT"})) == task
    assert task_text(row({"Số TT": "II", "NỘI DUNG NHIỆM VỤ": task, "Thời hạn": "2026"})) == task
    indicator = "Tỉ lệ trường học kết nối Internet"
    assert task_text(row({"TT": "3", "Chỉ tiêu": indicator, "Năm 2030": "100%"})) == indicator
    assert task_text(row({"TT": "4.", "Việc": task})) == task  # no known column: the first real cell
    # an agency column that says "nhiệm vụ", a note column that says "nội dung": neither is the task
    agency = "Cơ quan chủ trì thực hiện nhiệm vụ"
    assert task_text(row({"Chỉ tiêu": indicator, agency: "Bộ Y tế"})) == indicator
    assert task_text(row({"Nhiệm vụ": task, "Ghi chú (nội dung bổ sung)": "x"})) == task
    assert task_text(row({"Ghi chú (nội dung bổ sung)": "x", "Nội dung công việc": task})) == task


def test_indicator_figures_are_read_from_other_column_names() -> None:
    # SYNTHETIC indicator row: "Đơn vị tính" / "Giá trị" columns, an agency column named "Đơn vị chủ trì".
    from index.links.linker import _row_figures

    p = replace(
        _node("KH-1", "PL.2", "row", "Tỉ lệ trường học kết nối Internet | Sở GDĐT | % | 95"),
        fields={
            "Chỉ tiêu": "Tỉ lệ trường học kết nối Internet",
            "Đơn vị chủ trì": "Sở GDĐT",
            "Đơn vị tính": "%",
            "Giá trị": "95",
        },
    )
    assert _row_figures(p) == [95.0]
