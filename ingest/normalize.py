"""Unicode and Vietnamese normalisation.

The original text is always kept for quoting; these functions produce the *index form*:

* :func:`nfc` — Unicode NFC (Vietnamese text from PDFs and Word often arrives decomposed).
* :func:`canonical_tones` — one tone-mark placement per syllable. Vietnamese has two
  conventions for syllables such as *hoà/hòa*, *thuỷ/thủy*, *khoẻ/khỏe*; both are common in
  official documents. We use the classic placement (``hòa``, ``thủy``, ``khỏe``), the same
  one ``underthesea.text_normalize`` produces, so that either spelling matches.
* :func:`fold` — lower case without diacritics (``đ`` → ``d``), for queries typed without
  accents ("muc tieu giao duc 2030").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining tone marks (dấu thanh): huyền, sắc, hỏi, ngã, nặng.
_TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
_VOWELS = set("aăâeêioôơuưyAĂÂEÊIOÔƠUƯY")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _strip_tone(syllable: str) -> tuple[str, str | None]:
    """Return (syllable without tone mark, the tone mark or None), in NFC."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tone = None
    kept = []
    for ch in decomposed:
        if ch in _TONES:
            tone = ch
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), tone


def _tone_position(base: str) -> int | None:
    """Index of the vowel that carries the tone in ``base`` (a toneless syllable)."""
    lower = base.lower()
    # "qu" and "gi" onsets: the u/i belongs to the consonant.
    start = 0
    if lower.startswith("qu"):
        start = 2
    elif lower.startswith("gi") and len(lower) > 2 and lower[2] in "aăâeêioôơuưy":
        start = 2
    idx = [i for i in range(start, len(lower)) if lower[i] in "aăâeêioôơuưy"]
    if not idx:
        # "gì", "gìn": the i is the only vowel.
        idx = [i for i in range(len(lower)) if lower[i] in "aăâeêioôơuưy"]
        if not idx:
            return None
    # A vowel with its own diacritic (ă â ê ô ơ ư) takes the tone; for "ươ" the ơ.
    special = [i for i in idx if lower[i] in "ăâêôơư"]
    if special:
        return special[-1]
    ends_with_vowel = idx[-1] == len(lower) - 1
    if len(idx) == 1:
        return idx[0]
    if not ends_with_vowel:
        # Final consonant: tone on the last vowel (hoàng, thuyết, khoảng).
        return idx[-1]
    if len(idx) >= 3:
        # Triphthongs (oai, uyu, oeo, uôi): the middle vowel.
        return idx[1]
    pair = lower[idx[0]] + lower[idx[1]]
    # Classic placement: oa, oe, uy keep the tone on the first vowel (hòa, khỏe, thủy);
    # other open diphthongs too (ai, ao, au, ay, eo, ia, iu, oi, ua, ui, ưa, ...).
    if pair in ("oa", "oe", "uy"):
        return idx[0]
    return idx[0]


def _place(base: str, tone: str, pos: int) -> str:
    decomposed = unicodedata.normalize("NFD", base[pos])
    return base[:pos] + unicodedata.normalize("NFC", decomposed + tone) + base[pos + 1 :]


@lru_cache(maxsize=65536)
def _canonical_syllable(word: str) -> str:
    base, tone = _strip_tone(word)
    if tone is None:
        return word
    pos = _tone_position(base)
    if pos is None:
        return word
    return _place(base, tone, pos)


def canonical_tones(text: str) -> str:
    """Rewrite every syllable with the canonical tone-mark placement (``hoà`` → ``hòa``)."""
    text = nfc(text)
    return _WORD.sub(lambda m: _canonical_syllable(m.group(0)), text)


_FOLD = str.maketrans({"đ": "d", "Đ": "D"})


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def fold(text: str) -> str:
    """Lower case, no diacritics: ``Mục tiêu giáo dục`` → ``muc tieu giao duc``."""
    return _WORD.sub(lambda m: _fold_word(m.group(0)), nfc(text)).lower()


def index_form(text: str) -> str:
    """NFC, canonical tone marks, lower case: the form used for accented matching."""
    return canonical_tones(text).lower()


def has_diacritics(text: str) -> bool:
    """True when the text carries Vietnamese diacritics (so it was not typed without accents)."""
    return fold(text) != nfc(text).lower()
