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
        bool,
        typer.Option("--replace", help="Replace documents with the same số hiệu ingested from other files.")
    ] = False,
    index: Annotated[
        bool, typer.Option("--index/--no-index", help="Update the search index afterwards.")
    ] = True,
) -> None:
    """Nạp văn bản — ingest documents (PDF, scanned PDF, DOCX, HTML, Markdown, text, JSONL)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest.pipeline import FileOutcome, ingest_paths

    settings = _settings()
    err = Console(stderr=True)
    marks = {"added": "[green]+[/]", "replaced": "[yellow]~[/]", "unchanged": "[dim]=[/]",
             "failed": "[red]✗[/]"}
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
    derived: dict[str, Any] = {}
    if index:
        index_report = _sync_index(settings, quiet=as_json)
        derived = _update_derived(settings, quiet=as_json)
    if as_json:
        _print_json({
            "summary": report.summary(),
            "seconds": round(report.seconds, 3),
            "files": [o.__dict__ for o in report.files],
            "index": index_report,
            **derived,
        })
    else:
        s = report.summary()
        err.print(
            f"Đã thêm {s['added']} · không đổi {s['unchanged']} · thay thế {s['replaced']} "
            f"· lỗi {s['failed']}"
            f"  (added / unchanged / replaced / failed) in {report.seconds:.1f}s"
        )
        for o in report.files:
            if o.status == "failed":
                err.print(f"[red]error:[/] {o.error}", highlight=False)
    raise typer.Exit(1 if report.failed else 0)


def _update_derived(settings: Settings, quiet: bool) -> dict[str, Any]:
    """Commitments ("5 rõ") and cross-links of what changed — incremental by content hash."""
    from index.links import update_links
    from ingest.tasks.persist import ensure_extracted

    if not quiet:
        sys.stderr.write("Trích xuất nhiệm vụ và liên kết (tasks, links)…\n")
    tasks = ensure_extracted(settings)
    links = update_links(settings)
    return {
        "tasks": {"extracted": len(tasks.extracted), "dropped": len(tasks.dropped),
                  "commitments": tasks.commitments, "targets": tasks.targets},
        "links": links.as_dict(),
    }


def _sync_index(settings: Settings, quiet: bool) -> dict[str, Any] | None:
    """Bring the vector index in line with the store, when the index stage is installed."""
    try:
        from index.sync import sync_index
    except ImportError:
        return None
    return sync_index(settings, progress=not quiet)


@app.command(
    epilog="Examples:\n\n  nqdoc show 57-NQ/TW\n\n  nqdoc show 57-NQ/TW:III.2 --json\n\n"
           "  nqdoc show '03/NQ-CP:PL2.17'"
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
        out.print(f"  {c['id'].split(':', 1)[1]}  {c['heading']}", highlight=False, overflow="ellipsis",
                  no_wrap=True)


@app.command(
    epilog="Examples:\n\n"
    "  nqdoc search \"mục tiêu giáo dục đến năm 2030\"\n\n"
    "  nqdoc search \"muc tieu giao duc 2030\" --doc 71-NQ/TW --top-k 5 --json\n\n"
    "  echo \"ai chủ trì xây dựng luật khoa học\" | nqdoc search -"
)
def search(
    query: Annotated[str, typer.Argument(help="The question; '-' reads it from stdin.")],
    doc: Annotated[
        list[str] | None, typer.Option("--doc", help="Only this document (số hiệu); repeatable.")
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="Document kind, e.g. resolution, plan.")
    ] = None,
    resolution: Annotated[
        list[str] | None,
        typer.Option("--resolution", help="Documents that are or implement this resolution.")
    ] = None,
    issuer: Annotated[str | None, typer.Option(help="Issuing body, e.g. 'Chính phủ'.")] = None,
    date_from: Annotated[str | None, typer.Option(help="Issued on or after (YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, typer.Option(help="Issued on or before (YYYY-MM-DD).")] = None,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100, help="Number of provisions.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON hits.")] = False,
) -> None:
    """Tìm điều khoản — hybrid search; results are provisions with citations."""
    from rich.console import Console

    from index.retrieve import Retriever
    from index.store import SearchFilters

    if query == "-":
        query = sys.stdin.read()
    query = query.strip()
    if not query:
        Console(stderr=True).print("[red]error:[/] empty query (câu hỏi trống)")
        raise typer.Exit(2)
    settings = _settings()
    filters = SearchFilters(doc=doc or None, kind=kind or None, resolution=resolution or None, issuer=issuer,
                            date_from=date_from, date_to=date_to)
    retriever = Retriever(settings)
    try:
        hits = retriever.search(query, filters=filters, top_k=top_k)
    finally:
        retriever.close()
    if as_json:
        _print_json({"query": query, "hits": [h.as_dict() for h in hits]})
        return
    out = Console()
    if not hits:
        out.print("Không tìm thấy điều khoản phù hợp. (No matching provision.)")
    for i, h in enumerate(hits, 1):
        page = f" · trang {h.page}" if h.page else ""
        out.print(f"[bold]{i}. {h.provision_id}[/]  [dim]{h.score:.3f}{page}[/]", highlight=False)
        out.print(" › ".join(h.heading_path[:-1]), style="dim", highlight=False)
        out.print(h.quote, highlight=False)
        out.print()


@app.command("index", epilog="Examples:\n\n  nqdoc index\n\n  nqdoc index --rebuild")
def index_cmd(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop the index and build it again.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Lập chỉ mục — bring the search index in line with the stored documents."""
    from index.sync import sync_index

    report = sync_index(_settings(), progress=not as_json, rebuild=rebuild)
    _print_json(report) if as_json else sys.stderr.write(
        f"Chỉ mục: +{report['added']} văn bản, -{report['removed']}, {report['segments']} đoạn "
        f"({report['seconds']}s)\n")


def _register_service_verbs() -> None:
    from service import cli_links, cli_study, cli_tasks

    for mod in (cli_study, cli_tasks, cli_links):
        mod.register(app)


_register_service_verbs()


def _load_plugins() -> None:
    """Verbs from packages above ``service`` (e.g. ``eval``), registered as entry points."""
    for ep in entry_points(group="nqdoc.commands"):
        try:
            sub = ep.load()
        except ImportError:
            continue
        app.add_typer(sub, name=ep.name)


def main() -> None:
    from ingest.errors import NqdocError

    _load_plugins()
    try:
        app()
    except NqdocError as err:  # expected failures: one line, no traceback
        sys.stderr.write(f"error: {err}\nlỗi: {err.message_vi}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
