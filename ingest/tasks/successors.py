"""Agencies renamed or merged (the 2025 reorganisation), mapped only where a text says so.

A *succession* maps an agency to the one that carries its duties now. Two sources, nothing else
(no mapping comes from background knowledge):

* **the documents in the store** — sentences that state it, read by :func:`successions_in_text`:
  ``Khi Đảng đoàn Quốc hội kết thúc hoạt động, Đảng ủy Quốc hội được thành lập thì Đảng ủy Quốc
  hội tiếp tục …`` (3260-KH/ĐĐQH15), ``X (nay là Y)``, ``X đổi tên thành Y``, ``hợp nhất X và Y
  thành Z``, ``sáp nhập X vào Y``, ``Y tiếp nhận (nguyên trạng) chức năng, nhiệm vụ của X``; each
  keeps the provision id and the sentence that states it;
* **an opt-in data file**, ``successors.yaml`` beside this module (empty by default), where a
  user may add mappings with the source they rely on (see the comments in that file).

Records keep the agency the document names; ``lead_current`` and the agency filter use the map.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from ingest.errors import NqdocError
from ingest.normalize import fold
from ingest.tasks.agencies import Mention, agencies_in, find_agencies

SUCCESSORS_FILE = Path(__file__).with_name("successors.yaml")


class InvalidSuccessors(NqdocError):
    code = "invalid_successors"


@dataclass(frozen=True, slots=True)
class Succession:
    """``old`` -> ``new`` (canonical names), with where it is stated."""

    old: str
    new: str
    source: str  # provision id ("3260-KH/ĐĐQH15:preamble.p7") or the source a user gave in the YAML
    quote: str  # the sentence that states it (verbatim from the store), or the user's note
    origin: Literal["document", "config"] = "document"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# Keywords that state a succession. Names around them are found with the agency table
# (:func:`ingest.tasks.agencies.find_agencies`), so names with commas inside stay whole.
_KHI = re.compile(r"\bKhi\s+(?P<olds>.{3,200}?)\s+kết thúc hoạt động\b,?", re.IGNORECASE)
_NAY_LA = re.compile(r"\s*\(\s*nay là\s+", re.IGNORECASE)
_DOI_TEN = re.compile(r"\s+(?:được\s+)?đổi tên thành\s+", re.IGNORECASE)
_HOP_NHAT_THANH = re.compile(r"\s+(?:được\s+)?(?:hợp nhất|sáp nhập)\s+thành\s+", re.IGNORECASE)
_HOP_NHAT = re.compile(r"\b(?:hợp nhất|sáp nhập)\s+(?P<olds>.{3,300}?)\s+(?:thành|vào)\s+", re.IGNORECASE)
_TIEP_NHAN = re.compile(
    r"\s+tiếp nhận\s+(?:nguyên trạng\s+)?(?:các\s+)?chức năng,\s*nhiệm vụ[^.;]{0,80}?\s+của\s+", re.IGNORECASE
)
_LIST_GAP = re.compile(r"^\s*(?:,|và|,\s*và)?\s*$")


def _ending_at(ms: list[Mention], text: str, pos: int) -> list[Mention]:
    """The list of agencies (``X, Y và Z``) that ends right before ``pos``."""
    last = next((m for m in reversed(ms) if m.end <= pos and not text[m.end : pos].strip()), None)
    if last is None:
        return []
    out = [last]
    for m in reversed(ms[: ms.index(last)]):
        if m.end <= out[0].start and _LIST_GAP.match(text[m.end : out[0].start]):
            out.insert(0, m)
        else:
            break
    return out


def _starting_at(ms: list[Mention], text: str, pos: int) -> Mention | None:
    return next(
        (m for m in ms if m.start >= pos and re.fullmatch(r"\s*(?:các\s+)?", text[pos : m.start])), None
    )


def _within(ms: list[Mention], a: int, b: int) -> list[Mention]:
    return [m for m in ms if a <= m.start and m.end <= b]


def successions_in_text(text: str, source: str = "") -> list[Succession]:
    """Successions a text states itself (see the module doc for the forms read)."""
    ms = find_agencies(text)
    found: list[tuple[list[Mention], Mention | None, int, int]] = []  # olds, new, span
    for m in _KHI.finditer(text):  # "Khi X kết thúc hoạt động, Y được thành lập thì Y tiếp tục"
        tail = text[m.end() : m.end() + 300]
        if re.search(r"tiếp tục|kế thừa|tiếp nhận", tail.split(".")[0], re.IGNORECASE):
            found.append(
                (
                    _within(ms, m.start("olds"), m.end("olds")),
                    _starting_at(ms, text, m.end()),
                    m.start(),
                    m.end(),
                )
            )
    for rx in (_NAY_LA, _DOI_TEN, _HOP_NHAT_THANH):  # "X (nay là Y)", "X đổi tên thành Y" …
        for m in rx.finditer(text):
            found.append(
                (_ending_at(ms, text, m.start()), _starting_at(ms, text, m.end()), m.start(), m.end())
            )
    for m in _HOP_NHAT.finditer(text):  # "hợp nhất X và Y thành Z", "sáp nhập X vào Y"
        found.append(
            (_within(ms, m.start("olds"), m.end("olds")), _starting_at(ms, text, m.end()), m.start(), m.end())
        )
    for m in _TIEP_NHAN.finditer(text):  # "Y tiếp nhận chức năng, nhiệm vụ … của X"
        news = _ending_at(ms, text, m.start())
        old = _starting_at(ms, text, m.end())
        if len(news) == 1 and old is not None:
            found.append(([old], news[0], m.start(), m.end()))
    out: list[Succession] = []
    for olds, new, a, b in found:
        if new is None:
            continue
        quote = _sentence_around(text, a, b)
        for old in olds:
            if old.name != new.name and not any((s.old, s.new) == (old.name, new.name) for s in out):
                out.append(Succession(old.name, new.name, source, quote))
    return out


def _sentence_around(text: str, start: int, end: int) -> str:
    """The sentence(s) of ``text`` (underthesea spans) that hold ``start:end``, verbatim."""
    from ingest.segment import sentence_spans

    spans = [(a, b) for a, b in sentence_spans(text) if a < end and b > start] or [(start, end)]
    return text[spans[0][0] : spans[-1][1]].strip()


def successions_of(provisions: Iterable[Any]) -> list[Succession]:
    """Every succession stated by a document's provisions (objects with ``id`` and ``text``)."""
    out: list[Succession] = []
    for p in provisions:
        if not p.text or not re.search(
            r"kết thúc hoạt động|nay là|đổi tên|hợp nhất|sáp nhập|tiếp nhận", p.text, re.IGNORECASE
        ):
            continue
        for s in successions_in_text(p.text, p.id):
            if not any((x.old, x.new) == (s.old, s.new) for x in out):
                out.append(s)
    return out


