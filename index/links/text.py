"""Lexical evidence for links: key terms, figures, and the human-readable reason strings.

Key terms are pairs of neighbouring syllables (most Vietnamese words are two syllables:
*dữ liệu*, *trung tâm*, *nhân lực*) in the accented index form, skipping function words, and
weighted by how rare they are in the linkable corpus (IDF) — so *trung tâm dữ liệu* counts,
*phát triển* barely does.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ingest.models import Provision
from ingest.normalize import index_form
from ingest.tasks.extract import table_columns
from ingest.tasks.targets import indicator_columns

_SYL = re.compile(r"[^\W\d_]+", re.UNICODE)
# Function words and the boilerplate of every task ("xây dựng, ban hành, triển khai …").
_STOP = frozenset(
    """
và của các cho trong với để theo được có là những một số về từ đến tại trên khi này đó như
hoặc nhằm bảo đảm đảm đối vào ra thì mà đã sẽ cần phải nhất gắn hơn rất cùng việc sự nào
xây dựng ban hành triển khai thực hiện tổ chức nghiên cứu rà soát sửa đổi bổ sung hoàn thiện
tăng cường đẩy mạnh nâng cao phát huy tiếp tục khẩn trương chủ trì phối hợp quy định
""".split()
)
# Figures a target is stated in: 25%, 2% GDP, 90 ngày, 150 - 170 triệu; years kept apart.
_FIGURE = re.compile(
    r"(?<![\w.,])(\d+(?:[.,]\d+)?(?:\s*[-–]\s*\d+(?:[.,]\d+)?)?)\s*(%|phần trăm)", re.IGNORECASE
)
_YEAR = re.compile(r"\b(20\d\d)\b")


def task_text(p: Provision) -> str:
    """What a provision says, without table scaffolding: the task cell of a row, else its text.

    The task column is found as the task tables' extractor finds it (:func:`table_columns`:
    "Tên nhiệm vụ", "Nhiệm vụ", "Nội dung công việc"…, any case); an indicator table's row is its
    "Chỉ tiêu" cell; otherwise the first cell that is not a bare number.
    """
    if p.fields:
        key = table_columns(p.fields).get("task")
        if key and p.fields.get(key):
            return p.fields[key]
        key = indicator_columns(p.fields)["indicator"]
        if key and p.fields.get(key):
            return p.fields[key]
        first = next((v for v in p.fields.values() if v and not _BARE_NUMBER.match(v.strip())), "")
        return first or p.text
    return p.text


_BARE_NUMBER = re.compile(r"^(?:\d+|[IVXLC]+)[.)]?$")


def terms(text: str) -> set[str]:
    """Key terms of a text: neighbouring non-function syllable pairs, accented index form."""
    out: set[str] = set()
    run: list[str] = []
    for syl in _SYL.findall(index_form(text)) + [""]:
        if not syl or syl in _STOP or len(syl) < 2:
            out.update(f"{a} {b}" for a, b in zip(run, run[1:], strict=False))
            run = []
        else:
            run.append(syl)
    return out


def _joined(ms: list[re.Match[str]]) -> str:
    return " ".join(m.group() for m in ms)


def phrases(
    text: str, shared: Iterable[str], idf: Callable[[str], float], n: int = 5, other: str | None = None
) -> list[str]:
    """The shared key terms as a reader finds them in ``text``: runs of overlapping terms joined.

    Key terms are syllable pairs, so "an ninh năng lượng quốc gia" shares «an ninh», «ninh năng»,
    «năng lượng», «lượng quốc», «quốc gia» with another text; shown one by one they read as
    fragments. Consecutive shared pairs are joined into the phrase of ``text`` they cover
    (punctuation between them kept: "lãnh đạo, chỉ đạo"), phrases ranked by the IDF of their
    terms, the ``n`` best returned (none that only repeats part of a better one). With ``other``
    (the text the terms are shared with), a run is cut where ``other`` does not have it whole,
    so that a reader finds every shown phrase in both texts.
    """
    keep = set(shared)
    if not keep:
        return []
    t = index_form(text)
    there = f" {' '.join(_SYL.findall(index_form(other)))} " if other is not None else None
    found: dict[str, float] = {}

    def emit(ms: list[re.Match[str]]) -> None:
        """One run of shared pairs (``ms`` its syllables), cut into pieces ``other`` has whole."""

        def end(a: int) -> int:  # the last syllable of the longest piece from ``a`` that ``other`` has
            b = len(ms) - 1
            while there is not None and b > a + 1 and f" {_joined(ms[a : b + 1])} " not in there:
                b -= 1
            return b

        a = 0
        while a < len(ms) - 1:
            b = end(a)
            span = " ".join(t[ms[a].start() : ms[b].end()].split())
            weight = sum(idf(f"{ms[k].group()} {ms[k + 1].group()}") for k in range(a, b))
            found[span] = max(found.get(span, 0.0), weight)
            # the next piece starts on the last pair when that makes it longer ("dữ liệu quốc gia")
            a = b - 1 if b - 1 > a and b < len(ms) - 1 and end(b - 1) > b else b

    def close(run: list[re.Match[str]]) -> None:
        start = None
        for k in range(len(run)):
            pair = f"{run[k].group()} {run[k + 1].group()}" if k + 1 < len(run) else None
            if pair in keep:
                start = k if start is None else start
            elif start is not None:
                emit(run[start : k + 1])
                start = None

    run: list[re.Match[str]] = []
    for m in _PHRASE_TOKEN.finditer(t):  # a figure or a sentence mark ends a phrase: "2%" is not shared
        syl = m.group()
        if syl in _STOP or len(syl) < 2 or not syl.isalpha():
            close(run)
            run = []
        else:
            run.append(m)
    close(run)
    out: list[str] = []
    shown: list[str] = []
    for x in sorted(found, key=lambda x: (-found[x], x)):  # a phrase inside a shown one adds nothing
        words = f" {' '.join(_SYL.findall(x))} "
        if not any(words in y for y in shown):
            out.append(x)
            shown.append(words)
    return out[:n]


# Syllables, figures and the marks that end a phrase (a comma or a dash does not: "lãnh đạo, chỉ đạo").
_PHRASE_TOKEN = re.compile(r"[^\W\d_]+|\d+|[.;:!?()\[\]\"“”]")


# Clause boundaries inside a provision: after ``.``, ``;``, ``:``, ``!`` or ``?``, and line breaks.
_CLAUSE_END = re.compile(r"(?<=[.;:!?])\s+|\n+")
CLAUSE_MIN_WORDS = 5


def clauses(text: str) -> list[str]:
    """The clauses of a provision (verbatim, list bullets trimmed), each of at least 5 words.

    A long provision of a resolution lists several tasks separated by ``;`` or sentences;
    ``related`` links compare clause with clause so that a link names the one task two
    resolutions share. Shorter fragments (a heading number, "chính sách xã hội hoá.") are
    dropped; a text with no clause that long is one clause.
    """
    out = []
    for c in _CLAUSE_END.split(text.strip()):
        c = c.strip(" -–•+")
        if len(c.split()) >= CLAUSE_MIN_WORDS:
            out.append(c)
    return out or [text.strip()]


def figures(text: str) -> list[float]:
    """Percent figures in a text (lower bound of a range), e.g. ``≥ 80%`` → 80.0."""
    out = []
    for m in _FIGURE.finditer(text):
        low = re.split(r"\s*[-–]\s*", m.group(1))[0].replace(",", ".")
        try:
            out.append(float(low))
        except ValueError:
            continue
    return out


def years(text: str) -> set[str]:
    return set(_YEAR.findall(text))


@dataclass
class TermStats:
    """Document frequencies of key terms over the linkable provisions (for IDF weights)."""

    df: Counter[str]
    n: int

    @classmethod
    def build(cls, term_sets: Iterable[set[str]]) -> TermStats:
        df: Counter[str] = Counter()
        n = 0
        for ts in term_sets:
            df.update(ts)
            n += 1
        return cls(df, max(n, 1))

    def idf(self, term: str) -> float:
        return math.log((self.n + 1) / (self.df.get(term, 0) + 1)) + 1.0

    def overlap(self, a: set[str], b: set[str]) -> tuple[float, list[str]]:
        """IDF-weighted cosine of two term sets and the shared terms, rarest first."""
        if not a or not b:
            return 0.0, []
        shared = a & b
        if not shared:
            return 0.0, []
        num = sum(self.idf(t) ** 2 for t in shared)
        den = math.sqrt(sum(self.idf(t) ** 2 for t in a) * sum(self.idf(t) ** 2 for t in b))
        return num / den, sorted(shared, key=lambda t: (-self.idf(t), t))


def short(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"
