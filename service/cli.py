"""``nqdoc`` — the command line, a thin twin of the API.

Each verb builds Settings at entry, calls the same functions the API calls and prints
either human-readable output or ``--json``. Heavy modules are imported inside commands so
that ``nqdoc --help`` and re-running an unchanged ingest stay fast.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any

import typer

from ingest.settings import Settings

app = typer.Typer(
    name="nqdoc",
    help="nqdoc — tra cứu, trích dẫn và theo dõi thực hiện nghị quyết.\n\n"
    "Document intelligence for Vietnamese Party resolutions and their action programmes.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)


def _settings() -> Settings:
    return Settings()


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.command(
    epilog="Examples:\n\n"
    "  nqdoc ingest ../shared/corpus\n\n"
    "  nqdoc ingest 'corpus/**/*.pdf' --json\n\n"
    "  nqdoc ingest nq72.pdf --replace   # replace 72-NQ/TW ingested from another file"
)
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or glob patterns.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace documents with the same số hiệu ingested from other files.")
    ] = False,
    index: Annotated[bool, typer.Option("--index/--no-index", help="Update the search index afterwards.")] = True,
) -> None:
    """Nạp văn bản — ingest documents (PDF, scanned PDF, DOCX, HTML, Markdown, text, JSONL)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest.pipeline import FileOutcome, ingest_paths

    settings = _settings()
    err = Console(stderr=True)
    marks = {"added": "[green]+[/]", "replaced": "[yellow]~[/]", "unchanged": "[dim]=[/]", "failed": "[red]✗[/]"}
    with Progress(
        TextColumn("[bold]Đang nạp[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=as_json or not err.is_terminal,
    ) as progress:
        task = progress.add_task("", total=None)

        def on_file(path: Path, i: int, n: int) -> None:
            progress.update(task, total=n, completed=i, description=path.name)

        def on_done(o: FileOutcome) -> None:
            progress.advance(task)
            if not as_json and o.status != "unchanged":
                msg = o.error if o.status == "failed" else ", ".join(o.documents[:3]) + (
                    f" … (+{len(o.documents) - 3})" if len(o.documents) > 3 else "")
                progress.console.print(f"{marks[o.status]} {o.path}  [dim]{msg}[/]", highlight=False)

        report = ingest_paths(paths, settings, replace=replace, on_file=on_file, on_done=on_done)
    index_report: dict[str, Any] | None = None
    if index:
        index_report = _sync_index(settings, quiet=as_json)
    if as_json:
        _print_json({
            "summary": report.summary(),
            "seconds": round(report.seconds, 3),
            "files": [o.__dict__ for o in report.files],
            "index": index_report,
        })
    else:
        s = report.summary()
        err.print(
            f"Đã thêm {s['added']} · không đổi {s['unchanged']} · thay thế {s['replaced']} · lỗi {s['failed']}"
            f"  (added / unchanged / replaced / failed) in {report.seconds:.1f}s"
        )
        for o in report.files:
            if o.status == "failed":
                err.print(f"[red]error:[/] {o.error}", highlight=False)
    raise typer.Exit(1 if report.failed else 0)


def _sync_index(settings: Settings, quiet: bool) -> dict[str, Any] | None:
    """Bring the vector index in line with the store, when the index stage is installed."""
    try:
        from index.sync import sync_index
    except ImportError:
        return None
    return sync_index(settings, progress=not quiet)


@app.command(
    epilog="Examples:\n\n  nqdoc show 57-NQ/TW\n\n  nqdoc show 57-NQ/TW:III.2 --json\n\n  nqdoc show '03/NQ-CP:PL2.17'"
)
def show(
    key: Annotated[str, typer.Argument(help="A số hiệu (document number) or a provision id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Xem văn bản hoặc điều khoản — show a document outline or one provision in context."""
    from rich.console import Console

    from service.views import document_outline, provision_view

    settings = _settings()
    from ingest.store import Store

    store = Store(settings.db_path)
    out = Console()
    doc = store.find_document(key)
    if doc is not None:
        outline = document_outline(doc)
        if as_json:
            _print_json(outline)
        else:
            m = outline["document"]
            out.print(f"[bold]{m['id']}[/] — {m['title'] or ''}", highlight=False)
            out.print(f"[dim]{m['kind']} · {m['issuer'] or '?'} · {m['date'] or '?'} · {m['source']}[/]",
                      highlight=False)
            for node in outline["outline"]:
                pad = "  " * node["depth"]
                style = "dim italic" if node["gap"] else ""
                line = f"{pad}{node['id'].split(':', 1)[1]}  {node['heading']}"
                out.print(f"[{style}]{line}[/]" if style else line, highlight=False, overflow="ellipsis",
                          no_wrap=True)
        raise typer.Exit(0)
    view = provision_view(store, key)
    if view is None:
        Console(stderr=True).print(f"[red]error:[/] not found: {key} (không tìm thấy văn bản/điều khoản)")
        raise typer.Exit(2)
    if as_json:
        _print_json(view)
        raise typer.Exit(0)
    p = view["provision"]
    out.print(f"[bold]{p['id']}[/]  [dim]trang {p['page_start'] or '–'}[/]", highlight=False)
    out.print(" › ".join(p["heading_path"][:-1]) or view["document"]["id"], style="dim", highlight=False)
    out.print(p["text"], highlight=False)
    if p.get("fields"):
        for k, v in p["fields"].items():
            out.print(f"  [bold]{k}:[/] {v}", highlight=False)
    for c in view["children"]:
        out.print(f"  {c['id'].split(':', 1)[1]}  {c['heading']}", highlight=False, overflow="ellipsis", no_wrap=True)


def _load_plugins() -> None:
    """Verbs from packages above ``service`` (e.g. ``eval``), registered as entry points."""
    for ep in entry_points(group="nqdoc.commands"):
        try:
            sub = ep.load()
        except ImportError:
            continue
        app.add_typer(sub, name=ep.name)


def main() -> None:
    _load_plugins()
    app()


if __name__ == "__main__":
    main()
