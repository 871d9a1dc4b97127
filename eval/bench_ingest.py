"""Ingest benchmark: parse (+segment) throughput per format and OCR accuracy/speed.

The shared corpus is Markdown; DOCX and PDF renditions of it are made here (pandoc, then
LibreOffice), so the three formats carry the same text. For each format we time reading +
structure (``parse``) and, separately, segmentation with underthesea (``segment``), and
report pages/s (pages = the PDF rendition's page count, for every format) and MB/s of input.
OCR is measured on an image-only PDF made from rendered pages of 57-NQ/TW: character error
rate against the text layer of the same pages, and pages/s.

Each format is timed ``repeats`` times; the run with the median parse+segment throughput is
reported, with every run's pages/s and the machine's load average before and after (the
machine may be shared: a load above its core count slows every run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from eval.stamp import run_stamp, write_json
from ingest.settings import Settings


def make_renditions(md_files: list[Path], out: Path) -> dict[Path, tuple[Path, Path]]:
    """DOCX (pandoc) and PDF (LibreOffice) renditions of each Markdown file."""
    result: dict[Path, tuple[Path, Path]] = {}
    for md in md_files:
        docx = out / (md.stem + ".docx")
        subprocess.run(["pandoc", "-f", "markdown-fancy_lists-smart-yaml_metadata_block", str(md),
                        "-o", str(docx)],
                       check=True, timeout=120)
        result[md] = (docx, out / (md.stem + ".pdf"))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{out}/lo-profile", "--convert-to",
                    "pdf", "--outdir", str(out), *[str(d) for d, _ in result.values()]],
                   check=True, timeout=900, capture_output=True)
    return result


def _time_format(files: list[tuple[Path, int]], settings: Settings) -> dict[str, Any]:
    from ingest.pipeline import build_documents
    from ingest.readers import read_file
    from ingest.segment import segment_document

    parse_s = seg_s = 0.0
    pages = nbytes = n_segments = 0
    for path, n_pages in files:
        t0 = time.perf_counter()
        docs = build_documents(read_file(path, settings), "0" * 64, {})
        t1 = time.perf_counter()
        for d in docs:
            n_segments += len(segment_document(d, settings.segment_max_tokens))
        t2 = time.perf_counter()
        parse_s += t1 - t0
        seg_s += t2 - t1
        pages += n_pages
        nbytes += path.stat().st_size
    total = parse_s + seg_s
    return {
        "files": len(files),
        "pages": pages,
        "megabytes": round(nbytes / 1e6, 3),
        "segments": n_segments,
        "parse_seconds": round(parse_s, 3),
        "segment_seconds": round(seg_s, 3),
        "parse_pages_per_s": round(pages / parse_s, 2) if parse_s else None,
        "parse_segment_pages_per_s": round(pages / total, 2) if total else None,
        "parse_segment_mb_per_s": round(nbytes / 1e6 / total, 4) if total else None,
    }


def _median_run(files: list[tuple[Path, int]], settings: Settings, repeats: int) -> dict[str, Any]:
    """The median of ``repeats`` timed runs (by parse+segment pages/s), with every run's pages/s."""
    runs = sorted((_time_format(files, settings) for _ in range(max(1, repeats))),
                  key=lambda r: r["parse_segment_pages_per_s"] or 0)
    median = dict(runs[len(runs) // 2])
    median["repeats"] = len(runs)
    median["runs_parse_segment_pages_per_s"] = [r["parse_segment_pages_per_s"] for r in runs]
    return median


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate on whitespace-normalised text."""
    from rapidfuzz.distance import Levenshtein

    ref = " ".join(reference.split())
    hyp = " ".join(hypothesis.split())
    return Levenshtein.distance(ref, hyp) / max(1, len(ref))


def ocr_benchmark(pdf: Path, pages: int, settings: Settings, work: Path) -> dict[str, Any]:
    """OCR an image-only copy of the first ``pages`` pages; CER against their text layer."""
    import pymupdf

    from ingest.readers.pdf import read_pdf, tessdata_dir

    if tessdata_dir(settings.ocr_lang) is None:
        return {"available": False, "reason": f"Tesseract '{settings.ocr_lang}' data not installed"}
    src = pymupdf.open(pdf)
    n = min(pages, src.page_count)
    reference = "\n".join(src[i].get_text("text") for i in range(n))
    scan = pymupdf.open()
    for i in range(n):
        pix = src[i].get_pixmap(dpi=settings.ocr_dpi)
        page = scan.new_page(width=src[i].rect.width, height=src[i].rect.height)
        page.insert_image(page.rect, pixmap=pix)
    scan_path = work / "scan.pdf"
    scan.save(scan_path)
    t0 = time.perf_counter()
    raw = read_pdf(scan_path, scan_path.read_bytes(), settings)
    seconds = time.perf_counter() - t0
    hypothesis = "\n".join(b.text for b in raw.blocks)
    return {
        "available": True,
        "source": pdf.name,
        "pages": n,
        "dpi": settings.ocr_dpi,
        "format": raw.format,
        "cer": round(cer(reference, hypothesis), 4),
        "seconds": round(seconds, 2),
        "pages_per_s": round(n / seconds, 3),
    }


def run_ingest_bench(corpus: Path, out: Path | None, settings: Settings, ocr_pages: int = 3,
                     repeats: int = 3) -> dict[str, Any]:
    """Run the benchmark and write its JSON report to ``out`` (``ocr_pages=0`` skips OCR)."""
    import pymupdf

    if shutil.which("pandoc") is None or shutil.which("soffice") is None:
        raise RuntimeError("pandoc and LibreOffice are needed for the renditions (make install)")
    md_files = sorted(corpus.rglob("*.md"))
    with tempfile.TemporaryDirectory(prefix="nqdoc-bench-") as tmp:
        work = Path(tmp)
        renditions = make_renditions(md_files, work)
        page_counts = {md: pymupdf.open(pdf).page_count for md, (_, pdf) in renditions.items()}
        formats = {
            "markdown": [(md, page_counts[md]) for md in md_files],
            "docx": [(docx, page_counts[md]) for md, (docx, _) in renditions.items()],
            "pdf": [(pdf, page_counts[md]) for md, (_, pdf) in renditions.items()],
        }
        _time_format(formats["markdown"][:1], settings)  # warm up underthesea and the tokenizer
        load_start = os.getloadavg()
        report: dict[str, Any] = {
            "corpus": str(corpus),
            "formats": {name: _median_run(files, settings, repeats) for name, files in formats.items()},
            "load_average": {"start": [round(x, 2) for x in load_start],
                             "end": [round(x, 2) for x in os.getloadavg()]},
        }
        nq57 = next((pdf for md, (_, pdf) in renditions.items() if md.stem.startswith("nq57")), None)
        if ocr_pages <= 0:
            report["ocr"] = {"available": False, "reason": "skipped (ocr_pages=0)"}
        else:
            report["ocr"] = ocr_benchmark(nq57, ocr_pages, settings, work) if nq57 else {"available": False}
    report["targets"] = {"pdf_pages_per_s": 30, "ocr_cer": 0.03}
    report.update(run_stamp())
    write_json(out, report)
    return report
