"""``ask``: extractive grounded answers on the real shared corpus (fake embedder: fast).

Uses ``corpus_ctx`` / ``corpus_homes`` from tests/service/conftest.py (../shared/corpus
ingested once per session, indexed with the hashed bag-of-words test embedder). The
questions are the cadre's kind; the facts checked are in the real documents.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from a1_fixtures import is_verbatim
from typer.testing import CliRunner

from eval.ask_eval import NEGATIVES, evidence_found
from index.store import SearchFilters
from ingest.normalize import fold
from ingest.settings import Settings
from service.answer import NO_ANSWER_VI, NO_HITS_VI, BadMode, EmptyQuestion, ask, sentence_spans
from service.context import ServiceContext

Q_DAY = "Ngày Sức khỏe toàn dân là ngày nào?"  # 72-NQ/TW:III.1.p2 — "Ngày Sức khỏe thế giới 7/4"


def test_answer_json_shape_and_verbatim_quotes(corpus_ctx: ServiceContext) -> None:
    a = ask(corpus_ctx, Q_DAY)
    d = a.as_dict()
    assert isinstance(d["answer"], str) and d["answer"]
    assert d["grounded"] is True and d["mode"] == "extractive"
    assert 1 <= len(d["citations"]) <= 6
    for c in d["citations"]:
        assert {"doc_number", "provision_id", "quote", "page", "heading_path", "doc_id"} <= c.keys()
        assert c["provision_id"].startswith(c["doc_id"] + ":")
        assert is_verbatim(corpus_ctx, c["provision_id"], c["quote"]), c
        assert f"[{c['provision_id']}" in d["answer"]  # every quote in the answer text is cited
    json.dumps(d, ensure_ascii=False)


def test_cites_the_provision_that_answers(corpus_ctx: ServiceContext) -> None:
    a = ask(corpus_ctx, Q_DAY)
    cited = {c.provision_id: c.quote for c in a.citations}
    assert "72-NQ/TW:III.1.p2" in cited
    assert "7/4" in cited["72-NQ/TW:III.1.p2"]


def test_question_without_diacritics(corpus_ctx: ServiceContext) -> None:
    a = ask(corpus_ctx, fold(Q_DAY))
    assert a.grounded
    assert "72-NQ/TW:III.1.p2" in [c.provision_id for c in a.citations]


def test_heading_only_provision_brings_its_children(corpus_ctx: ServiceContext) -> None:
    # 71-NQ/TW:II.2 is the heading "(2) Mục tiêu đến năm 2035"; its content is in its children.
    a = ask(corpus_ctx, "Mục tiêu giáo dục đến năm 2035 là gì?", filters=SearchFilters(doc=["71-NQ/TW"]))
    assert any(c.provision_id.startswith("71-NQ/TW:II.2.") for c in a.citations), a.as_dict()
    assert "71-NQ/TW:II.2" not in [c.provision_id for c in a.citations]  # a bare heading is not an answer


KNOWN_MISS = pytest.mark.xfail(
    strict=True,
    reason=(
        "known weak spot: syllable coverage — 'thủ tục', 'đăng ký', 'người nước ngoài', 'giấy tờ' "
        "occur in the corpus, only 'kết hôn' does not"
    ),
)


@pytest.mark.parametrize(
    "question", [pytest.param(q, marks=KNOWN_MISS) if "kết hôn với" in q else q for q in NEGATIVES]
)
def test_says_plainly_when_the_corpus_has_no_answer(corpus_ctx: ServiceContext, question: str) -> None:
    a = ask(corpus_ctx, question)
    assert a.citations == [] and a.grounded is False
    assert a.answer == NO_ANSWER_VI


def test_document_filter(corpus_ctx: ServiceContext) -> None:
    a = ask(
        corpus_ctx,
        "Bộ nào chủ trì xây dựng Luật Công nghiệp công nghệ số?",
        filters=SearchFilters(doc=["03/NQ-CP"]),
    )
    assert a.citations
    assert {c.doc_number for c in a.citations} == {"03/NQ-CP"}


def test_date_filter(corpus_ctx: ServiceContext) -> None:
    # Only documents issued from September 2025 on: the four resolutions of that month and their programmes.
    a = ask(
        corpus_ctx,
        "tăng cường bảo vệ, chăm sóc sức khỏe nhân dân",
        filters=SearchFilters(date_from="2025-09"),
    )
    assert a.citations
    for c in a.citations:
        doc = corpus_ctx.store.get_document(c.doc_id, with_provisions=False)
        assert doc is not None and doc.meta.date is not None and doc.meta.date >= "2025-09-01", c


def test_filter_matching_nothing(corpus_ctx: ServiceContext) -> None:
    a = ask(corpus_ctx, Q_DAY, filters=SearchFilters(doc=["999-NQ/TW"]))
    assert a.citations == [] and not a.grounded and a.answer == NO_HITS_VI


def test_citations_keep_each_documents_order(corpus_ctx: ServiceContext) -> None:
    a = ask(corpus_ctx, "Bảo hiểm y tế, miễn viện phí và khám sức khỏe định kỳ miễn phí cho người dân")
    assert len(a.citations) >= 2
    ordinals: dict[str, list[int]] = {}
    for c in a.citations:
        prov = corpus_ctx.store.get_provision(c.provision_id)
        assert prov is not None
        ordinals.setdefault(c.doc_id, []).append(prov.ordinal)
    for doc_id, seq in ordinals.items():
        assert seq == sorted(seq), (doc_id, seq)
    # one document's citations are contiguous
    docs = [c.doc_id for c in a.citations]
    assert all(
        docs.index(d) + docs.count(d) - 1 == max(i for i, x in enumerate(docs) if x == d) for d in set(docs)
    )


def test_bad_input(corpus_ctx: ServiceContext) -> None:
    with pytest.raises(EmptyQuestion) as e:
        ask(corpus_ctx, "   ")
    assert e.value.code == "empty_question" and e.value.message_vi
    with pytest.raises(BadMode):
        ask(corpus_ctx, Q_DAY, mode="magic")


def test_sentence_spans_are_verbatim() -> None:
    # Real text: 72-NQ/TW, part III (1).
    text = (
        'Thống nhất chọn Ngày Sức khỏe thế giới 7/4 hằng năm là "Ngày Sức khỏe toàn dân". '
        "Mỗi người dân chủ động rèn luyện thân thể."
    )
    spans = sentence_spans(text)
    assert len(spans) == 2
    assert [text[a:b] for a, b in spans][0].endswith('toàn dân".')


def test_evidence_found_counts_subtree_and_ancestors() -> None:
    assert evidence_found(["71-NQ/TW:II.2.p1"], {"71-NQ/TW:II.2"}) == {"71-NQ/TW:II.2"}
    assert evidence_found(["57-NQ/TW:II"], {"57-NQ/TW:II.1.d3"}) == {"57-NQ/TW:II.1.d3"}
    assert evidence_found(["57-NQ/TW:II.10"], {"57-NQ/TW:II.1"}) == set()
    assert evidence_found(["03/NQ-CP:PL1.15"], {"57-NQ/TW:II.1.d3", "03/NQ-CP:PL1.15"}) == {"03/NQ-CP:PL1.15"}


# --- CLI -----------------------------------------------------------------------------------------


@pytest.fixture()
def cli_env(corpus_homes: tuple[Settings, Path], tmp_path: Path) -> dict[str, str]:
    """A copy of the pristine corpus home (the session's is locked by its open index)."""
    home = tmp_path / "home"
    shutil.copytree(corpus_homes[1], home)
    return {"NQDOC_HOME": str(home), "NQDOC_EMBED_MODEL": "fake", "NQDOC_LLM_BASE_URL": ""}


def test_cli_ask_json(cli_env: dict[str, str]) -> None:
    from service.cli import app

    r = CliRunner().invoke(app, ["ask", fold(Q_DAY), "--json"], env=cli_env)
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["grounded"] is True
    assert "72-NQ/TW:III.1.p2" in [c["provision_id"] for c in d["citations"]]


def test_cli_ask_stdin_filters_and_no_answer(cli_env: dict[str, str]) -> None:
    from service.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["ask", "-", "--doc", "72-NQ/TW"], input=Q_DAY + "\n", env=cli_env)
    assert r.exit_code == 0, r.output
    assert "72-NQ/TW:III.1.p2" in r.stdout and "7/4" in r.stdout
    r = runner.invoke(app, ["ask", NEGATIVES[0]], env=cli_env)
    assert r.exit_code == 1 and "Không tìm thấy" in r.stdout
    r = runner.invoke(app, ["ask", "-"], input="  \n", env=cli_env)
    assert r.exit_code == 2


