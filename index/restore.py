"""Diacritic restoration of queries typed without accents, learnt from the stored corpus.

People often type "muc tieu giao duc den nam 2035" for *mục tiêu giáo dục đến năm 2035*.
The folded sparse vector still matches such a query, but the e5 dense model reads folded
Vietnamese poorly and the accented sparse vector cannot match it at all. This module puts
the diacritics back:

* **model** — counts of syllable unigrams and bigrams over the stored segments (plus, once
  per entry, the words of underthesea's Viet74K dictionary: see :func:`lexicon_words`), in index
  form (lower case, canonical tone marks), each syllable reachable from its folded form
  (``giao`` → ``giáo``, ``giao``, ``giào``…). Tokens holding a digit (``2030``,
  ``57-nq/tw``) are one class ``<num>``. A bigram chain stops at punctuation.
* **decoding** — Viterbi over the candidates of each syllable with an interpolated
  bigram language model (interpolated Kneser-Ney by default, Witten-Bell as the
  alternative; see :data:`SMOOTHINGS`). A syllable never seen in the corpus, a number or
  a code is kept exactly as typed; a syllable typed with diacritics is kept as typed and
  conditions its neighbours.
* **persistence** — ``restore_lm.json`` under ``NQDOC_HOME``, keyed by the set of the
  store's source content hashes; when the store changes the model is rebuilt (a few
  seconds for the shared corpus: one pass of counting over the segments and the lexicon).

A query is restored only when it is (mostly) typed without diacritics: when at least
:data:`ACCENTED_SHARE` of its syllables carry a diacritic it is taken as written (in
ordinary Vietnamese text most syllables carry one).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import math
import os
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ingest.normalize import fold, index_form, nfc
from ingest.settings import Settings
from ingest.store import Store

# Part of the model file's key: change it whenever tokens or counts change.
MODEL_VERSION = "syllable-bigram+viet74k-v1"
MODEL_FILE = "restore_lm.json"
NUM = "<num>"
BOS, EOS = "<s>", "</s>"
# At least this share of a query's syllables carry diacritics: it was typed with accents.
ACCENTED_SHARE = 0.5
# Candidates kept per folded syllable (the most frequent accented forms).
MAX_CANDIDATES = 12

Smoothing = Literal["witten_bell", "kneser_ney"]
# The default was chosen on held-out corpus documents (leave a quarter of the documents out,
# restore 60 of their segments, 4 folds; syllable accuracy): Witten-Bell 0.973, Kneser-Ney
# 0.966, Witten-Bell + lexicon 0.969, Kneser-Ney + lexicon 0.973 — not on the gold questions.
SMOOTHINGS: tuple[Smoothing, ...] = ("witten_bell", "kneser_ney")
DEFAULT_SMOOTHING: Smoothing = "kneser_ney"
KN_DISCOUNT = 0.75

# A token: a run of letters/digits, possibly joined by - / . (``57-NQ/TW``, ``2.5``).
_TOKEN = re.compile(r"[^\W_]+(?:[-/.][^\W_]+)*")
_SYLLABLE = re.compile(r"[^\W\d_]+")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class Piece:
    """One unit of a text for the language model: a syllable or a ``<num>`` token."""

    start: int
    end: int
    text: str  # as written
    fixed: bool  # keep as written (has diacritics, number/code)
    lm: str  # the LM token when fixed (index form or ``<num>``)


@functools.lru_cache(maxsize=65536)
def _syllable(syl: str) -> tuple[bool, str]:
    """(typed with a diacritic?, index form) of one syllable."""
    return fold(syl) != syl.lower(), index_form(syl)


def pieces(text: str) -> list[list[Piece]]:
    """Chains of pieces of ``text`` (a chain breaks wherever punctuation stands between tokens)."""
    chains: list[list[Piece]] = []
    chain: list[Piece] = []
    last_end = 0
    for m in _TOKEN.finditer(text):
        gap = text[last_end : m.start()]
        if chain and gap.strip():
            chains.append(chain)
            chain = []
        tok = m.group(0)
        if _DIGIT.search(tok):
            chain.append(Piece(m.start(), m.end(), tok, True, NUM))
        else:
            # "giáo dục/đào tạo": the parts of a non-numeric compound are syllables of their own.
            for s in _SYLLABLE.finditer(tok):
                syl = s.group(0)
                accented, lm = _syllable(syl)
                chain.append(Piece(m.start() + s.start(), m.start() + s.end(), syl, accented, lm))
        last_end = m.end()
    if chain:
        chains.append(chain)
    return chains


def accented_share(text: str) -> float:
    """Share of the syllables of ``text`` that carry a diacritic (0.0 when it has none)."""
    syls = [p for chain in pieces(nfc(text)) for p in chain if p.lm != NUM]
    return sum(p.fixed for p in syls) / len(syls) if syls else 0.0


def needs_restoration(text: str) -> bool:
    """True when ``text`` has syllables and looks typed (mostly) without diacritics."""
    syls = [p for chain in pieces(nfc(text)) for p in chain if p.lm != NUM]
    return bool(syls) and sum(p.fixed for p in syls) / len(syls) < ACCENTED_SHARE


@dataclass
class RestoreModel:
    """Syllable unigram/bigram counts (index form) and the candidates of each folded syllable."""

    unigrams: Counter[str]
    bigrams: Counter[tuple[str, str]]
    key: str = ""
    smoothing: Smoothing = DEFAULT_SMOOTHING
    candidates: dict[str, list[str]] = field(init=False)
    _hist: Counter[str] = field(init=False)
    _followers: Counter[str] = field(init=False)
    _cont: Counter[str] = field(init=False)
    _n_bigram_types: int = field(init=False)
    _total: int = field(init=False)

    def __post_init__(self) -> None:
        by_fold: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for w, c in self.unigrams.items():
            if w not in (NUM, BOS, EOS):
                by_fold[fold(w)].append((c, w))
        self.candidates = {
            f: [w for _, w in sorted(ws, reverse=True)[:MAX_CANDIDATES]] for f, ws in by_fold.items()
        }
        self._hist = Counter()
        self._followers = Counter()
        self._cont = Counter()
        for (a, b), c in self.bigrams.items():
            self._hist[a] += c
            self._followers[a] += 1
            self._cont[b] += 1
        self._n_bigram_types = max(len(self.bigrams), 1)
        self._total = sum(self.unigrams.values())

    # --- counting -------------------------------------------------------------------------------
    @classmethod
    def from_texts(
        cls, texts: Iterable[str], key: str = "", smoothing: Smoothing = DEFAULT_SMOOTHING
    ) -> RestoreModel:
        """Count syllables and syllable pairs of ``texts`` (written with diacritics)."""
        uni, bi = count_texts(texts)
        return cls(uni, bi, key, smoothing)

    # --- probabilities --------------------------------------------------------------------------
    def _p_uni(self, w: str) -> float:
        if self.smoothing == "kneser_ney":
            return (self._cont[w] + 1.0) / (self._n_bigram_types + len(self.unigrams) + 1)
        return (self.unigrams[w] + 1.0) / (self._total + len(self.unigrams) + 1)

    def logp(self, prev: str, w: str) -> float:
        """log P(w | prev): bigram interpolated with the unigram distribution."""
        pu = self._p_uni(w)
        h = self._hist[prev]
        if h == 0:
            return math.log(pu)
        c = self.bigrams.get((prev, w), 0)
        t = self._followers[prev]
        if self.smoothing == "kneser_ney":
            p = max(c - KN_DISCOUNT, 0.0) / h + KN_DISCOUNT * t / h * pu
        else:  # Witten-Bell
            p = (c + t * pu) / (h + t)
        return math.log(p)

    # --- decoding -------------------------------------------------------------------------------
    def _options(self, p: Piece) -> list[str]:
        if p.fixed:
            return [p.lm]
        return self.candidates.get(fold(p.text), [p.text.lower()])

    def decode(self, chain: list[Piece]) -> list[str]:
        """Most likely index-form syllable of each piece (Viterbi over the candidates)."""
        options = [self._options(p) for p in chain]
        # best[state] = (log prob, back-pointer index into previous options)
        prev_scores = {BOS: 0.0}
        prev_states = [BOS]
        back: list[list[int]] = []
        for opts in options:
            scores: dict[str, float] = {}
            ptr: list[int] = []
            for w in opts:
                best_i, best_s = 0, -math.inf
                for i, ps in enumerate(prev_states):
                    s = prev_scores[ps] + self.logp(ps, w)
                    if s > best_s:
                        best_i, best_s = i, s
                scores[w] = best_s
                ptr.append(best_i)
            back.append(ptr)
            prev_scores, prev_states = scores, opts
        last = max(
            range(len(prev_states)),
            key=lambda i: prev_scores[prev_states[i]] + self.logp(prev_states[i], EOS),
        )
        out = [""] * len(options)
        for pos in range(len(options) - 1, -1, -1):
            out[pos] = options[pos][last]
            last = back[pos][last]
        return out

    def restore(self, text: str, *, force: bool = False) -> str:
        """``text`` with diacritics put back on its unaccented syllables (the rest untouched).

        Unless ``force``, a text typed (mostly) with diacritics is returned as it is.
        """
        text = nfc(text)
        if not force and not needs_restoration(text):
            return text
        out: list[str] = []
        last = 0
        for chain in pieces(text):
            for p, w in zip(chain, self.decode(chain), strict=True):
                out.append(text[last : p.start])
                out.append(p.text if p.fixed else _with_case(w, p.text))
                last = p.end
        out.append(text[last:])
        return "".join(out)

    # --- persistence ----------------------------------------------------------------------------
    def to_json(self) -> dict[str, object]:
        return {
            "version": MODEL_VERSION,
            "key": self.key,
            "unigrams": dict(self.unigrams),
            "bigrams": {f"{a} {b}": c for (a, b), c in self.bigrams.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, object], smoothing: Smoothing = DEFAULT_SMOOTHING) -> RestoreModel:
        uni = Counter({str(k): int(v) for k, v in dict(data["unigrams"]).items()})  # type: ignore[call-overload]
        bi: Counter[tuple[str, str]] = Counter()
        for k, v in dict(data["bigrams"]).items():  # type: ignore[call-overload]
            a, b = str(k).split(" ", 1)
            bi[(a, b)] = int(v)
        return cls(uni, bi, str(data.get("key", "")), smoothing)


def count_texts(texts: Iterable[str]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Unigram and bigram counts (index form, ``<s>``/``</s>`` around each chain) of ``texts``."""
    uni: Counter[str] = Counter()
    bi: Counter[tuple[str, str]] = Counter()
    for text in texts:
        for chain in pieces(nfc(text)):
            toks = [BOS, *(p.lm for p in chain), EOS]
            uni.update(toks[1:])
            bi.update(zip(toks, toks[1:], strict=False))
    return uni, bi