@lru_cache(maxsize=4)
def _load_config(path: Path, mtime: float) -> tuple[Succession, ...]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise InvalidSuccessors(
            f"{path}: not valid YAML: {e}",
            message_vi=f"Tệp {path.name} không đúng cú pháp YAML: {e}",
        ) from None
    items = data.get("successors") or [] if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InvalidSuccessors(
            f"{path}: expected a mapping with a list 'successors'",
            message_vi=f"Tệp {path.name} phải có khóa «successors» là một danh sách.",
        )
    out: list[Succession] = []
    for i, it in enumerate(items, 1):
        if not isinstance(it, dict) or not all(
            isinstance(it.get(k), str) and it[k].strip() for k in ("old", "new", "source")
        ):
            raise InvalidSuccessors(
                f"{path}: entry {i} needs non-empty 'old', 'new' and 'source'",
                message_vi=f"Tệp {path.name}, mục {i}: cần đủ «old», «new» và «source» (nguồn căn cứ).",
            )
        old = (agencies_in(it["old"]) or [it["old"].strip()])[0]
        new = (agencies_in(it["new"]) or [it["new"].strip()])[0]
        out.append(Succession(old, new, it["source"].strip(), str(it.get("note") or ""), "config"))
    return tuple(out)


def configured_successions(path: Path | None = None) -> list[Succession]:
    """The mappings a user added to ``successors.yaml`` (none by default)."""
    p = path or SUCCESSORS_FILE
    if not p.is_file():
        return []
    return list(_load_config(p, p.stat().st_mtime))


class SuccessorMap:
    """Old -> new agency names, following chains (A -> B -> C gives C), cycles ignored."""

    def __init__(self, successions: Sequence[Succession]) -> None:
        self.by_old: dict[str, Succession] = {}
        for s in successions:
            self.by_old.setdefault(s.old, s)

    def chain(self, name: str) -> list[Succession]:
        out: list[Succession] = []
        seen = {name}
        while name in self.by_old:
            s = self.by_old[name]
            if s.new in seen:
                break
            out.append(s)
            seen.add(s.new)
            name = s.new
        return out

    def current(self, name: str) -> str:
        c = self.chain(name)
        return c[-1].new if c else name

    def current_names(self, names: Sequence[str]) -> list[str]:
        """The agencies that carry these duties now, in order, deduplicated."""
        return list(dict.fromkeys(self.current(n) for n in names))


@dataclass(frozen=True, slots=True)
class AgencyMatch:
    """How an agency filter matched a record: directly, or through a stated succession."""

    query: str
    agency: str  # the record's agency that matched
    via: Literal["name", "successor"]
    successions: tuple[Succession, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "agency": self.agency,
            "via": self.via,
            "successions": [s.as_dict() for s in self.successions],
        }


def match_agency(query: str, names: Sequence[str], smap: SuccessorMap | None = None) -> AgencyMatch | None:
    """Does ``query`` (any alias, any case, with or without diacritics) name one of ``names``?

    Also true, with ``via="successor"``, when the query and a record's agency lead to the same
    current agency through successions a document (or the user's YAML) states.
    """
    q = agencies_in(query)
    for n in names:
        if n in q:
            return AgencyMatch(query, n, "name")
    fq = fold(query).strip()
    for n in names:
        if fq and fq in fold(n):
            return AgencyMatch(query, n, "name")
    if smap is None:
        return None
    for n in names:
        n_chain = smap.chain(n)
        for qn in q:
            q_chain = smap.chain(qn)
            if smap.current(n) == smap.current(qn) and (n_chain or q_chain):
                return AgencyMatch(query, n, "successor", tuple(n_chain + q_chain))
    return None
