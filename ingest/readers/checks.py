"""Content checks shared by the readers: legacy Vietnamese encodings and non-Vietnamese text.

Before Unicode, Vietnamese was typed in 8-bit encodings — TCVN3 (ABC) and VNI — whose
bytes, read as Unicode, give tell-tale Latin-1 letters (TCVN3: ``¸ µ ¶ · ¹ ¨ © ª « ®``
standing for ``á à ả ã ạ ă â đ ê ô``…; VNI: a base letter followed by ``ø ù û õ ï`` tone
codes, ``ñ`` for ``đ``). Such text would index as gibberish, so it is refused with a
message saying how to convert it.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.errors import LegacyEncoding, NotVietnamese
from ingest.models import RawDoc
from ingest.normalize import fold

_VI_LETTERS = set(
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
)
# Letters that exist only in Vietnamese Unicode (never in Latin-1 / cp1252 text).
_VI_ONLY = set("ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđăơưĩũ")
_TCVN3 = set("¸µ¶·¹¨©ª«®¬¡¢£¤¥¦§")
_VNI = re.compile(r"[aeiouyAEIOUY][øùûõïâêô]|[oO]ö|ñ")
# Frequent Vietnamese syllables, to recognise Vietnamese typed without accents.
_VI_SYLLABLES = set(
    "va cac cua la co trong duoc cho voi nhung khong mot nguoi nam cong thuc hien phat trien nghi quyet "
    "viec theo tren nha nuoc quoc gia dan xa hoi kinh te tai chinh bo nganh dia phuong quan ly chuc "
    "nhiem vu giai phap muc tieu den tu ve dao tao giao duc y te khoa hoc chuyen doi so dau tu ke hoach "
    "luat dieu khoan quy dinh ban hanh to chinh sach can bo dang chi dao lanh".split()
)


def _letters(text: str) -> list[str]:
    return [c for c in text if c.isalpha()]


def legacy_encoding(sample: str) -> str | None:
    """"TCVN3" or "VNI" when ``sample`` (8-bit text read as Latin-1) looks like that encoding."""
    letters = _letters(sample)
    if len(letters) < 40:
        return None
    vi = sum(1 for c in letters if c.lower() in _VI_ONLY) / len(letters)
    if vi >= 0.02:
        return None
    if sum(1 for c in sample if c in _TCVN3) > 0.02 * len(letters):
        return "TCVN3"
    if len(_VNI.findall(sample)) > 0.02 * len(letters):
        return "VNI"
    return None


def raise_legacy(path: Path, encoding: str) -> None:
    name = "TCVN3 (ABC)" if encoding == "TCVN3" else encoding
    raise LegacyEncoding(
        f"{path}: the text is in the legacy {name} encoding; convert it to Unicode "
        "(e.g. with UniKey's converter) and ingest again",
        message_vi=f"{path}: văn bản dùng bảng mã cũ {name}; hãy chuyển sang Unicode (UniKey) rồi nạp lại")


def check_text(path: Path, raw: RawDoc) -> None:
    """Refuse text in a legacy encoding or clearly not in Vietnamese (raises)."""
    sample = "\n".join(b.text for b in raw.blocks)[:20000]
    letters = _letters(sample)
    if len(letters) < 40:
        # Too short to judge by statistics; still refuse a scrap with no Vietnamese letter at
        # all (e.g. "null", "test") rather than store it as a document.
        if not any(c in _VI_LETTERS for c in letters):
            raise NotVietnamese(
                f"{path}: too little text ({len(letters)} letters) and none of it Vietnamese",
                message_vi=f"{path}: văn bản quá ngắn và không có chữ tiếng Việt")
        return
    legacy = legacy_encoding(sample)
    if legacy:
        raise_legacy(path, legacy)
    vi = sum(1 for c in letters if c in _VI_LETTERS) / len(letters)
    if len(letters) < 200 or vi >= 0.01:
        return
    words = re.findall(r"[^\W\d_]+", fold(sample))
    if words and sum(1 for w in words if w in _VI_SYLLABLES) / len(words) < 0.12:
        raise NotVietnamese(
            f"{path}: the text does not look Vietnamese; nqdoc indexes Vietnamese documents only",
            message_vi=f"{path}: văn bản không phải tiếng Việt; nqdoc chỉ xử lý văn bản tiếng Việt")
