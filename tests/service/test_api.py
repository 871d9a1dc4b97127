"""Read routes over the real shared corpus (fake embedder): ids with '/', citations from the store,
error bodies, and the server-rendered pages."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from ingest.store import Store
from service.context import ServiceContext


def _error(resp, status: int, code: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.text
    body = resp.json()["error"]
    assert body["status"] == status and body["message"] and body["message_vi"]
    if code:
        assert body["code"] == code
    assert "Traceback" not in resp.text
    return body


def test_health_counts_match_store(client: TestClient, corpus_ctx: ServiceContext) -> None:
    h = client.get("/api/health").json()
    counts = corpus_ctx.store.counts()
    assert h["status"] == "ok" and h["index_built"] and h["write_enabled"]
    assert (h["documents"], h["provisions"], h["segments"]) == (
        counts["documents"], counts["provisions"], counts["segments"])


def test_openapi_and_docs_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in ("/api/search", "/api/ask", "/api/brief", "/api/documents", "/api/documents/{doc_id}",
                 "/api/provisions/{provision_id}", "/api/health", "/api/index"):
        assert path in schema["paths"], path
    assert "delete" in schema["paths"]["/api/documents/{doc_id}"]
    assert "bearer" in str(schema["components"]["securitySchemes"]).lower()
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_documents_list_and_kind_filter(client: TestClient) -> None:
    docs = client.get("/api/documents").json()["documents"]
    ids = {d["id"] for d in docs}
    assert {"57-NQ/TW", "03/NQ-CP", "3260-KH/ĐĐQH15", "72-NQ/TW"} <= ids
    res = client.get("/api/documents", params={"kind": "resolution"}).json()["documents"]
    assert res and all(d["kind"] == "resolution" for d in res)
    assert "03/NQ-CP" not in {d["id"] for d in res}
    _error(client.get("/api/documents", params={"kind": "no-such-kind"}), 422, "invalid_request")


@pytest.mark.parametrize("key", ["57-NQ/TW", "57-nq/tw", "03/NQ-CP", "3260-KH/ĐĐQH15"])
def test_document_outline_with_slash_ids(client: TestClient, corpus_ctx: ServiceContext, key: str) -> None:
    resp = client.get(f"/api/documents/{quote(key)}")
    assert resp.status_code == 200, resp.text
    out = resp.json()
    doc_id = out["document"]["id"]
    assert doc_id.lower() == key.lower()
    stored = corpus_ctx.store.get_document(doc_id)
    assert stored is not None
    assert [n["id"] for n in out["outline"]] == [p.id for p in stored.provisions]
    assert all(n["id"].startswith(doc_id + ":") for n in out["outline"])


def test_provision_in_context_matches_store(client: TestClient, corpus_ctx: ServiceContext) -> None:
    store: Store = corpus_ctx.store
    doc = store.get_document("57-NQ/TW")
    assert doc is not None
    # A provision below the top level with children: its context has ancestors, children, neighbours.
    prov = next(p for p in doc.provisions if p.children and p.parent_id)
    out = client.get(f"/api/provisions/{quote(prov.id)}").json()
    assert out["provision"]["id"] == prov.id and out["provision"]["text"] == prov.text
    assert out["document"]["id"] == "57-NQ/TW"
    assert out["ancestors"][-1]["id"] == prov.parent_id
    assert [c["id"] for c in out["children"]] == prov.children
    siblings = [p.id for p in doc.provisions if p.parent_id == prov.parent_id]
    i = siblings.index(prov.id)
    assert (out["previous"] or {}).get("id") == (siblings[i - 1] if i else None)


def test_table_row_provision_has_cells(client: TestClient) -> None:
    out = client.get("/api/provisions/03/NQ-CP:PL2.17").json()
    fields = out["provision"]["fields"]
    assert fields["Cơ quan chủ trì"] == "Bộ Khoa học và Công nghệ"
    assert out["provision"]["id"] == "03/NQ-CP:PL2.17"


def test_unknown_provision_document_route_and_method(client: TestClient) -> None:
    body = _error(client.get("/api/provisions/57-NQ/TW:XX.99"), 404, "not_found")
    assert "57-NQ/TW:XX.99" in body["message_vi"]
    _error(client.get("/api/documents/99-NQ/TW"), 404, "not_found")
    _error(client.get("/api/nothing-here"), 404, "not_found")
    _error(client.put("/api/health"), 405, "method_not_allowed")


def test_search_hits_quote_the_store(client: TestClient, corpus_ctx: ServiceContext) -> None:
    q = "mục tiêu chi cho nghiên cứu phát triển đến năm 2030"
    resp = client.get("/api/search", params={"q": q, "top_k": 5})
    hits = resp.json()["hits"]
    assert 1 <= len(hits) <= 5
    provs = corpus_ctx.store.get_provisions([h["provision_id"] for h in hits])
    for h in hits:
        p = provs[h["provision_id"]]
        assert h["text"] == p.text and h["quote"] and h["quote"].split()[0] in p.text
        assert h["provision_id"].startswith(h["doc_id"] + ":")


def test_search_filters(client: TestClient) -> None:
    meta = client.get("/api/documents").json()["documents"]
    allowed = {d["id"] for d in meta if d["id"] == "71-NQ/TW" or "71-NQ/TW" in d["implements"]}
    hits = client.get("/api/search", params={"q": "giáo dục đào tạo", "resolution": "71-NQ/TW", "top_k": 10})
    docs = {h["doc_id"] for h in hits.json()["hits"]}
    assert "71-NQ/TW" in docs and docs <= allowed and len(allowed) < len(meta)
    plan = client.get("/api/search", params={"q": "khoa học công nghệ", "kind": "plan"}).json()["hits"]
    assert plan and {h["doc_id"] for h in plan} == {"3260-KH/ĐĐQH15"}
    multi = client.get("/api/search", params=[("q", "nhiệm vụ"), ("doc", "59-NQ/TW"), ("doc", "70-NQ/TW")])
    assert {h["doc_id"] for h in multi.json()["hits"]} <= {"59-NQ/TW", "70-NQ/TW"}


@pytest.mark.parametrize("params", [
    {"q": ""}, {"q": "x", "top_k": 0}, {"q": "x", "top_k": 1000}, {"q": "x", "date_from": "2024-13"},
    {"q": "x", "kind": "poem"}, {},
])
def test_search_bad_input_is_422(client: TestClient, params: dict) -> None:  # type: ignore[type-arg]
    _error(client.get("/api/search", params=params), 422, "invalid_request")


def test_ask_cites_verbatim(client: TestClient, corpus_ctx: ServiceContext) -> None:
    q = "Mục tiêu tuổi thọ trung bình đến năm 2030 là bao nhiêu?"
    resp = client.post("/api/ask", json={"question": q, "filters": {"resolution": ["72-NQ/TW"]},
                                         "mode": "extractive"})
    assert resp.status_code == 200, resp.text
    a = resp.json()
    assert a["answer"] and a["citations"]
    provs = corpus_ctx.store.get_provisions([c["provision_id"] for c in a["citations"]])
    for c in a["citations"]:
        assert c["doc_id"] == "72-NQ/TW"
        assert c["quote"] in provs[c["provision_id"]].text  # never invented


@pytest.mark.parametrize("body", [
    {}, {"question": ""}, {"question": "?!"}, {"question": "x", "top_k": 0},
    {"question": "x", "mode": "magic"}, {"question": "x", "extra": 1},
    {"question": "x", "filters": {"date_from": "hôm qua"}},
])
def test_ask_bad_input_is_422(client: TestClient, body: dict) -> None:  # type: ignore[type-arg]
    _error(client.post("/api/ask", json=body), 422, "invalid_request")


def test_malformed_json_is_clean_error(client: TestClient) -> None:
    resp = client.post("/api/ask", content=b"{not json", headers={"Content-Type": "application/json"})
    _error(resp, 422, "invalid_request")


def test_brief_json_and_docx(client: TestClient) -> None:
    resp = client.post("/api/brief", json={"theme": "chuyển đổi số", "filters": {"resolution": ["57-NQ/TW"]}})
    assert resp.status_code == 200, resp.text
    assert isinstance(resp.json(), dict) and resp.json()
    docx = client.get("/api/brief/docx", params={"theme": "chuyển đổi số", "resolution": "57-NQ/TW"})
    assert docx.status_code == 200, docx.text
    assert docx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in docx.headers["content-disposition"]
    from docx import Document as DocxDocument

    text = "\n".join(p.text for p in DocxDocument(io.BytesIO(docx.content)).paragraphs)
    assert "57-NQ/TW" in text


def test_unexpected_error_is_500_json_without_trace(corpus_ctx: ServiceContext) -> None:
    from service.api import get_ctx
    from service.app import create_app

    class Broken:
        settings = corpus_ctx.settings

        @property
        def store(self) -> Store:
            raise RuntimeError("secret internal detail /etc/shadow")

    app = create_app(ctx=corpus_ctx)
    app.dependency_overrides[get_ctx] = lambda: Broken()
    with TestClient(app, raise_server_exceptions=False) as c:
        resp = c.get("/api/health")
    body = _error(resp, 500, "internal_error")
    assert "secret" not in resp.text and "shadow" not in resp.text and body["message_vi"]


# --- pages ----------------------------------------------------------------------------------

def test_home_page_has_form_filters_and_nav(client: TestClient) -> None:
    html = client.get("/").text
    assert 'lang="vi"' in html and 'id="ask-form"' in html
    for href in ('href="/tasks"', 'href="/links"', 'href="/brief"', 'href="/documents"'):
        assert href in html
    assert '<option value="57-NQ/TW"' in html and '<option value="plan"' in html
    assert 'src="/static/app.js"' in html
    assert 'src="http' not in html and 'href="http' not in html  # nothing from a CDN: works offline
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/style.css").status_code == 200


def test_provision_page_outline_highlight_neighbours(client: TestClient) -> None:
    resp = client.get("/provisions/" + quote("03/NQ-CP:PL2.17"), params={"q": "luật tiêu chuẩn"})
    assert resp.status_code == 200
    html = resp.text
    assert 'aria-current="true"' in html and 'data-pid="03/NQ-CP:PL2.17"' in html
    assert "<mark>Tiêu</mark>" in html or "<mark>tiêu</mark>" in html
    assert 'id="prev"' in html and 'id="next"' in html
    assert "Bộ Khoa học và Công nghệ" in html


def test_document_and_documents_pages(client: TestClient) -> None:
    assert "3260-KH/ĐĐQH15" in client.get("/documents").text
    page = client.get("/documents/" + quote("3260-KH/ĐĐQH15"))
    assert page.status_code == 200 and 'id="outline"' in page.text


def test_missing_page_is_vietnamese_html(client: TestClient) -> None:
    resp = client.get("/provisions/khong-co", headers={"Accept": "text/html"})
    assert resp.status_code == 404 and "text/html" in resp.headers["content-type"]
    assert "Không tìm thấy" in resp.text


def test_brief_page_renders_and_links_docx(client: TestClient) -> None:
    resp = client.get("/brief", params={"theme": "chuyển đổi số", "resolution": "57-NQ/TW"})
    assert resp.status_code == 200
    assert 'id="docx-link"' in resp.text and "/api/brief/docx?theme=" in resp.text
    assert 'class="brief-body"' in resp.text
