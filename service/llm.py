"""Generated answers through any OpenAI-compatible endpoint — checked, never taken on trust.

Optional: used when ``NQDOC_LLM_BASE_URL`` is set (a local vLLM, llama.cpp server, Ollama,
or a hosted service) with ``NQDOC_LLM_MODEL`` and ``NQDOC_LLM_API_KEY``. The model is called
through llama-index's ``OpenAILike`` and sees **only** the retrieved provisions, each under
its provision id; it must end every sentence with the ids it relies on.

Then every sentence of the reply is checked:

* each cited id must be one of the provisions the model was given (an invented or
  mistyped id does not count as support);
* the sentence must be supported by the text of the provisions it cites: every number in
  it appears there, and at least :data:`SUPPORT_COVERAGE` of its content words
  (IDF-weighted, without diacritics) do.

Supported sentences form the answer, and each citation carries the verbatim sentence of
the store that best supports it. Unsupported sentences are returned separately
(``Answer.unsupported``) with the reason — shown flagged, never as fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ingest.errors import NqdocError

if TYPE_CHECKING:
    from service.answer import Citation, Evidence, TermStats, Unit, Unsupported
    from service.context import ServiceContext

SUPPORT_COVERAGE = 0.6  # share of a sentence's (IDF-weighted) content words found in its cited text
MAX_PROMPT_PROVISIONS = 8
MAX_PROVISION_CHARS = 2000
NO_BASIS = "KHÔNG CÓ CĂN CỨ"

SYSTEM_PROMPT = (
    "Bạn là trợ lý tra cứu nghị quyết của Đảng và văn bản thực hiện của Nhà nước Việt Nam. "
    "Chỉ trả lời dựa trên các điều khoản được cung cấp dưới đây, không dùng hiểu biết bên ngoài. "
    "Trả lời bằng tiếng Việt, ngắn gọn, giữ nguyên số liệu và thời hạn như trong văn bản. "
    "Cuối MỖI câu ghi mã điều khoản làm căn cứ trong ngoặc vuông, đúng như mã được cung cấp, "
    "ví dụ [57-NQ/TW:II.1]; nhiều căn cứ thì ghi [mã 1; mã 2]. "
    f"Nếu các điều khoản không trả lời được câu hỏi, chỉ viết: {NO_BASIS}."
)

_CITE = re.compile(r"\[([^\[\]\n]{1,300})\]")
_PLACEHOLDER = re.compile(r"⟦(\d+)⟧")
_SENT_END = re.compile(r"[.!?…]+((?:\s*⟦\d+⟧)*)(?=\s|$)")
_BULLET = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+")
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


class LlmUnavailable(NqdocError):
    """The OpenAI-compatible endpoint is not configured, unreachable or answered with an error."""

    code = "llm_unavailable"
    http_status = 503


@dataclass(slots=True)
class LlmResult:
    answer: str
    citations: list[Citation]
    grounded: bool
    unsupported: list[Unsupported] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ClaimedSentence:
    """One sentence of the model's reply with the provision ids it cites."""

    text: str
    cited: list[str]


def split_claims(reply: str) -> list[ClaimedSentence]:
    """Cut a reply into sentences, each with its ``[id; id]`` citations.

    Citations are set aside before cutting (provision ids contain dots); a citation
    standing after the full stop, or alone on the next line, belongs to the sentence before.
    """
    reply = _THINK.sub(" ", reply)
    cites: list[str] = []

    def protect(m: re.Match[str]) -> str:
        cites.append(m.group(1))
        return f" ⟦{len(cites) - 1}⟧"

    protected = _CITE.sub(protect, reply)
    pieces: list[str] = []
    for line in protected.splitlines():
        line = _BULLET.sub("", line).strip()
        if not line:
            continue
        start = 0
        for m in _SENT_END.finditer(line):
            pieces.append(line[start : m.end()].strip())
            start = m.end()
        if line[start:].strip():
            pieces.append(line[start:].strip())
    out: list[ClaimedSentence] = []
    for piece in pieces:
        ids = [
            i.strip()
            for n in _PLACEHOLDER.findall(piece)
            for i in re.split(r"[;,]", cites[int(n)])
            if i.strip()
        ]
        text = " ".join(_PLACEHOLDER.sub(" ", piece).split())
        if not re.search(r"\w", text):  # only citations: they belong to the sentence before
            if out:
                out[-1].cited.extend(i for i in ids if i not in out[-1].cited)
            continue
        out.append(ClaimedSentence(text, list(dict.fromkeys(ids))))
    return out


def _norm_numbers(text: str) -> set[str]:
    return {n.replace(",", ".").rstrip(".") for n in re.findall(r"\d+(?:[.,]\d+)*", text)}


def resolve_id(cited: str, allowed: dict[str, Unit | None]) -> str | None:
    """The allowed provision id a citation names (exactly, or by its part after ``:`` when unique)."""
    cited = cited.strip().strip("“”\"'")
    if cited in allowed:
        return cited
    tails = [pid for pid in allowed if pid.split(":", 1)[-1] == cited]
    return tails[0] if len(tails) == 1 else None