def _with_case(restored: str, typed: str) -> str:
    """Carry the case of what was typed onto the restored syllable (``Giao`` → ``Giáo``)."""
    if typed.isupper() and len(typed) > 1:
        return restored.upper()
    if typed[:1].isupper():
        return restored[:1].upper() + restored[1:]
    return restored


def store_key(store: Store, lexicon: bool = True) -> str:
    """Fingerprint of the store's content: its sources' content hashes (paths do not matter)."""
    blob = "\n".join(sorted({h for _, h in store.sources()}))
    return hashlib.sha256(f"{MODEL_VERSION}\nlexicon={lexicon}\n{blob}".encode()).hexdigest()


def lexicon_words() -> list[str]:
    """The Viet74K dictionary shipped with underthesea (one entry per word, e.g. ``bao nhiêu``).

    Counted once per entry beside the corpus, it gives the everyday words that official texts
    seldom use (question words above all) a little weight; absent, the corpus alone is used.
    """
    # Read the file directly: importing underthesea.corpus loads much of underthesea.
    spec = importlib.util.find_spec("underthesea")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a dependency
        return []
    path = Path(next(iter(spec.submodule_search_locations))) / "corpus" / "data" / "Viet74K.txt"
    if not path.is_file():  # pragma: no cover - another underthesea layout
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [w for w in (line.strip() for line in lines) if w and "-" not in w]


