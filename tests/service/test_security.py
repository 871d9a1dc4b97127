"""Write routes: tokens, upload limits and content sniffing, file names, and inert document text.

Documents uploaded here are SYNTHETIC (written for these tests, labelled in their text);
they go to a fresh temporary home, never to the shared corpus home.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import AUTH, make_settings
from fastapi.testclient import TestClient

from ingest.settings import Settings
from service.context import ServiceContext

# SYNTHETIC: a short Vietnamese resolution-like text written for these tests (not a real
# document). Point a) carries HTML/JS that must never run in the web page.
SYNTHETIC_MD = """---
number: 999-NQ/TEST
title: Văn bản thử nghiệm (SYNTHETIC) về an toàn hiển thị
issuer: Nhóm kiểm thử
date: 2025-01-01
kind: resolution
---
I. MỤC TIÊU

1. Đến năm 2030, hoàn thành chuyển đổi số trong các cơ quan nhà nước; văn bản này là dữ liệu thử nghiệm.

a) Nội dung thử nghiệm <script>window.xssHit = 1; alert('xss')</script> và
<img src=x onerror="window.xssHit=2"> trong điều khoản, dùng để kiểm tra hiển thị an toàn của trang web.

b) Bảo đảm an ninh mạng, an toàn thông tin cho hệ thống dữ liệu quốc gia về văn bản thử nghiệm.
"""


def _state(settings: Settings) -> tuple[dict[str, int], list[str]]:
    """What a refused write must leave unchanged: store counts and the uploads folder."""
    ctx = ServiceContext(settings)
    try:
        counts = ctx.store.counts()
    finally:
        ctx.store.close()
    up = settings.home / "uploads"
    return counts, sorted(p.name for p in up.iterdir()) if up.is_dir() else []


def _upload(c: TestClient, name: str, data: bytes, headers: dict[str, str] | None = None,
            ctype: str = "application/octet-stream"):  # type: ignore[no-untyped-def]
    return c.post("/api/documents", files={"file": (name, data, ctype)},
                  headers=headers if headers is not None else AUTH)


def _err(resp, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.text
    body = resp.json()["error"]
    assert body["code"] == code and body["message_vi"] and "Traceback" not in resp.text


# --- tokens ---------------------------------------------------------------------------------

@pytest.mark.parametrize("headers,status,code", [
    ({}, 401, "token_required"),
    ({"Authorization": "Bearer wrong-token"}, 403, "bad_token"),
    ({"Authorization": "Bearer "}, 401, "token_required"),
    ({"Authorization": "Basic dGVzdDp0ZXN0"}, 401, "token_required"),
])
def test_write_routes_refuse_missing_or_wrong_token(client: TestClient, corpus_settings: Settings,
                                                     headers: dict[str, str], status: int, code: str) -> None:
    before = _state(corpus_settings)
    _err(_upload(client, "x.md", SYNTHETIC_MD.encode(), headers=headers), status, code)
    _err(client.delete("/api/documents/" + quote("57-NQ/TW"), headers=headers), status, code)
    _err(client.post("/api/index", json={"rebuild": True}, headers=headers), status, code)
    assert _state(corpus_settings) == before
    assert client.get("/api/documents/57-NQ/TW").status_code == 200


def test_write_routes_disabled_without_server_token(tmp_path: Path) -> None:
    from service.app import create_app

    settings = Settings(home=tmp_path / "home", embed_model="fake", admin_token="")
    with TestClient(create_app(settings)) as c:
        for resp in (_upload(c, "x.md", SYNTHETIC_MD.encode(), headers={"Authorization": "Bearer anything"}),
                     c.delete("/api/documents/57-NQ/TW", headers={"Authorization": "Bearer "}),
                     c.post("/api/index")):
            _err(resp, 403, "write_disabled")
            assert "NQDOC_ADMIN_TOKEN" in resp.json()["error"]["message_vi"]
        assert c.get("/api/health").json()["write_enabled"] is False
    assert not (settings.home / "uploads").exists()


# --- uploads --------------------------------------------------------------------------------

@pytest.fixture()
def small_limit_client(tmp_path: Path):  # type: ignore[no-untyped-def]
    from service.app import create_app

    settings = make_settings(tmp_path / "home", max_file_mb=0.01)  # 10 KiB
    with TestClient(create_app(settings)) as c:
        yield c, settings


def test_oversized_upload_refused_before_reading(small_limit_client) -> None:  # type: ignore[no-untyped-def]
    c, settings = small_limit_client
    _err(_upload(c, "big.md", b"a" * 200_000), 413, "file_too_large")  # over limit + multipart slack
    assert _state(settings) == ({"sources": 0, "documents": 0, "provisions": 0, "segments": 0}, [])


def test_oversized_upload_refused_while_copying(small_limit_client) -> None:  # type: ignore[no-untyped-def]
    c, settings = small_limit_client
    data = (SYNTHETIC_MD * 20).encode()  # ~20 KB: passes the Content-Length gate, not the file limit
    assert 10 * 1024 < len(data) < 64 * 1024
    _err(_upload(c, "big.md", data), 413, "file_too_large")
    assert _state(settings)[0]["documents"] == 0 and _state(settings)[1] == []


def test_upload_without_content_length_is_411(fresh_client: TestClient) -> None:
    def body():  # type: ignore[no-untyped-def]
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.md"\r\n\r\n'
        yield b"abc\r\n--b--\r\n"

    resp = fresh_client.post("/api/documents", content=body(),
                             headers={**AUTH, "Content-Type": "multipart/form-data; boundary=b"})
    _err(resp, 411, "length_required")


def test_zip_disguised_as_pdf_is_415(fresh_client: TestClient, fresh_settings: Settings) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("nghi-quyet.txt", "Nội dung nghị quyết (SYNTHETIC)")
    _err(_upload(fresh_client, "nghi-quyet-57.pdf", buf.getvalue(), ctype="application/pdf"),
         415, "unsupported_format")
    assert _state(fresh_settings) == ({"sources": 0, "documents": 0, "provisions": 0, "segments": 0}, [])


def test_executable_and_empty_uploads_refused(fresh_client: TestClient, fresh_settings: Settings) -> None:
    _err(_upload(fresh_client, "report.pdf", b"MZ\x90\x00" + b"\x00" * 100), 415, "unsupported_format")
    _err(_upload(fresh_client, "empty.md", b""), 422, "empty_file")
    assert _state(fresh_settings)[1] == []


@pytest.mark.parametrize("name", ["../../../../tmp/evil.md", "/etc/passwd", "docs/../../evil.md", ".."])
def test_path_traversal_filename_refused(fresh_client: TestClient, fresh_settings: Settings,
                                         name: str) -> None:
    _err(_upload(fresh_client, name, SYNTHETIC_MD.encode()), 400, "bad_filename")
    assert _state(fresh_settings) == ({"sources": 0, "documents": 0, "provisions": 0, "segments": 0}, [])


def test_windows_path_filename_never_leaves_uploads(fresh_client: TestClient,
                                                    fresh_settings: Settings) -> None:
    # The multipart parser already keeps only the part after the last backslash; either way the
    # file may only land in uploads/ under a sanitised name.
    resp = _upload(fresh_client, "..\\..\\Windows\\evil.md", SYNTHETIC_MD.encode())
    assert resp.status_code in (201, 400), resp.text
    files = _state(fresh_settings)[1]
    if resp.status_code == 201:
        assert files == [resp.json()["filename"]] and files[0].endswith("-evil.md")
    else:
        assert files == []


def test_upload_search_delete_roundtrip(fresh_client: TestClient, fresh_settings: Settings) -> None:
    c = fresh_client
    resp = _upload(c, "Nghị quyết thử nghiệm (bản 1).md", SYNTHETIC_MD.encode(), ctype="text/markdown")
    assert resp.status_code == 201, resp.text
    out = resp.json()
    assert out["outcome"]["status"] == "added" and out["outcome"]["documents"] == ["999-NQ/TEST"]
    stored = fresh_settings.home / "uploads" / out["filename"]
    assert stored.is_file() and out["filename"].endswith("-Nghi-quyet-thu-nghiem-ban-1.md")
    assert str(fresh_settings.home) not in resp.text  # server paths are not disclosed
    assert out["index"]["added"] == 1
    hits = c.get("/api/search", params={"q": "an ninh mạng dữ liệu quốc gia"}).json()["hits"]
    assert hits and hits[0]["doc_id"] == "999-NQ/TEST"
    # the same bytes again: unchanged, 200
    again = _upload(c, "khac.md", SYNTHETIC_MD.encode())
    assert again.status_code in (200, 409), again.text
    # delete
    gone = c.delete("/api/documents/" + quote("999-NQ/TEST"), headers=AUTH)
    assert gone.status_code == 200, gone.text
    assert gone.json()["deleted"] == "999-NQ/TEST" and gone.json()["index"]["removed"] == 1
    assert c.get("/api/documents/999-NQ/TEST").status_code == 404
    assert c.get("/api/search", params={"q": "an ninh mạng dữ liệu quốc gia"}).json()["hits"] == []
    assert not stored.exists()
    _err(c.delete("/api/documents/999-NQ/TEST", headers=AUTH), 404, "not_found")
    rebuilt = c.post("/api/index", json={"rebuild": True}, headers=AUTH)
    assert rebuilt.status_code == 200 and rebuilt.json()["added"] == 0


# --- inert document text --------------------------------------------------------------------

def test_script_in_document_renders_inert(fresh_client: TestClient) -> None:
    c = fresh_client
    assert _upload(c, "xss.md", SYNTHETIC_MD.encode()).status_code == 201
    outline = c.get("/api/documents/999-NQ/TEST").json()["outline"]
    pid = next(n["id"] for n in outline if "script" in c.get("/api/provisions/" + quote(n["id"])).json()
               ["provision"]["text"])
    pages = [c.get("/provisions/" + quote(pid)).text,
             c.get("/provisions/" + quote(pid), params={"q": "script window thử nghiệm"}).text,
             c.get("/documents/999-NQ/TEST").text, c.get("/documents").text]
    for html in pages:
        assert "<script>window.xssHit" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.xssHit" in pages[0]
    assert "&lt;<mark>script</mark>&gt;<mark>window</mark>.xssHit" in pages[1]
    # the brief page renders Markdown with raw HTML disabled
    brief = c.get("/brief", params={"theme": "nội dung thử nghiệm script"}).text
    assert "<script>window.xssHit" not in brief and "<img src=x" not in brief
