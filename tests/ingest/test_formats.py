"""Readers for each format on small synthetic documents (labelled synthetic) and real ALQAC laws."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ingest.pipeline import build_documents
from ingest.readers import read_file
from ingest.settings import Settings

# synthetic fixture in the layout of a Party resolution
SYNTHETIC_MD = """**II- MỤC TIÊU**

1. Đến năm 2030 đạt mục tiêu thứ nhất.
2. Đến năm 2045 đạt mục tiêu thứ hai.

**III- NHIỆM VỤ, GIẢI PHÁP**

1\\. Nhiệm vụ một:

a\\) Điểm a của nhiệm vụ một.

| TT | Nhiệm vụ | Cơ quan chủ trì |
|---|---|---|
| 1. | Xây dựng đề án | Bộ Y tế |
"""


def _ids(path: Path) -> list[str]:
    doc = build_documents(read_file(path, Settings()), "0" * 64, {})[0]
    return [p.id.split(":", 1)[1] for p in doc.provisions]


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is needed to build the DOCX fixture")
def test_docx_word_numbering_is_rebuilt(tmp_path: Path) -> None:
    md = tmp_path / "nq.md"
    md.write_text(SYNTHETIC_MD, encoding="utf-8")
    docx = tmp_path / "nq.docx"
    subprocess.run(["pandoc", str(md), "-o", str(docx)], check=True, timeout=60)
    raw = read_file(docx, Settings())[0]
    texts = [b.text for b in raw.blocks if b.kind == "para"]
    assert "1. Đến năm 2030 đạt mục tiêu thứ nhất." in texts  # the "1." came from Word numbering
    assert "2. Đến năm 2045 đạt mục tiêu thứ hai." in texts
    assert _ids(docx) == _ids(md)
    table = next(b for b in raw.blocks if b.kind == "table")
    assert table.rows == (("TT", "Nhiệm vụ", "Cơ quan chủ trì"), ("1.", "Xây dựng đề án", "Bộ Y tế"))


def test_html_boilerplate_removed_tables_kept(tmp_path: Path) -> None:
    page = tmp_path / "tin.html"  # synthetic news page
    body = "".join(f"<p>Đoạn {i}: Hội nghị quán triệt nghị quyết về chuyển đổi số và đổi mới sáng tạo.</p>"
                   for i in range(1, 6))
    page.write_text(
        "<!doctype html><html><head><title>Hội nghị quán triệt</title></head><body>"
        "<nav><a href='/'>Trang chủ</a> <a href='/x'>Thời sự</a></nav>"
        f"<article><h1>Hội nghị quán triệt nghị quyết</h1>{body}"
        "<table><tr><th>TT</th><th>Nhiệm vụ</th></tr>"
        "<tr><td>1</td><td>Tuyên truyền</td></tr></table></article>"
        "<footer>Bản quyền thuộc về tòa soạn. Liên hệ quảng cáo.</footer></body></html>", encoding="utf-8")
    raw = read_file(page, Settings())[0]
    text = "\n".join(b.text for b in raw.blocks)
    assert raw.format == "html" and "Đoạn 3" in text
    assert "Bản quyền" not in text and "Trang chủ" not in text
    assert any(b.kind == "table" and b.rows and b.rows[1] == ("1", "Tuyên truyền") for b in raw.blocks)


def test_jsonl_gz_collection(tmp_path: Path) -> None:
    f = tmp_path / "articles.jsonl.gz"  # synthetic records
    recs = [{"id": i, "title": f"Bài {i} về nghị quyết", "text": "Dòng một của bài.\nDòng hai của bài viết."}
            for i in range(3)]
    f.write_bytes(gzip.compress("\n".join(json.dumps(r, ensure_ascii=False) for r in recs).encode()))
    raws = read_file(f, Settings())
    assert [r.meta["id"] for r in raws] == ["0", "1", "2"] and raws[0].format == "jsonl"
    docs = build_documents(raws, "0" * 64, {})
    assert [d.id for d in docs] == ["articles-0", "articles-1", "articles-2"]


def test_jsonl_faults_name_their_line(tmp_path: Path) -> None:
    from ingest.errors import CorruptDocument

    f = tmp_path / "articles.jsonl"  # synthetic records
    ok = json.dumps({"id": 1, "title": "Bài thử", "text": "Nội dung thử."}, ensure_ascii=False)
    for text, want in ((f"{ok}\n\n{{broken\n", "line 3 is not valid JSON"),
                       (f"{ok}\n" + '{"id": 2}\n', "line 2 has no 'text' field")):
        f.write_text(text, encoding="utf-8")
        with pytest.raises(CorruptDocument, match=want):
            read_file(f, Settings())


def test_alqac_articles_become_dieu_provisions(shared: Path) -> None:
    law = shared / "bench/alqac2023/law.json"
    raws = read_file(law, Settings())
    laws = json.loads(law.read_text(encoding="utf-8"))
    assert len(raws) == len(laws)
    docs = build_documents(raws, "0" * 64, {})
    for doc, src in zip(docs, laws, strict=True):
        assert doc.id == src["id"] and str(doc.meta.kind) == "law"
        arts = [p for p in doc.provisions if p.kind == "article"]
        assert [p.path for p in arts] == [f"D{a['id']}" for a in src["articles"]], doc.id


def test_jsonl_lines_split_at_newlines_only() -> None:
    """SYNTHETIC: a BOM, CRLF endings and U+2028 / U+0085 inside a JSON string (left unescaped by
    json.dumps(ensure_ascii=False)) keep one record per line."""
    from ingest.readers.jsonl import jsonl_records

    recs = [{"text": "một\u2028hai\x85ba"}, {"text": "bốn"}]
    text = "\ufeff" + "\r\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\r\n"
    assert list(jsonl_records(text)) == [(1, recs[0]), (2, recs[1])]
