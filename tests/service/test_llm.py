"""The generated-answer path against a real HTTP stub of an OpenAI-compatible server.

The stub (tests/service/a1_fixtures.py, SYNTHETIC replies) runs on 127.0.0.1 in a thread;
requests go through llama-index OpenAILike and the openai client over real HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from a1_fixtures import StubLLM, context_with, is_verbatim, mixed, prompt_provisions, running_stub

from service.answer import ask
from service.context import ServiceContext
from service.llm import NO_BASIS, SYSTEM_PROMPT, LlmUnavailable, split_claims

Q = "Ngày Sức khỏe toàn dân là ngày nào?"


@pytest.fixture()
def stub() -> Iterator[StubLLM]:
    with running_stub() as s:
        yield s


@pytest.fixture()
def llm_ctx(corpus_ctx: ServiceContext, stub: StubLLM) -> ServiceContext:
    return context_with(corpus_ctx, llm_base_url=stub.base_url, llm_model="stub-model", llm_api_key="k-123")


def test_split_claims() -> None:
    reply = (
        "<think>nháp</think>Ngày 7/4 hằng năm là Ngày Sức khỏe toàn dân. [72-NQ/TW:III.1.p2]\n"
        "- Chỉ tiêu đạt 2% GDP [57-NQ/TW:II.1.d3; 03/NQ-CP:PL1.15]. Câu không trích dẫn.\n"
        "Câu thứ tư.\n[57-NQ/TW:I.1]"
    )
    claims = split_claims(reply)
    assert [c.text for c in claims] == [
        "Ngày 7/4 hằng năm là Ngày Sức khỏe toàn dân.",
        "Chỉ tiêu đạt 2% GDP .",
        "Câu không trích dẫn.",
        "Câu thứ tư.",
    ]
    assert claims[0].cited == ["72-NQ/TW:III.1.p2"]
    assert claims[1].cited == ["57-NQ/TW:II.1.d3", "03/NQ-CP:PL1.15"]
    assert claims[2].cited == []
    assert claims[3].cited == [
        "57-NQ/TW:I.1"
    ]  # a citation alone on the next line belongs to the sentence before


def test_faithful_reply_is_grounded_and_cited(llm_ctx: ServiceContext, stub: StubLLM) -> None:
    a = ask(llm_ctx, Q, mode="llm")
    assert a.mode == "llm" and a.grounded and not a.unsupported
    req = stub.requests[-1]
    assert req["path"].endswith("/chat/completions")
    assert req["body"]["model"] == "stub-model" and req["auth"] == "Bearer k-123"
    assert req["body"]["messages"][0]["content"] == SYSTEM_PROMPT
    in_prompt = [pid for pid, _ in prompt_provisions(stub.last_prompt())]
    assert in_prompt and "72-NQ/TW:III.1.p2" in in_prompt
    assert a.citations
    for c in a.citations:
        assert c.provision_id in in_prompt  # only provisions the model was given
        assert is_verbatim(llm_ctx, c.provision_id, c.quote)
    assert f"[{a.citations[0].provision_id}]" in a.answer


def test_auto_mode_uses_the_endpoint_when_configured(llm_ctx: ServiceContext, stub: StubLLM) -> None:
    a = ask(llm_ctx, Q)  # mode="auto"
    assert a.mode == "llm" and len(stub.requests) == 1


def test_unsupported_sentences_and_invented_ids_are_flagged(llm_ctx: ServiceContext, stub: StubLLM) -> None:
    stub.reply = mixed
    a = ask(llm_ctx, Q, mode="llm")
    assert a.grounded is False
    assert len(a.unsupported) == 2
    reasons = {u.sentence: u.reason for u in a.unsupported}
    invented_figure = next(s for s in reasons if "97%" in s)
    invented_id = next(s for s in reasons if "sân bay vũ trụ" in s)
    assert "97" in reasons[invented_figure] or "2099" in reasons[invented_figure]
    assert "999-NQ/TW:IX.9" in reasons[invented_id]
    assert "97%" not in a.answer and "vũ trụ" not in a.answer  # flagged, not shown as fact
    assert a.citations and a.warnings
    d = a.as_dict()
    assert d["unsupported"][0]["reason"]


def test_no_basis_reply_falls_back_to_quotes(llm_ctx: ServiceContext, stub: StubLLM) -> None:
    stub.reply = lambda prompt: NO_BASIS + "."
    a = ask(llm_ctx, Q, mode="llm")
    assert a.mode == "extractive" and a.citations and a.warnings
    assert "72-NQ/TW:III.1.p2" in [c.provision_id for c in a.citations]


def test_endpoint_error(llm_ctx: ServiceContext, stub: StubLLM) -> None:
    stub.status = 500
    with pytest.raises(LlmUnavailable) as e:
        ask(llm_ctx, Q, mode="llm")
    assert e.value.code == "llm_unavailable" and e.value.http_status == 503
    a = ask(llm_ctx, Q, mode="auto")  # auto: falls back to the verbatim answer, with a warning
    assert a.mode == "extractive" and a.grounded and a.warnings


def test_no_answer_does_not_call_the_model(llm_ctx: ServiceContext, stub: StubLLM) -> None:
    a = ask(llm_ctx, "Giá vàng SJC hôm nay là bao nhiêu một lượng?", mode="llm")
    assert a.citations == [] and not a.grounded
    assert stub.requests == []


def test_llm_mode_without_endpoint(corpus_ctx: ServiceContext) -> None:
    ctx = context_with(corpus_ctx, llm_base_url="")
    with pytest.raises(LlmUnavailable):
        ask(ctx, Q, mode="llm")
