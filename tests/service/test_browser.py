"""The web page in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright;
no browser download): ask a question, follow a citation to its provision, download a brief,
and check that script in a (SYNTHETIC) document stays inert. Screenshots go to
test-output/browser/.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import AUTH, LiveServer, make_settings
from fastapi.testclient import TestClient
from live_server import chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900}, locale="vi-VN")
    ctx.set_default_timeout(30_000)
    p = ctx.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.errors = errors  # type: ignore[attr-defined]
    yield p
    ctx.close()


@pytest.fixture(scope="module")
def shots(output_dir: Path) -> Path:
    d = output_dir / "browser"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def test_ask_follow_citation_download_brief(page: Any, live_url: str, shots: Path, corpus_ctx: Any) -> None:
    page.goto(live_url + "/")
    assert page.title().endswith("Tra cứu nghị quyết")
    page.fill("#q", "Mục tiêu tuổi thọ trung bình đến năm 2030 là bao nhiêu?")
    page.select_option("#f-resolution", "72-NQ/TW")
    page.click("#ask-btn")
    page.wait_for_selector("#citations li a.cite")
    assert page.is_visible("#answer") and page.inner_text("#answer-text").strip()
    page.screenshot(path=str(shots / "1-answer.png"), full_page=True)

    chip = page.locator("#citations li a.cite").first
    pid = chip.get_attribute("data-pid")
    assert pid and pid.startswith("72-NQ/TW:")
    quote = page.locator("#citations li blockquote").first.inner_text()
    assert page.locator("#citations li blockquote mark").count() > 0  # query words highlighted
    prov = corpus_ctx.store.get_provision(pid)
    assert " ".join(quote.split()) in " ".join(prov.text.split())  # the quote is the stored text

    chip.click()
    page.wait_for_selector("#provision-id")
    assert page.inner_text("#provision-id") == pid
    assert "/provisions/" in page.url
    current = page.locator(".outline li.current a")
    assert current.count() == 1 and current.get_attribute("data-pid") == pid
    assert " ".join(quote.split())[:60] in " ".join(page.inner_text("#provision-text").split())
    assert page.locator("#provision-text mark").count() > 0
    assert page.inner_text("#provision-page").startswith("Trang")
    page.screenshot(path=str(shots / "2-provision.png"), full_page=False)

    page.goto(live_url + "/brief")
    page.fill("#theme", "chuyển đổi số")
    page.select_option("#f-resolution", "57-NQ/TW")
    page.click("#brief-btn")
    page.wait_for_selector("#docx-link")
    assert "57-NQ/TW" in page.inner_text("#brief")
    page.screenshot(path=str(shots / "3-brief.png"), full_page=False)
    with page.expect_download() as dl:
        page.click("#docx-link")
    target = shots / dl.value.suggested_filename
    dl.value.save_as(str(target))
    assert target.suffix == ".docx"
    from docx import Document as DocxDocument

    text = "\n".join(p.text for p in DocxDocument(io.BytesIO(target.read_bytes())).paragraphs)
    assert "57-NQ/TW" in text
    assert page.errors == []  # type: ignore[attr-defined]


def test_search_mode_and_filters(page: Any, live_url: str, shots: Path) -> None:
    page.goto(live_url + "/")
    page.fill("#q", "khoa hoc cong nghe")  # no diacritics
    page.select_option("#f-kind", "plan")
    page.check("input[name=mode][value=search]")
    page.click("#ask-btn")
    page.wait_for_selector("#citations li a.cite")
    pids = [a.get_attribute("data-pid") for a in page.locator("#citations li a.cite").all()]
    assert pids and all(p.startswith("3260-KH/ĐĐQH15:") for p in pids)
    assert page.locator("#citations li blockquote mark").count() > 0  # folded match highlights "khoa học"
    page.screenshot(path=str(shots / "4-search-plan.png"), full_page=False)


def test_script_in_synthetic_document_is_inert(page: Any, tmp_path: Path, shots: Path) -> None:
    from test_security import SYNTHETIC_MD

    from service.app import create_app

    settings = make_settings(tmp_path / "home")
    app = create_app(settings)
    with TestClient(app) as c:  # the same app object is served below; its lifespan re-runs there
        assert c.post("/api/documents", files={"file": ("xss.md", SYNTHETIC_MD.encode(), "text/markdown")},
                      headers=AUTH).status_code == 201
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with LiveServer(app) as srv:
        page.goto(srv.url + "/")
        page.fill("#q", "nội dung thử nghiệm script hiển thị an toàn")
        page.check("input[name=mode][value=search]")
        page.click("#ask-btn")
        page.wait_for_selector("#citations li blockquote")
        assert "<script>" in page.inner_text("#citations")  # shown as text …
        assert page.locator("#citations script, #citations img").count() == 0  # … never as elements
        page.screenshot(path=str(shots / "5-xss-search.png"), full_page=False)
        page.goto(srv.url + "/provisions/999-NQ/TEST:I.1.a?q=script")
        page.wait_for_selector("#provision-id")
        assert "<script>window.xssHit" in page.inner_text("#provision-text")
        page.wait_for_timeout(300)
        assert page.locator("#provision-text script, #provision-text img").count() == 0
        assert page.evaluate("typeof window.xssHit") == "undefined"
    assert dialogs == []
    assert page.errors == []  # type: ignore[attr-defined]
