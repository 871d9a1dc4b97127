"""The same document as Markdown, DOCX and PDF yields the same provision ids and text.

Renditions are made here from the real Markdown of the shared corpus: pandoc turns the
Markdown into DOCX (``-fancy_lists``: letters such as ``đ)`` are not list markers pandoc
knows, so letting it renumber ``a) … đ) e)`` as a Latin list would change the document;
``-smart``: keep the quotes and ellipses as written), LibreOffice turns the DOCX into PDF.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ingest.models import Document
from ingest.pipeline import build_documents
from ingest.readers import read_file
from ingest.settings import Settings

needs_tools = pytest.mark.skipif(
    shutil.which("pandoc") is None or shutil.which("soffice") is None,
    reason="pandoc and LibreOffice (soffice) are needed to make renditions; `make install` installs them",
)


def render(md: Path, out: Path) -> tuple[Path, Path]:
    docx = out / (md.stem + ".docx")
    subprocess.run(["pandoc", "-f", "markdown-fancy_lists-smart-yaml_metadata_block", str(md),
                    "-o", str(docx)],
                   check=True, timeout=120)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{out}/lo-profile", "--convert-to",
                    "pdf", "--outdir", str(out), str(docx)], check=True, timeout=300, capture_output=True)
    return docx, out / (md.stem + ".pdf")


def _doc(path: Path) -> Document:
    return build_documents(read_file(path, Settings()), "0" * 64, {})[0]


def _texts(doc: Document, skip: str | None = None) -> dict[str, str]:
    return {p.id: " ".join(p.text.split()) for p in doc.provisions if not (skip and p.id.startswith(skip))}


def _assert_same(md: Path, tmp: Path, skip: str | None = None) -> None:
    docx, pdf = render(md, tmp)
    ref = _texts(_doc(md), skip)
    for other in (docx, pdf):
        got = _texts(_doc(other), skip)
        assert list(got) == list(ref), f"{other.name}: provision ids differ"
        diffs = [pid for pid in ref if ref[pid] != got[pid]]
        assert diffs == [], f"{other.name}: text differs in {diffs[:5]}"


@needs_tools
def test_57_nq_tw_renditions(corpus: Path, tmp_path: Path) -> None:
    _assert_same(corpus / "nq57/nq57-tw-2024.md", tmp_path)


@needs_tools
@pytest.mark.slow
def test_03_nq_cp_renditions(corpus: Path, tmp_path: Path) -> None:
    # Appendix I is left out: pandoc gives its 3-dash "TT" column a near-zero width, so the
    # PDF rendition itself no longer shows the indicator numbers (a rendition artefact).
    _assert_same(corpus / "nq57/nq03-cp-2025.md", tmp_path, skip="03/NQ-CP:PL1")
