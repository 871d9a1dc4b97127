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


def check_text(path: Path, raw: RawDoc) -> None:
    """Refuse text in a legacy encoding or clearly not in Vietnamese (raises)."""
    sample = "\n".join(b.text for b in raw.blocks)[:20000]
    letters = _letters(sample)
    if len(letters) < 40:
        return
    vi = sum(1 for c in letters if c in _VI_LETTERS) / len(letters)
    tcvn = sum(1 for c in letters if c in _TCVN3) / len(letters)
    if tcvn > 0.02 and vi < 0.02:
        raise LegacyEncoding(
            f"{path}: the text is in the legacy TCVN3 (ABC) encoding; convert it to Unicode "
            "(e.g. with UniKey's converter) and ingest again",
            message_vi=f"{path}: văn bản dùng bảng mã cũ TCVN3 (ABC); hãy chuyển sang Unicode (UniKey) rồi nạp lại")
    vni_hits = len(_VNI.findall(sample))
    if vni_hits > 0.02 * len(letters) and vi < 0.02:
        raise LegacyEncoding(
            f"{path}: the text is in the legacy VNI encoding; convert it to Unicode and ingest again",
            message_vi=f"{path}: văn bản dùng bảng mã cũ VNI; hãy chuyển sang Unicode rồi nạp lại")
    if len(letters) < 200 or vi >= 0.01:
        return
    words = re.findall(r"[^\W\d_]+", fold(sample))
    if words and sum(1 for w in words if w in _VI_SYLLABLES) / len(words) < 0.12:
        raise NotVietnamese(
            f"{path}: the text does not look Vietnamese; nqdoc indexes Vietnamese documents only",
            message_vi=f"{path}: văn bản không phải tiếng Việt; nqdoc chỉ xử lý văn bản tiếng Việt")