def test_eval_ask_report_on_fake_index(
    corpus_settings: Settings, corpus_ctx: ServiceContext, tmp_path: Path
) -> None:
    """The eval runs end to end and writes a stamped report (plumbing; real numbers: real model)."""
    import eval.ask_eval as ask_eval

    out = tmp_path / "ask.json"
    report = ask_eval.evaluate_ask(corpus_settings, None, out=out, progress=False, ctx=corpus_ctx)
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["git_commit"] and saved["index_spec"]
    m = report["metrics"]
    assert m["all"]["accented"]["n"] == report["n_questions"] == 88
    # Measured 0.85 with the fake embedder; far lower means the plumbing broke.
    assert m["all"]["accented"]["evidence_rate"] >= 0.7
    assert m["negatives"]["no_answer_rate"] >= 0.75
    assert {"tune", "held_out", "all"} <= m.keys()


@pytest.mark.slow
def test_real_model_evidence_rate(corpus: Path, tmp_path: Path) -> None:
    """Acceptance: with the real model, expected evidence is cited for >= 80 % of the held-out questions."""
    import eval.ask_eval as ask_eval

    report = ask_eval.evaluate_ask(Settings(home=tmp_path / "home"), corpus, progress=False)
    held_out = report["metrics"]["held_out"]
    assert held_out["accented"]["evidence_rate"] >= 0.8, held_out
    assert held_out["no_diacritics"]["evidence_rate"] >= 0.7, held_out
    assert report["metrics"]["negatives"]["no_answer_rate"] >= 0.75
