"""HTML reader: main text and tables, boilerplate removed with trafilatura."""

from __future__ import annotations

from pathlib import Path

from ingest.models import Block, RawDoc
from ingest.normalize import nfc


def _xml_blocks(xml: str) -> list[Block]:
    from lxml import etree

    root = etree.fromstring(xml.encode("utf-8"), parser=etree.XMLParser(recover=True))
    blocks: list[Block] = []
    if root is None:
        return blocks
    main = root.find("main") if root.find("main") is not None else root
    for el in main.iter("p", "head", "item", "table", "quote"):
        if el.tag == "table":
            rows = []
            for row in el.iter("row"):
                cells = tuple(nfc(" ".join("".join(c.itertext()).split())) for c in row.iter("cell"))
                if any(cells):
                    rows.append(cells)
            if rows:
                width = max(len(r) for r in rows)
                rows = [r + ("",) * (width - len(r)) for r in rows]
                blocks.append(Block("table", "\n".join(" | ".join(r) for r in rows), rows=tuple(rows)))
            continue
        if any(a.tag == "table" for a in el.iterancestors()):
            continue
        text = nfc(" ".join("".join(el.itertext()).split()))
        if not text:
            continue
        if el.tag == "item" and not text.startswith(("-", "+")):
            text = "- " + text
        blocks.append(Block("para", text, heading=el.tag == "head"))
    return blocks


def _fallback(html: str) -> list[Block]:
    from lxml import html as lhtml

    doc = lhtml.fromstring(html)
    for bad in doc.xpath("//script|//style|//nav|//header|//footer|//aside"):
        bad.drop_tree()
    blocks = []
    for el in doc.iter("p", "h1", "h2", "h3", "h4", "h5", "h6", "li"):
        text = nfc(" ".join(el.text_content().split()))
        if text:
            blocks.append(Block("para", text, heading=el.tag.startswith("h")))
    return blocks


def read_html(path: Path, html: str) -> RawDoc:
    import trafilatura

    meta: dict[str, str] = {}
    xml = trafilatura.extract(html, output_format="xml", include_tables=True, include_comments=False,
                              favor_recall=True, include_formatting=False, with_metadata=True)
    blocks = _xml_blocks(xml) if xml else []
    if not blocks:
        blocks = _fallback(html)
    md = trafilatura.extract_metadata(html)
    if md is not None and md.title:
        meta["title"] = nfc(md.title)
    return RawDoc(str(path), "html", tuple(blocks), meta)
