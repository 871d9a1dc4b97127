"""Scanned PDFs: OCR with Tesseract 'vie' keeps Vietnamese diacritics (loose bound here; the
measured CER is reported by `nqdoc bench ingest`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from eval.bench_ingest import cer
from ingest.readers import read_file
from ingest.readers.pdf import tessdata_dir
from ingest.settings import Settings


@pytest.mark.slow
@pytest.mark.skipif(tessdata_dir("vie") is None or shutil.which("pandoc") is None
                    or shutil.which("soffice") is None,
                    reason="needs Tesseract with Vietnamese data, pandoc and LibreOffice")
def test_ocr_of_rendered_57_nq_tw_pages(corpus: Path, tmp_path: Path) -> None:
    import pymupdf

    md = corpus / "nq57/nq57-tw-2024.md"
    docx = tmp_path / "nq57.docx"
    subprocess.run(["pandoc", "-f", "markdown-smart", str(md), "-o", str(docx)], check=True, timeout=120)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx)], check=True, timeout=300, capture_output=True)
    src = pymupdf.open(tmp_path / "nq57.pdf")
    scan = pymupdf.open()
    for i in range(2):
        page = scan.new_page(width=src[i].rect.width, height=src[i].rect.height)
        page.insert_image(page.rect, pixmap=src[i].get_pixmap(dpi=300))
    scan.save(tmp_path / "scan.pdf")
    raw = read_file(tmp_path / "scan.pdf", Settings())[0]
    text = "\n".join(b.text for b in raw.blocks)
    assert raw.format == "pdf-ocr"
    # Diacritics survive OCR (Tesseract may drop the space in the spaced-out title line).
    assert "nghịquyết" in text.lower().replace(" ", "")
    assert "khoa học" in text and "công nghệ" in text
    reference = "\n".join(src[i].get_text("text") for i in range(2))
    assert cer(reference, text) <= 0.08
