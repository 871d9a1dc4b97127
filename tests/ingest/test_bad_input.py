"""Every kind of bad input fails with a clear one-line error naming the file, and the rest
of the batch is ingested with nothing already stored lost. Fixtures here are synthetic."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ingest.pipeline import ingest_paths
from ingest.settings import Settings

# synthetic fixture: an ordinary Vietnamese sentence in the style of a resolution
SENTENCE = ("Phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số là đột phá "
            "quan trọng hàng đầu. ")

# Legacy 8-bit encodings of a few Vietnamese letters (subset of the TCVN3/ABC and VNI tables),
# enough to encode SENTENCE the way old Word files stored it.
TCVN3 = {"á": "¸", "à": "µ", "ả": "¶", "ã": "·", "ạ": "¹", "ă": "¨", "â": "©", "đ": "®", "ê": "ª", "ô": "«",
         "ơ": "¬", "ư": "­", "ổ": "æ", "ớ": "í", "ọ": "ä", "ệ": "Ö", "ố": "è", "ộ": "é", "ể": "Ó",
         "ầ": "Ç", "ấ": "Ê", "ậ": "Ë", "ị": "Þ", "ợ": "î", "ụ": "ô", "ồ": "å", "ờ": "ê",
         "ế": "Õ", "ề": "Ò", "ủ": "ñ", "ự": "ù", "ữ": "÷", "ở": "ë", "ì": "×", "í": "Ý", "ó": "ã", "ò": "ß",
         "ỏ": "á", "ú": "ó", "ù": "ï", "ý": "ý", "ỹ": "ü", "ẩ": "È", "ẫ": "É", "ằ": "»", "ắ": "¾", "ặ": "Æ"}
VNI = {"á": "aù", "à": "aø", "ả": "aû", "ã": "aõ", "ạ": "aï", "â": "aâ", "ă": "aê", "đ": "ñ", "ê": "eâ",
       "ô": "oâ", "ơ": "ô", "ư": "ö", "ổ": "oå", "ớ": "ôù", "ọ": "oï", "ệ": "eä", "ố": "oá", "ộ": "oä",
       "ể": "eå", "ầ": "aà", "ấ": "aá", "ậ": "aä", "ị": "ò", "ợ": "ôï", "ụ": "uï", "ồ": "oà", "ờ": "ôø",
       "ế": "eá", "ề": "eà", "ủ": "uû", "ự": "öï", "ữ": "öõ", "ở": "ôû", "ì": "ì", "í": "í", "ó": "où",
       "ò": "oø", "ỏ": "oû", "ú": "uù", "ù": "uø", "ý": "yù", "ẩ": "aå", "ằ": "aè", "ắ": "aé", "ặ": "aë"}
ENGLISH = ("The committee shall review the annual budget and report to the board before the end of "
           "each quarter, including the progress of every project and the risks identified. ")


def _encode(text: str, table: dict[str, str]) -> bytes:
    return "".join(table.get(c, c) for c in text).encode("latin-1", errors="replace")


def _pdf(path: Path, *, encrypted: bool = False, image_only: bool = False) -> None:
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    if image_only:
        pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 200, 100), 0)
        pix.clear_with(200)
        page.insert_image(pymupdf.Rect(50, 50, 450, 250), pixmap=pix)
    else:
        page.insert_text((72, 72), "Nghi quyet so 1-NQ/TEST", fontsize=12)
    if encrypted:
        doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    else:
        doc.save(path)


def _counts(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as con:
        return (con.execute("select count(*) from documents").fetchone()[0],
                con.execute("select count(*) from segments").fetchone()[0])


@pytest.fixture()
def stored(settings: Settings, tmp_path: Path) -> Settings:
    good = tmp_path / "good.txt"
    good.write_text("KẾ HOẠCH\nSố 7-KH/TEST\n1. " + SENTENCE * 3, encoding="utf-8")
    assert ingest_paths([str(good)], settings).summary()["added"] == 1
    return settings


CASES = {
    "tcvn3.txt": ("legacy_encoding", "TCVN3"),
    "vni.txt": ("legacy_encoding", "VNI"),
    "english.txt": ("not_vietnamese", "not look Vietnamese"),
    "encrypted.pdf": ("encrypted", "password"),
    "scan.pdf": ("ocr_unavailable", "scanned"),
    "truncated.pdf": ("corrupt", "damaged"),
    "photo.pdf": ("unsupported_format", "PNG"),
    "empty.docx": ("empty_file", "empty"),
}


def _make_bad(folder: Path) -> None:
    folder.mkdir()
    (folder / "tcvn3.txt").write_bytes(_encode(SENTENCE * 6, TCVN3))
    (folder / "vni.txt").write_bytes(_encode(SENTENCE * 6, VNI))
    (folder / "english.txt").write_text(ENGLISH * 8, encoding="utf-8")
    _pdf(folder / "encrypted.pdf", encrypted=True)
    _pdf(folder / "scan.pdf", image_only=True)
    _pdf(folder / "whole.pdf")
    data = (folder / "whole.pdf").read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 3])
    (folder / "whole.pdf").unlink()
    (folder / "photo.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    (folder / "empty.docx").write_bytes(b"")


def test_each_bad_input_has_a_clear_error_and_nothing_is_lost(stored: Settings, tmp_path: Path) -> None:
    before = _counts(stored.db_path)
    bad = tmp_path / "bad"
    _make_bad(bad)
    ok = tmp_path / "ok.txt"
    ok.write_text("KẾ HOẠCH\nSố 8-KH/TEST\n1. " + SENTENCE * 2, encoding="utf-8")
    settings = stored.model_copy(update={"ocr": False})
    report = ingest_paths([str(bad), str(ok)], settings)
    outcome = {Path(o.path).name: o for o in report.files}
    assert outcome["ok.txt"].status == "added"
    for name, (code, words) in CASES.items():
        o = outcome[name]
        assert o.status == "failed", name
        assert o.error_code == code, (name, o.error)
        assert name in (o.error or "") and words.lower() in (o.error or "").lower(), o.error
        assert "\n" not in (o.error or "") and o.message_vi
    assert _counts(stored.db_path)[0] == before[0] + 1


def test_oversized_file_is_refused_before_reading(stored: Settings, tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_text(SENTENCE * 30_000, encoding="utf-8")
    report = ingest_paths([str(big)], stored.model_copy(update={"max_file_mb": 1}))
    assert (report.files[0].error_code == "file_too_large"
            and "NQDOC_MAX_FILE_MB" in (report.files[0].error or ""))


def test_vietnamese_without_accents_is_accepted(settings: Settings, tmp_path: Path) -> None:
    f = tmp_path / "khong-dau.txt"
    f.write_text(("Phat trien khoa hoc, cong nghe, doi moi sang tao va chuyen doi so la dot pha quan trong "
                  "hang dau cua dat nuoc trong giai doan moi. ") * 5, encoding="utf-8")
    assert ingest_paths([str(f)], settings).files[0].status == "added"


def test_scrap_without_vietnamese_is_refused(tmp_path: Path) -> None:
    """SYNTHETIC: a 4-byte text file is not a document."""
    from ingest.pipeline import ingest_paths
    from ingest.settings import Settings

    (tmp_path / "scrap.txt").write_text("null", encoding="utf-8")
    (tmp_path / "ok.txt").write_text("Nghị quyết về y tế cơ sở.", encoding="utf-8")
    report = ingest_paths([str(tmp_path / "scrap.txt"), str(tmp_path / "ok.txt")],
                          Settings(home=tmp_path / "h"))
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["scrap.txt"].status == "failed" and "scrap.txt" in (by_name["scrap.txt"].error or "")
    assert by_name["ok.txt"].status == "added"
