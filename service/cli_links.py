"""``nqdoc links``, ``nqdoc coverage`` — cross-links and coverage."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ingest.settings import Settings

LINK_TYPE_NAMES = ("implements", "cites", "continues", "supersedes", "related", "reports_on")


def links_view(store: Any, links: Any, key: str, types: list[str] | None = None) -> dict[str, Any]:
    """Links of a provision, or of every provision of a document (by id or số hiệu), both directions.

    Each link carries the text of the other end, read from the store (never from the linker),
    and ``review``: a person's verdict on it (``label`` 1 right, 0 wrong, note, who, when) or None.
    """
    from index.links.db import review_key
    from index.links.model import LINK_LABELS_VI, TRACKING_PREFIX
    from ingest.errors import NotFound

    doc = store.find_document(key)
    if doc is not None:
        ids = [doc.id] + [p.id for p in doc.provisions]
        scope = {"document": doc.id, "provision": None}
    elif store.get_provision(key) is not None or key.startswith(TRACKING_PREFIX):
        ids = [key]
        scope = {"document": key.split(":", 1)[0], "provision": key}
    else:
        raise NotFound(f"not found: {key}", message_vi=f"không tìm thấy văn bản/điều khoản: {key}")
    found = links.links_of(ids, types or None)
    own = set(ids)
    others = {lk.target if lk.source in own else lk.source for lk in found}
    provs = store.get_provisions([o for o in others if ":" in o and not o.startswith(TRACKING_PREFIX)])
    tracked = {t.id: t for t in links.tracked_tasks(ids=[o for o in others if o.startswith(TRACKING_PREFIX)])}
    reviews = links.reviews_of(found)
    out = []
    for lk in found:
        outgoing = lk.source in own
        other = lk.target if outgoing else lk.source
        p = provs.get(other)
        text = p.text if p else (tracked[other].text if other in tracked else None)
        out.append(
            {
                **lk.as_dict(),
                "direction": "out" if outgoing or lk.type == "related" else "in",
                "other": other,
                "other_text": text,
                "other_heading_path": p.heading_path if p else None,
                "label_vi": LINK_LABELS_VI[lk.type],
                "review": r.as_dict()
                if (r := reviews.get(review_key(lk.type, lk.source, lk.target)))
                else None,
            }
        )
    return {**scope, "links": out, "count": len(out)}


TASK_PART_MISSING_VI = (
    "Lưu ý: văn bản {of} đã nạp không có phần nhiệm vụ, giải pháp (phần III không có trong nguồn); "
    "các mục dưới đây là các mục đánh số khác của nghị quyết (quan điểm, mục tiêu…)."
)


def coverage_filename(cov: Any) -> str:
    """``coverage-57-NQ_TW-03_NQ-CP.xlsx``: no ``/`` or ``:`` (tracker ids) in a file name."""
    return f"coverage-{cov.of}-{cov.by}.xlsx".replace("/", "_").replace(":", "_")


def coverage_xlsx(cov: Any, path: Path) -> None:
    """The coverage table as an Excel workbook (four sheets, Vietnamese headers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Độ bao phủ"
    ws.append(
        ["Điều khoản nghị quyết", "Cấp", "Nội dung", "Số nhiệm vụ", "Nhiệm vụ triển khai", "Lý do liên kết"]
    )
    for r in cov.rows:
        ws.append(
            [
                r.item_id,
                "mục" if r.level == "item" else "đoạn",
                r.text[:1000],
                len(r.tasks),
                "\n".join(f"{t.id}: {t.text}" for t in r.tasks)[:32000],
                "\n".join(t.reason for t in r.tasks)[:32000],
            ]
        )
        if not r.tasks:
            ws.cell(ws.max_row, 4).font = Font(bold=True, color="C00000")
    if not cov.task_part_in_text:  # said below the table, so the header stays row 1
        ws.append([])
        ws.append([TASK_PART_MISSING_VI.format(of=cov.of)])
        ws.cell(ws.max_row, 1).font = Font(italic=True, color="7A5200")
    ws2 = wb.create_sheet("Nhiệm vụ không rõ nguồn")
    ws2.append(["Nhiệm vụ", "Nội dung"])
    for t in cov.orphans:
        ws2.append([t.id, t.text])
    ws3 = wb.create_sheet("Chỉ tiêu thấp hơn")
    ws3.append(["Nhiệm vụ", "Điều khoản nghị quyết", "Lý do"])
    for w in cov.weaker:
        ws3.append([w["task"], w["provision"], w["reason"]])
    ws4 = wb.create_sheet("Nhiệm vụ gắn phần khác")
    ws4.append(["Nhiệm vụ", "Nội dung", "Điều khoản nghị quyết (ngoài các mục nhiệm vụ)"])
    for e in cov.elsewhere:
        ws4.append([e["task"], e["text"], "\n".join(f"{p['id']}: {p['heading']}" for p in e["provisions"])])
    for sheet in wb.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for col, width in zip("ABCDEF", (26, 8, 70, 12, 70, 60), strict=False):
            sheet.column_dimensions[col].width = width
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _linker(settings: Settings) -> Any:
    from index.links.update import Linker

    return Linker(settings)


def register(app: typer.Typer) -> None:
    """Add this module's verbs to ``app``."""
    register_reviews(app)

    @app.command(
        "links",
        epilog="Examples:\n\n"
        "  nqdoc links 57-NQ/TW:III.3 --type implements\n\n"
        "  nqdoc links 03/NQ-CP --json\n\n"
        "  nqdoc links --update                       # recompute what changed\n\n"
        "  nqdoc links --import-tracker ../shared/tracking/provincial-tasks.jsonl",
    )
    def links_cmd(
        key: Annotated[str | None, typer.Argument(help="A provision id or a document (số hiệu).")] = None,
        link_type: Annotated[
            list[str] | None, typer.Option("--type", help="Only these link types; repeatable.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        update: Annotated[
            bool, typer.Option("--update/--no-update", help="Bring links up to date first (incremental).")
        ] = True,
        import_tracker: Annotated[
            Path | None,
            typer.Option(
                help="Import a tracker JSONL (code, resolution, task, deadline, status) as linkable tasks."
            ),
        ] = None,
    ) -> None:
        """Liên kết giữa các điều khoản — typed links (triển khai, trích dẫn, tiếp nối, báo cáo…)."""
        from rich.console import Console
        from rich.markup import escape

        from index.links.tracking import import_tracker as do_import
        from service.views import phrase_excerpt

        err = Console(stderr=True)
        _check_types(link_type or [])
        settings = Settings()
        linker = _linker(settings)
        if import_tracker is not None:
            n = do_import(linker.links, import_tracker)
            err.print(f"Đã nhập {n} nhiệm vụ từ {import_tracker.name}")
        if update:
            with err.status("Đang cập nhật liên kết…", spinner="dots") if not as_json else _null():
                rep = linker.update()
            if not as_json:
                err.print(
                    f"Liên kết: {len(rep.computed)} cặp tính lại, {rep.skipped} không đổi, "
                    f"{rep.dropped} bỏ ({rep.seconds:.1f}s)"
                )
        if key is None:
            if as_json:
                sys.stdout.write(json.dumps(linker.links.count(), ensure_ascii=False, indent=2) + "\n")
            else:
                for t, n in sorted(linker.links.count().items()):
                    Console().print(f"{t}: {n}")
            return
        view = links_view(linker.store, linker.links, key, link_type)
        if as_json:
            sys.stdout.write(json.dumps(view, ensure_ascii=False, indent=2) + "\n")
            return
        out = Console()
        if not view["links"]:
            out.print("Không có liên kết. (No links.)")
        for lk in view["links"]:
            arrow = "→" if lk["direction"] == "out" else "←"
            review = lk.get("review")
            mark = ""
            if review:
                mark = "  [green]đã xác nhận đúng[/]" if review["label"] else "  [red]đã đánh dấu sai[/]"
            out.print(
                f"[bold]{lk['label_vi']}[/] {arrow} [bold]{lk['other']}[/]  [dim]{lk['score']:.2f}[/]{mark}",
                highlight=False,
            )
            if lk["other_text"]:
                phrases = (lk.get("evidence") or {}).get("shared_terms") or []
                pieces = phrase_excerpt(lk["other_text"], phrases, width=200)
                marked = "".join(f"[bold yellow]{escape(p)}[/]" if hit else escape(p) for p, hit in pieces)
                out.print("   " + marked, highlight=False)
            out.print(f"   [dim]{lk['reason']}[/]", highlight=False)

    @app.command(
        "coverage",
        epilog="Examples:\n\n"
        "  nqdoc coverage --of 57-NQ/TW --by 03/NQ-CP\n\n"
        "  nqdoc coverage --of 57-NQ/TW --by 03/NQ-CP --format xlsx --out coverage.xlsx",
    )
    def coverage_cmd(
        of: Annotated[str, typer.Option("--of", help="The resolution (số hiệu).")],
        by: Annotated[str, typer.Option("--by", help="The programme/plan implementing it.")],
        fmt: Annotated[str, typer.Option("--format", help="text, json or xlsx.")] = "text",
        out_path: Annotated[
            Path | None, typer.Option("--out", help="Output file (xlsx; json optional).")
        ] = None,
    ) -> None:
        """Độ bao phủ — which resolution items have implementing tasks, gaps, tasks without source."""
        from rich.console import Console

        from index.coverage import compute_coverage

        if fmt not in ("text", "json", "xlsx"):
            Console(stderr=True).print(f"[red]error:[/] unknown format {fmt!r} (định dạng không hợp lệ)")
            raise typer.Exit(2)
        linker = _linker(Settings())
        linker.update()
        cov = compute_coverage(linker.store, linker.links, of, by)
        if fmt == "xlsx":
            path = out_path or Path(coverage_filename(cov))
            coverage_xlsx(cov, path)
            Console(stderr=True).print(f"Đã ghi {path}")
            return
        if fmt == "json":
            data = json.dumps(cov.as_dict(), ensure_ascii=False, indent=2)
            if out_path:
                out_path.write_text(data + "\n", encoding="utf-8")
            else:
                sys.stdout.write(data + "\n")
            return
        out = Console()
        s = cov.summary()
        if not s["task_part_in_text"]:
            out.print(f"[yellow]{TASK_PART_MISSING_VI.format(of=cov.of)}[/]", highlight=False)
        out.print(
            f"[bold]{cov.of}[/] ← {cov.by}: {s['items_covered']}/{s['items']} mục có nhiệm vụ triển khai; "
            f"{s['tasks_without_source']} nhiệm vụ không rõ nguồn; "
            f"{s['tasks_linked_outside_items']} nhiệm vụ chỉ gắn với phần khác (mục tiêu, quan điểm, tổ chức "
            f"thực hiện); {s['weaker_targets']} chỉ tiêu thấp hơn",
            highlight=False,
        )
        for r in cov.rows:
            pad = "" if r.level == "item" else "    "
            mark = f"[green]{len(r.tasks)}[/]" if r.tasks else "[red]0 — chưa có nhiệm vụ[/]"
            out.print(f"{pad}{r.item_id}  {mark}  [dim]{r.text[:80]}[/]", highlight=False)


def _check_types(types: list[str]) -> None:
    """Exit 2 with a message naming the first unknown link type among ``types``."""
    from rich.console import Console

    for t in types:
        if t not in LINK_TYPE_NAMES:
            Console(stderr=True).print(
                f"[red]error:[/] unknown link type {t!r} (loại liên kết không hợp lệ); "
                f"use one of {', '.join(LINK_TYPE_NAMES)}"
            )
            raise typer.Exit(2)


def record_review(
    links: Any,
    link_type: str,
    source: str,
    target: str,
    verdict: str | None,
    note: str = "",
    reviewer: str = "",
) -> Any:
    """Record (``verdict`` "right"/"wrong") or withdraw (None) a person's verdict on a stored link.

    The link must exist now (either way round for ``related``); withdrawing needs only a verdict.
    """
    from index.links.db import review_key
    from ingest.errors import NotFound

    if link_type not in LINK_TYPE_NAMES:
        raise ValueError(f"unknown link type {link_type!r}")
    if verdict is None:
        return links.set_review(link_type, source, target, None)
    if verdict not in ("right", "wrong"):
        raise ValueError(f"verdict must be 'right' or 'wrong', not {verdict!r}")
    if links.find_link(link_type, source, target) is None:
        t, a, b = review_key(link_type, source, target)
        raise NotFound(
            f"no {t} link {a} → {b}", message_vi=f"không có liên kết «{t}» {a} → {b} để đánh giá"
        )
    return links.set_review(link_type, source, target, 1 if verdict == "right" else 0, note.strip(), reviewer)


def register_reviews(app: typer.Typer) -> None:
    """``nqdoc link-review`` and ``nqdoc link-reviews``: people's verdicts on links."""

    @app.command(
        "link-review",
        epilog="Examples:\n\n"
        "  nqdoc link-review 03/NQ-CP:CT.II.4.p 57-NQ/TW:III.4.d2 --type implements --wrong "
        '--note "nhiệm vụ thuộc mục III.4 chung"\n\n'
        "  nqdoc link-review 71-NQ/TW:III.8 72-NQ/TW:III.3.p4 --type related --right\n\n"
        "  nqdoc link-review 71-NQ/TW:III.8 72-NQ/TW:III.3.p4 --type related --clear",
    )
    def link_review_cmd(
        source: Annotated[str, typer.Argument(help="The link's source provision id.")],
        target: Annotated[str, typer.Argument(help="The link's target id.")],
        link_type: Annotated[str, typer.Option("--type", help="The link type.")],
        right: Annotated[bool, typer.Option("--right", help="The link is right (đúng).")] = False,
        wrong: Annotated[bool, typer.Option("--wrong", help="The link is wrong (sai).")] = False,
        clear: Annotated[bool, typer.Option("--clear", help="Withdraw the verdict.")] = False,
        note: Annotated[str, typer.Option(help="Why (shown beside the link, exported).")] = "",
        reviewer: Annotated[str, typer.Option("--by", help="Who judged (exported).")] = "",
    ) -> None:
        """Đánh giá liên kết — mark a link right or wrong; a wrong implements link no longer counts in
        coverage, and every verdict can be exported as gold pairs (``nqdoc link-reviews``)."""
        from rich.console import Console

        from index.links.db import LinkStore
        from ingest.errors import NotFound
        from ingest.store import Store

        err = Console(stderr=True)
        if right + wrong + clear != 1:
            err.print("[red]error:[/] give exactly one of --right, --wrong, --clear (chọn đúng một)")
            raise typer.Exit(2)
        _check_types([link_type])
        verdict = "right" if right else ("wrong" if wrong else None)
        links = LinkStore(Store(Settings().db_path))
        if clear and links.review_of(link_type, source, target) is None:
            err.print(f"Không có đánh giá nào để bỏ: {link_type} {source} → {target}")
            return
        try:
            got = record_review(links, link_type, source, target, verdict, note, reviewer)
        except NotFound as e:
            err.print(f"[red]error:[/] {e.message_vi} ({e})")
            raise typer.Exit(1) from e
        if got is None:
            err.print(f"Đã bỏ đánh giá: {link_type} {source} → {target}")
        else:
            err.print(f"Đã ghi: {got.type} {got.source} → {got.target} — {'đúng' if got.label else 'sai'}")

    @app.command(
        "link-reviews",
        epilog="Examples:\n\n"
        "  nqdoc link-reviews\n\n"
        "  nqdoc link-reviews --out reviews.jsonl && nqdoc eval links --gold reviews.jsonl",
    )
    def link_reviews_cmd(
        link_type: Annotated[
            list[str] | None, typer.Option("--type", help="Only these link types; repeatable.")
        ] = None,
        out_path: Annotated[
            Path | None, typer.Option("--out", help="Write the verdicts as gold pairs (JSONL).")
        ] = None,
    ) -> None:
        """Các đánh giá liên kết — list people's verdicts, or export them in the gold format
        (type, source, target, label, note) that ``nqdoc eval links --gold`` reads."""
        from rich.console import Console

        from index.links.db import LinkStore
        from ingest.store import Store

        _check_types(link_type or [])
        reviews = LinkStore(Store(Settings().db_path)).reviews(link_type or None)
        if out_path is not None:
            lines = [json.dumps(r.as_dict(), ensure_ascii=False) for r in reviews]
            out_path.parent.mkdir(parents=True, exist_ok=True)
            out_path.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
            Console(stderr=True).print(f"Đã ghi {len(reviews)} đánh giá vào {out_path}")
            return
        out = Console()
        if not reviews:
            out.print("Chưa có đánh giá nào. (No reviews yet.)")
        for r in reviews:
            mark = "[green]đúng[/]" if r.label else "[red]sai[/]"
            who = f" — {r.reviewer}" if r.reviewer else ""
            out.print(f"{mark} {r.type} {r.source} → {r.target}  [dim]{r.at}{who}[/]", highlight=False)
            if r.note:
                out.print(f"   [dim]{r.note}[/]", highlight=False)


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *a: object) -> None:
        return None
