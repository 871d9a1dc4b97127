"""People's verdicts on links: stored apart from the links (they outlive a recomputation), shown
beside each link, taken out of coverage when wrong, and exported as gold pairs for
``nqdoc eval links --gold``. Links come from the shared corpus linked with the fake embedder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from index.links.db import LinkPairRow, LinkStore
from ingest.settings import Settings
from ingest.store import Store

TOKEN = "review-token"  # synthetic


@pytest.fixture()
def home(linked_copy: Settings) -> Settings:
    return Settings(home=linked_copy.home, embed_model="fake", admin_token=TOKEN)


def _links(s: Settings) -> LinkStore:
    return LinkStore(Store(s.db_path))


def _related(ls: LinkStore):
    return next(lk for lk in ls.all_links() if lk.type == "related")


def _sole_implements(ls: LinkStore, prog: str = "03/NQ-CP", res: str = "57-NQ/TW"):
    """An implements link 03/NQ-CP → 57-NQ/TW whose task has no other link to 57-NQ/TW."""
    impl = ls.links_between_docs(source_doc=prog, target_doc=res, types=["implements"])
    n: dict[str, int] = {}
    for lk in impl:
        n[lk.source] = n.get(lk.source, 0) + 1
    return next(lk for lk in impl if n[lk.source] == 1)


def test_a_review_is_keyed_by_the_pair_and_outlives_recomputation(home: Settings) -> None:
    from index.links.update import Linker

    ls = _links(home)
    lk = _related(ls)
    # related is undirected: judging it from the other end is the same verdict
    got = ls.set_review("related", lk.target, lk.source, 0, "chỉ chung từ ngữ", "tester")
    assert got is not None and (got.source, got.target) == (lk.source, lk.target)
    assert ls.reviews_of([lk])[("related", lk.source, lk.target)].label == 0
    assert lk not in ls.without_rejected([lk])
    ls.set_review("related", lk.source, lk.target, 1)  # a second verdict replaces the first
    assert [r.label for r in ls.reviews()] == [1]

    with Session(ls.engine) as s, s.begin():  # forget every pair state: all links recomputed
        s.execute(delete(LinkPairRow))
    linker = Linker(home)
    linker.update()
    assert linker.links.find_link("related", lk.source, lk.target) is not None
    assert linker.links.reviews_of([lk])[("related", lk.source, lk.target)].label == 1
    assert ls.set_review("related", lk.source, lk.target, None) is None and ls.reviews() == []
    with pytest.raises(ValueError):
        ls.set_review("related", lk.source, lk.target, 2)


def test_a_wrong_implements_link_no_longer_covers(home: Settings) -> None:
    from index.coverage import compute_coverage

    ls = _links(home)
    lk = _sole_implements(ls)
    before = compute_coverage(ls.store, ls, "57-NQ/TW", "03/NQ-CP")
    assert lk.source not in {t.id for t in before.orphans}
    ls.set_review("implements", lk.source, lk.target, 0)
    after = compute_coverage(ls.store, ls, "57-NQ/TW", "03/NQ-CP")
    assert lk.source in {t.id for t in after.orphans}
    assert len(after.orphans) == len(before.orphans) + 1
    assert all(lk.source not in {t.id for t in r.tasks} for r in after.rows)
    ls.set_review("implements", lk.source, lk.target, 1)  # right: counts as before
    again = compute_coverage(ls.store, ls, "57-NQ/TW", "03/NQ-CP")
    assert len(again.orphans) == len(before.orphans)


def test_review_api_needs_the_token_and_an_existing_link(home: Settings) -> None:
    from service.app import create_app
    from service.context import ServiceContext

    ctx = ServiceContext(home)
    lk = _sole_implements(LinkStore(ctx.store))
    body = {
        "type": "implements",
        "source": lk.source,
        "target": lk.target,
        "verdict": "wrong",
        "note": "sai mục",
    }
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(home, ctx=ctx)) as c:
        assert c.put("/api/links/review", json=body).status_code == 401
        assert c.put("/api/links/review", json=body, headers={"Authorization": "Bearer x"}).status_code == 403
        bad = c.put("/api/links/review", json={**body, "target": "57-NQ/TW:IX.9"}, headers=auth)
        assert bad.status_code == 404 and bad.json()["error"]["message_vi"].startswith("không có liên kết")
        assert c.put("/api/links/review", json={**body, "verdict": "maybe"}, headers=auth).status_code == 422
        assert c.put("/api/links/review", json={**body, "type": "bogus"}, headers=auth).status_code == 422

        r = c.put("/api/links/review", json=body, headers=auth)
        assert r.status_code == 200 and r.json()["review"]["label"] == 0
        view = c.get("/api/links", params={"id": lk.source, "type": "implements"}).json()
        mine = next(x for x in view["links"] if x["target"] == lk.target)
        assert mine["review"]["note"] == "sai mục"
        frag = c.get(f"/links/fragment/{lk.source}").text
        folded = frag.split("Đã đánh dấu sai (1)", 1)
        assert len(folded) == 2 and lk.target in folded[1] and "đã đánh dấu sai" in folded[1]
        assert 'data-verdict="right"' in frag  # writing is enabled: buttons beside each link

        r = c.put("/api/links/review", json={**body, "verdict": "right", "note": ""}, headers=auth)
        frag = c.get(f"/links/fragment/{lk.source}").text
        assert "đã xác nhận đúng" in frag and "Đã đánh dấu sai" not in frag
        r = c.put("/api/links/review", json={**body, "verdict": None}, headers=auth)
        assert r.status_code == 200 and r.json()["review"] is None
        assert "đã xác nhận" not in c.get(f"/links/fragment/{lk.source}").text
    ctx.close()


def test_without_a_token_configured_reviews_are_refused_and_no_buttons_shown(linked_copy: Settings) -> None:
    from service.app import create_app
    from service.context import ServiceContext

    s = Settings(home=linked_copy.home, embed_model="fake", admin_token="")
    ctx = ServiceContext(s)
    lk = _related(LinkStore(ctx.store))
    with TestClient(create_app(s, ctx=ctx)) as c:
        body = {"type": "related", "source": lk.source, "target": lk.target, "verdict": "right"}
        assert c.put("/api/links/review", json=body, headers={"Authorization": "Bearer x"}).status_code == 403
        assert "data-verdict" not in c.get(f"/links/fragment/{lk.source}").text
    ctx.close()
    assert LinkStore(Store(s.db_path)).reviews() == []


def test_cli_review_and_export_as_gold(home: Settings, tmp_path: Path) -> None:
    from eval.links_eval import load_gold
    from service.cli import app

    ls = _links(home)
    rel, imp = _related(ls), _sole_implements(ls)
    env = {"NQDOC_HOME": str(home.home), "NQDOC_EMBED_MODEL": "fake"}
    run = CliRunner().invoke
    res = run(
        app, ["link-review", rel.target, rel.source, "--type", "related", "--right", "--by", "A"], env=env
    )
    assert res.exit_code == 0, res.output
    res = run(
        app,
        ["link-review", imp.source, imp.target, "--type", "implements", "--wrong", "--note", "x"],
        env=env,
    )
    assert res.exit_code == 0, res.output
    assert (
        run(
            app,
            ["link-review", imp.source, imp.target, "--type", "implements", "--right", "--wrong"],
            env=env,
        ).exit_code
        == 2
    )
    assert (
        run(app, ["link-review", imp.source, imp.target, "--type", "bogus", "--right"], env=env).exit_code
        == 2
    )
    res = run(app, ["link-review", imp.source, "57-NQ/TW:IX.9", "--type", "implements", "--right"], env=env)
    assert res.exit_code == 1 and "không có liên kết" in res.output

    shown = run(app, ["links", imp.source, "--type", "implements", "--no-update"], env=env)
    assert shown.exit_code == 0 and "đã đánh dấu sai" in shown.output
    listed = run(app, ["link-reviews"], env=env)
    assert listed.exit_code == 0 and "đúng" in listed.output and "sai" in listed.output
    out = tmp_path / "reviews.jsonl"
    assert run(app, ["link-reviews", "--out", str(out)], env=env).exit_code == 0
    gold = load_gold(out)
    assert {(g["type"], g["source"], g["target"], g["label"]) for g in gold} == {
        ("related", rel.source, rel.target, 1),
        ("implements", imp.source, imp.target, 0),
    }
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["reviewer"] in ("A", "")


def test_review_buttons_in_a_real_browser(home: Settings) -> None:
    """Click «Sai» beside a link on the provision page: the token and a note are asked, the
    verdict is stored and the link folds under «Đã đánh dấu sai»; «Bỏ đánh giá» undoes it."""
    from live_server import LiveServer, chromium

    from service.app import create_app
    from service.context import ServiceContext

    ctx = ServiceContext(home)
    ls = LinkStore(ctx.store)
    lk = _sole_implements(ls)
    answers = iter([TOKEN, "sai mục (thử nghiệm)"])
    with chromium() as browser, LiveServer(create_app(home, ctx=ctx)) as srv:
        page = browser.new_context(locale="vi-VN").new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: d.accept(next(answers)))
        page.goto(f"{srv.url}/provisions/{lk.source}")
        item = page.locator(f'li[data-target="{lk.target}"]')
        item.locator('button[data-verdict="wrong"]').click()
        page.locator(".rejected-links summary").wait_for()
        assert "Đã đánh dấu sai (1)" in page.locator(".rejected-links summary").inner_text()
        got = ls.reviews_of([lk])[("implements", lk.source, lk.target)]
        assert got.label == 0 and got.note == "sai mục (thử nghiệm)"
        page.locator(".rejected-links summary").click()
        item.locator('button[data-verdict=""]').click()  # token kept for the tab: no prompt now
        page.locator(".rejected-links").wait_for(state="detached")
        assert ls.reviews() == [] and errors == []
    ctx.close()


def test_notes_with_line_separators_survive_export_and_reading_back(home: Settings, tmp_path: Path) -> None:
    """JSON leaves U+2028 / U+0085 unescaped; a JSONL line must not be split at them."""
    from eval.links_eval import load_gold
    from service.cli import app

    ls = _links(home)
    lk = _related(ls)
    note = "dòng một\u2028dòng hai\x85ba"  # synthetic
    ls.set_review("related", lk.source, lk.target, 0, note)
    out = tmp_path / "reviews.jsonl"
    env = {"NQDOC_HOME": str(home.home), "NQDOC_EMBED_MODEL": "fake"}
    assert CliRunner().invoke(app, ["link-reviews", "--out", str(out)], env=env).exit_code == 0
    assert [g["note"] for g in load_gold(out)] == [note]
    assert CliRunner().invoke(app, ["link-reviews", "--type", "bogus"], env=env).exit_code == 2
    res = CliRunner().invoke(
        app, ["link-review", lk.source, lk.target, "--type", "implements", "--clear"], env=env
    )
    assert res.exit_code == 0 and "Không có đánh giá nào để bỏ" in res.output
    assert ls.review_of("related", lk.target, lk.source) is not None  # the related verdict stays


def test_coverage_by_a_tracker_takes_only_its_rows_for_that_resolution(
    home: Settings, tmp_path: Path
) -> None:
    """SYNTHETIC tracker with a Vietnamese file name, rows for 70-NQ/TW and one naming no
    resolution: coverage by the tracker reads the 70-NQ/TW rows, never the other group; the
    Excel download of it has a header browsers and latin-1 both accept."""
    from index.coverage import compute_coverage
    from index.links.tracking import import_tracker
    from index.links.update import Linker
    from ingest.errors import NotFound
    from service.app import create_app
    from service.context import ServiceContext

    rows = [
        {
            "code": "T1",
            "resolution": "70-NQ/TW",
            "task": "Phát triển điện gió ngoài khơi và điện mặt trời mái nhà",
        },
        {
            "code": "T2",
            "resolution": "70-NQ/TW",
            "task": "Sử dụng năng lượng tiết kiệm, hiệu quả trong cơ quan",
        },
        {"code": "T0", "task": "Báo cáo tình hình thực hiện hằng quý"},
    ]
    path = tmp_path / "nhiệm-vụ-tỉnh.jsonl"
    path.write_text(
        "\ufeff" + "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    linker = Linker(home)
    import_tracker(linker.links, path)
    linker.update()
    cov = compute_coverage(linker.store, linker.links, "70-NQ/TW", "tracking:nhiệm-vụ-tỉnh")
    assert cov.by == "tracking:nhiệm-vụ-tỉnh/70-NQ/TW"
    counted = {t.id for r in cov.rows for t in r.tasks} | {t.id for t in cov.orphans}
    counted |= {e["task"] for e in cov.elsewhere}
    assert counted == {"tracking:T1", "tracking:T2"}
    with pytest.raises(NotFound):
        compute_coverage(linker.store, linker.links, "70-NQ/TW", "tracking:nhiệm-vụ-tỉnh/72-NQ/TW")
    linker.store.close()

    ctx = ServiceContext(home)
    with TestClient(create_app(home, ctx=ctx)) as c:
        params = {"of": "70-NQ/TW", "by": "tracking:nhiệm-vụ-tỉnh", "format": "xlsx"}
        r = c.get("/api/coverage", params=params)
        assert r.status_code == 200 and r.content[:2] == b"PK"
        disp = r.headers["content-disposition"]
        assert 'filename="coverage-70-NQ_TW-tracking_nhiem-vu-tinh_70-NQ_TW.xlsx"' in disp
        assert "filename*=UTF-8''coverage-70-NQ_TW-tracking_nhi%E1%BB%87m" in disp
        page = c.get("/coverage", params={"of": "70-NQ/TW", "by": "tracking:nhiệm-vụ-tỉnh"})
        assert page.status_code == 200 and 'value="tracking:nhiệm-vụ-tỉnh/70-NQ/TW" selected' in page.text
    ctx.close()