@functools.cache
def _lexicon_counts() -> tuple[Counter[str], Counter[tuple[str, str]]]:
    return count_texts(lexicon_words())  # the same for every store: counted once per process


def build_model(
    store: Store, key: str = "", smoothing: Smoothing = DEFAULT_SMOOTHING, lexicon: bool = True
) -> RestoreModel:
    """Count the stored segments' text (plus the lexicon's words) into a model."""
    uni, bi = count_texts(seg.text for seg in store.segments())
    if lexicon:
        lex_uni, lex_bi = _lexicon_counts()
        uni.update(lex_uni)
        bi.update(lex_bi)
    return RestoreModel(uni, bi, key, smoothing)


def model_path(settings: Settings) -> Path:
    return settings.home / MODEL_FILE


_lock = threading.Lock()


def load_model(
    settings: Settings, store: Store, smoothing: Smoothing = DEFAULT_SMOOTHING, lexicon: bool = True
) -> RestoreModel:
    """The restoration model of the store's current content: read from disk, or rebuilt and saved."""
    key = store_key(store, lexicon)
    path = model_path(settings)
    with _lock:
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = None  # unreadable or half-written: rebuild below
            if isinstance(data, dict) and data.get("version") == MODEL_VERSION and data.get("key") == key:
                return RestoreModel.from_json(data, smoothing)
        model = build_model(store, key, smoothing, lexicon)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(model.to_json(), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old or the new file
        return model


class Restorer:
    """Keeps the model of the store's current content; rebuilt when the store changes."""

    def __init__(
        self, settings: Settings, store: Store, smoothing: Smoothing = DEFAULT_SMOOTHING, lexicon: bool = True
    ) -> None:
        self.settings = settings
        self.store = store
        self.smoothing = smoothing
        self.lexicon = lexicon
        self._model: RestoreModel | None = None

    @property
    def model(self) -> RestoreModel:
        if self._model is None or self._model.key != store_key(self.store, self.lexicon):
            self._model = load_model(self.settings, self.store, self.smoothing, self.lexicon)
        return self._model

    def restore(self, text: str) -> str:
        """``text`` with diacritics restored when it was typed without them, else unchanged."""
        if not needs_restoration(text):
            return nfc(text)
        return self.model.restore(text)
