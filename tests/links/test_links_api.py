"""The links API and pages on the linked corpus."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ingest.settings import Settings
from service.context import ServiceContext


@pytest.fixture()
def client(linked_home: Settings):
    from service.app import create_app

    ctx = ServiceContext(linked_home)
    with TestClient(create_app(linked_home, ctx=ctx)) as c:
        yield c
    ctx.close()


def test_links_by_query(client: TestClient) -> None:
    r = client.get("/api/links", params={"id": "03/NQ-CP:preamble.p9", "type": "cites"})
    assert r.status_code == 200
    body = r.json()
    assert any(lk["other"] == "57-NQ/TW" and lk["label_vi"] for lk in body["links"])
    assert client.get("/api/links", params={"id": "99-XX/YY"}).status_code == 404
    assert client.get("/api/links", params={"id": "57-NQ/TW", "type": "bogus"}).status_code == 422


def test_provision_links_route_alone(linked_home: Settings) -> None:
    from service.api import get_ctx, links

    app = FastAPI()
    app.include_router(links.router)
    ctx = ServiceContext(linked_home)
    app.dependency_overrides[get_ctx] = lambda: ctx
    with TestClient(app) as c:
        r = c.get("/api/provisions/57-NQ/TW:III.3/links")
        assert r.status_code == 200 and r.json()["provision"] == "57-NQ/TW:III.3"
    ctx.close()


def test_provision_links_route_in_app(client: TestClient) -> None:
    r = client.get("/api/provisions/57-NQ/TW:III.3/links")
    assert r.status_code == 200 and "links" in r.json()


def test_coverage_json_and_xlsx(client: TestClient, tmp_path) -> None:
    from openpyxl import load_workbook

    r = client.get("/api/coverage", params={"of": "57-NQ/TW", "by": "03/NQ-CP"})
    assert r.status_code == 200 and r.json()["summary"]["items"] == 7
    r = client.get("/api/coverage", params={"of": "57-NQ/TW", "by": "03/NQ-CP", "format": "xlsx"})
    assert r.status_code == 200
    path = tmp_path / "c.xlsx"
    path.write_bytes(r.content)
    wb = load_workbook(path)
    assert wb.sheetnames[0] == "Độ bao phủ" and wb.active.max_row > 7
    assert "Nhiệm vụ gắn phần khác" in wb.sheetnames
    assert client.get("/api/coverage", params={"of": "57-NQ/TW", "by": "nope"}).status_code == 404


def test_graph_page_and_fragment(client: TestClient) -> None:
    r = client.get("/api/links/graph", params={"doc": "57-NQ/TW"})
    ids = {n["id"] for n in r.json()["nodes"]}
    assert {"57-NQ/TW", "03/NQ-CP"} <= ids
    page = client.get("/links", params={"doc": "57-NQ/TW"})
    assert page.status_code == 200 and "link-graph" in page.text and "03/NQ-CP" in page.text
    frag = client.get("/links/fragment/03/NQ-CP:preamble.p9")
    assert frag.status_code == 200 and "57-NQ/TW" in frag.text


def test_graph_speaks_vietnamese_and_names_unnumbered_documents(client: TestClient) -> None:
    g = client.get("/api/links/graph", params={"doc": "72-NQ/TW"}).json()
    assert g["types_vi"]["implements"] == "triển khai" and all(e["label_vi"] for e in g["edges"])
    for n in g["nodes"]:
        if n["id"].startswith("doc-"):  # news without a số hiệu: its title, not its hash id
            assert not n["label"].startswith("doc-") and n["title"].startswith(n["label"].rstrip("…"))
    page = client.get("/links", params={"doc": "72-NQ/TW"}).text
    assert "triển khai" in page and ">implements<" not in page
    assert 'href="/links?doc=ext' not in page  # a document not ingested has no page to open
    g70 = client.get("/api/links/graph", params={"doc": "70-NQ/TW"}).json()
    assert any(n["kind"] == "tracker" for n in g70["nodes"])
    assert 'href="/links?doc=tracking' not in client.get("/links", params={"doc": "70-NQ/TW"}).text


def test_marked_excerpt_escapes_the_text() -> None:
    from service.api.links import _marked_phrases

    html = str(_marked_phrases("<script>x</script> bảo đảm an ninh năng lượng", ["an ninh năng lượng"]))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<mark>an ninh năng lượng</mark>" in html


def test_provision_page_shows_its_links(client: TestClient) -> None:
    page = client.get("/provisions/57-NQ/TW:III.3")
    assert page.status_code == 200 and 'id="provision-links"' in page.text
    frag = client.get("/links/fragment/57-NQ/TW:III.3")
    assert frag.status_code == 200 and "Liên kết" in frag.text and "<script" not in frag.text


def test_fragment_marks_the_shared_phrases_in_the_linked_text(client: TestClient) -> None:
    import re

    links = client.get("/api/provisions/03/NQ-CP:PL2.69/links", params={"type": "implements"}).json()["links"]
    shown = {x for lk in links for x in lk["evidence"]["shared_terms"]}
    assert shown
    frag = client.get("/links/fragment/03/NQ-CP:PL2.69").text
    marked = {" ".join(re.findall(r"[^\W\d_]+", m.lower())) for m in re.findall(r"<mark>(.*?)</mark>", frag)}
    assert marked == {" ".join(re.findall(r"[^\W\d_]+", x)) for x in shown}  # each shown phrase, marked


def test_coverage_page(client: TestClient) -> None:
    page = client.get("/coverage")  # the first resolution with a plan, its most-linked plan
    assert page.status_code == 200 and "Độ bao phủ" in page.text
    page = client.get("/coverage", params={"of": "57-NQ/TW", "by": "03/NQ-CP"})
    cov = client.get("/api/coverage", params={"of": "57-NQ/TW", "by": "03/NQ-CP"}).json()
    s = cov["summary"]
    assert f"<strong>{s['items_covered']}/{s['items']}</strong>" in page.text
    assert f"Nhiệm vụ không rõ nguồn ({s['tasks_without_source']})" in page.text
    assert f"chỉ gắn với phần khác của nghị quyết ({s['tasks_linked_outside_items']})" in page.text
    assert page.text.count('<tr class="') == len(cov["rows"])
    gaps = [r for r in cov["rows"] if not r["tasks"]]
    assert page.text.count("chưa có nhiệm vụ</span>") == len(gaps)
    assert "format=xlsx" in page.text and 'value="03/NQ-CP" selected' in page.text
    tracker = client.get("/coverage", params={"of": "70-NQ/TW", "by": "tracking:provincial-tasks"})
    assert tracker.status_code == 200 and "tracking:provincial-tasks/70-NQ/TW" in tracker.text
    assert 'id="coverage-partial"' in tracker.text and 'id="coverage-partial"' not in page.text
    assert client.get("/coverage", params={"of": "57-NQ/TW", "by": "nope"}).status_code == 404
    missing = client.get("/coverage", params={"of": "99-XX/YY"})
    assert missing.status_code == 404 and "chưa có chương trình" in missing.text
    graph = client.get("/links", params={"doc": "57-NQ/TW"}).text
    assert "/coverage?of=57-NQ/TW&amp;by=03/NQ-CP" in graph


def test_coverage_page_without_anything_linked(tmp_path) -> None:
    from service.app import create_app

    s = Settings(home=tmp_path / "home", embed_model="fake")
    ctx = ServiceContext(s)
    with TestClient(create_app(s, ctx=ctx)) as c:
        page = c.get("/coverage")
        assert page.status_code == 200 and 'id="coverage-empty"' in page.text
        assert c.get("/coverage", params={"of": "57-NQ/TW"}).status_code == 404
    ctx.close()