def check_sentence(
    sentence: ClaimedSentence, units_by_prov: dict[str, list[Unit]], stats: TermStats
) -> tuple[list[str], str | None]:
    """(valid cited ids, reason it is unsupported or ``None``)."""
    from service.answer import content_words, coverage, term_set

    allowed: dict[str, Unit | None] = dict.fromkeys(units_by_prov)
    valid = [pid for c in sentence.cited if (pid := resolve_id(c, allowed)) is not None]
    valid = list(dict.fromkeys(valid))
    invalid = [c for c in sentence.cited if resolve_id(c, allowed) is None]
    if not sentence.cited:
        return [], "không có trích dẫn (no citation)"
    if not valid:
        return [], f"trích dẫn không có trong các điều khoản đã tìm được: {', '.join(invalid)}"
    cited_text = " ".join(f"{u.context} {u.text}" for pid in valid for u in units_by_prov[pid])
    missing = _norm_numbers(sentence.text) - _norm_numbers(cited_text)
    if missing:
        return valid, f"số liệu không có trong văn bản được trích: {', '.join(sorted(missing))}"
    cov = coverage(content_words(sentence.text), term_set(cited_text), stats)
    if cov < SUPPORT_COVERAGE:
        return valid, f"nội dung không khớp văn bản được trích (độ khớp {cov:.2f})"
    return valid, None


def build_prompt(question: str, provisions: list[tuple[str, str, str]]) -> str:
    """The user message: the question, then each provision as ``[id] (số hiệu › headings)`` + text."""
    blocks = [f"[{pid}] ({where})\n{text}" for pid, where, text in provisions]
    return f"Câu hỏi: {question}\n\nCác điều khoản:\n\n" + "\n\n".join(blocks)


def _prompt_provisions(ev: Evidence) -> dict[str, list[Unit]]:
    """The best candidate provisions (by their best sentence), with all their sentences."""
    by_prov: dict[str, list[Unit]] = {}
    for u in ev.units:
        by_prov.setdefault(u.provision.id, []).append(u)
    ranked = sorted(by_prov, key=lambda pid: -max(u.score for u in by_prov[pid]))
    return {pid: sorted(by_prov[pid], key=lambda u: u.pos) for pid in ranked[:MAX_PROMPT_PROVISIONS]}


def make_llm(settings: Any) -> Any:
    """llama-index ``OpenAILike`` for the configured endpoint."""
    if not settings.llm_base_url:
        raise LlmUnavailable(
            "no LLM endpoint configured (set NQDOC_LLM_BASE_URL)",
            message_vi="chưa cấu hình mô hình ngôn ngữ (NQDOC_LLM_BASE_URL)",
        )
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=settings.llm_model or "default",
        api_base=settings.llm_base_url,
        api_key=settings.llm_api_key or "not-needed",
        is_chat_model=True,
        context_window=16384,
        temperature=0.0,
        max_tokens=800,
        max_retries=1,
        timeout=120.0,
    )


def generate_answer(ctx: ServiceContext, question: str, ev: Evidence) -> LlmResult:
    """Ask the model over the retrieved provisions and keep only what the provisions support."""
    from llama_index.core.llms import ChatMessage

    from service.answer import Unsupported, citations_of, content_words, coverage, term_set, term_stats

    units_by_prov = _prompt_provisions(ev)
    provisions = []
    for pid, us in units_by_prov.items():
        u = us[0]
        text = " ".join(x.text for x in us)
        provisions.append((pid, u.context, text[:MAX_PROVISION_CHARS]))
    llm = make_llm(ctx.settings)
    messages = [
        ChatMessage(role="system", content=SYSTEM_PROMPT),
        ChatMessage(role="user", content=build_prompt(question, provisions)),
    ]
    try:
        reply = llm.chat(messages).message.content or ""
    except Exception as e:  # openai/httpx raise many types; the user needs one clear error
        raise LlmUnavailable(
            f"the LLM endpoint {ctx.settings.llm_base_url} failed: {type(e).__name__}: {e}",
            message_vi="không gọi được mô hình ngôn ngữ",
        ) from e
    if NO_BASIS.lower() in reply.lower() and len(reply.strip()) < len(NO_BASIS) + 20:
        return LlmResult(
            "", [], False, warnings=["Mô hình ngôn ngữ không tìm thấy căn cứ trong các điều khoản."]
        )

    stats = term_stats(ctx)
    kept: list[str] = []
    support: list[Unit] = []
    unsupported: list[Unsupported] = []
    for claim in split_claims(reply):
        valid, reason = check_sentence(claim, units_by_prov, stats)
        if reason is not None:
            unsupported.append(Unsupported(claim.text, claim.cited, reason))
            continue
        kept.append(f"{claim.text} [{'; '.join(valid)}]")
        words = content_words(claim.text)
        for pid in valid:  # the stored sentence of each cited provision that best backs the claim
            best = max(units_by_prov[pid], key=lambda u: coverage(words, term_set(u.text), stats))
            if best not in support:
                support.append(best)
    warnings = []
    if unsupported:
        warnings.append(
            f"{len(unsupported)} câu trong câu trả lời sinh ra không được văn bản xác nhận; "
            "đã tách riêng (unsupported), không coi là thông tin chính thức."
        )
    return LlmResult(
        " ".join(kept),
        citations_of(support) if kept else [],
        bool(kept) and not unsupported,
        unsupported,
        warnings,
    )
