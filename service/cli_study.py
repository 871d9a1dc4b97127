"""``nqdoc ask``, ``nqdoc brief``, ``nqdoc serve`` — the study service verbs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from index.store import SearchFilters

DocOpt = Annotated[list[str] | None, typer.Option("--doc", help="Only this document (số hiệu); repeatable.")]
KindOpt = Annotated[list[str] | None, typer.Option("--kind", help="Document kind, e.g. resolution, plan.")]
ResOpt = Annotated[
    list[str] | None,
    typer.Option("--resolution", help="Documents that are or implement this resolution; repeatable."),
]
IssuerOpt = Annotated[str | None, typer.Option(help="Issuing body, e.g. 'Chính phủ'.")]
FromOpt = Annotated[str | None, typer.Option(help="Issued on or after (YYYY[-MM[-DD]]).")]
ToOpt = Annotated[str | None, typer.Option(help="Issued on or before (YYYY[-MM[-DD]]).")]


def _text_arg(value: str, what_vi: str) -> str:
    from rich.console import Console

    if value == "-":
        value = sys.stdin.read()
    value = value.strip()
    if not value:
        Console(stderr=True).print(f"[red]error:[/] empty {what_vi.split('|')[0]} ({what_vi.split('|')[1]})")
        raise typer.Exit(2)
    return value


def _filters(
    doc: list[str] | None,
    kind: list[str] | None,
    resolution: list[str] | None,
    issuer: str | None,
    date_from: str | None,
    date_to: str | None,
) -> SearchFilters:
    from index.store import SearchFilters

    return SearchFilters(
        doc=doc or None,
        kind=kind or None,
        resolution=resolution or None,
        issuer=issuer,
        date_from=date_from,
        date_to=date_to,
    )


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def register(app: typer.Typer) -> None:
    """Add this module's verbs to ``app``."""

    @app.command(
        epilog="Examples:\n\n"
        '  nqdoc ask "Mục tiêu chi cho nghiên cứu phát triển đến năm 2030 là bao nhiêu?"\n\n'
        '  nqdoc ask "muc tieu giao duc den nam 2035" --doc 71-NQ/TW --json\n\n'
        '  echo "Ai chủ trì xây dựng Luật Công nghiệp công nghệ số?" | nqdoc ask - --resolution 57-NQ/TW\n\n'
        '  NQDOC_LLM_BASE_URL=http://127.0.0.1:8080/v1 nqdoc ask "…" --mode llm',
    )
    def ask(
        question: Annotated[str, typer.Argument(help="The question; '-' reads it from stdin.")],
        doc: DocOpt = None,
        kind: KindOpt = None,
        resolution: ResOpt = None,
        issuer: IssuerOpt = None,
        date_from: FromOpt = None,
        date_to: ToOpt = None,
        top_k: Annotated[int, typer.Option("--top-k", min=1, max=50, help="Provisions to consider.")] = 8,
        mode: Annotated[
            str,
            typer.Option(
                help="extractive (quotes only), llm (generated, checked) or auto (llm when configured)."
            ),
        ] = "auto",
        as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    ) -> None:
        """Hỏi đáp có trích dẫn — answer a question with verbatim, cited provisions."""
        from rich.console import Console

        from ingest.settings import Settings
        from service.answer import ask as ask_fn
        from service.context import ServiceContext

        question = _text_arg(question, "question|câu hỏi trống")
        with ServiceContext(Settings()) as ctx:
            answer = ask_fn(
                ctx,
                question,
                filters=_filters(doc, kind, resolution, issuer, date_from, date_to),
                top_k=top_k,
                mode=mode,
            )
        if as_json:
            _print_json(answer.as_dict())
            raise typer.Exit(0 if answer.citations else 1)
        out = Console()
        for w in answer.warnings:
            Console(stderr=True).print(f"[yellow]cảnh báo:[/] {w}", highlight=False)
        if not answer.citations:
            out.print(answer.answer, highlight=False)
            raise typer.Exit(1)
        if answer.mode == "llm":
            out.print(answer.answer, highlight=False)
            out.print()
        label = "Trích dẫn" if answer.mode == "llm" else "Trả lời (trích nguyên văn)"
        out.print(f"[bold]{label}:[/]", highlight=False)
        for i, c in enumerate(answer.citations, 1):
            page = f" · trang {c.page}" if c.page else ""
            out.print(f"[bold]{i}. {c.provision_id}[/][dim]{page}[/]", highlight=False)
            out.print(" › ".join(c.heading_path[:-1]) or c.doc_number, style="dim", highlight=False)
            out.print(f"“{c.quote}”", highlight=False)
            out.print()
        for u in answer.unsupported:
            out.print(f"[red]Chưa kiểm chứng[/] ({u.reason}): {u.sentence}", highlight=False)

    @app.command(
        epilog="Examples:\n\n"
        '  nqdoc brief "y tế cơ sở"\n\n'
        '  nqdoc brief "giáo dục đại học" --doc 71-NQ/TW --format docx --out ban-tin.docx\n\n'
        '  nqdoc brief "chuyen doi so" --resolution 57-NQ/TW --format json',
    )
    def brief(
        theme: Annotated[str, typer.Argument(help="The theme (chủ đề); '-' reads it from stdin.")],
        doc: DocOpt = None,
        kind: KindOpt = None,
        resolution: ResOpt = None,
        issuer: IssuerOpt = None,
        date_from: FromOpt = None,
        date_to: ToOpt = None,
        max_points: Annotated[
            int, typer.Option("--max-points", min=1, max=50, help="Key points at most.")
        ] = 15,
        fmt: Annotated[str, typer.Option("--format", help="md, docx or json.")] = "md",
        out: Annotated[
            Path | None, typer.Option("--out", help="Write to this file (required for docx).")
        ] = None,
    ) -> None:
        """Tóm lược chủ đề — key points on a theme, quoted and cited; Markdown, DOCX or JSON."""
        from rich.console import Console

        from ingest.settings import Settings
        from service.brief import brief_to_docx, brief_to_markdown, build_brief
        from service.context import ServiceContext

        err = Console(stderr=True)
        if fmt not in ("md", "docx", "json"):
            err.print(f"[red]error:[/] unknown format {fmt!r}: use md, docx or json (định dạng không hợp lệ)")
            raise typer.Exit(2)
        if fmt == "docx" and out is None:
            err.print("[red]error:[/] --format docx needs --out FILE.docx (cần chỉ định tệp --out)")
            raise typer.Exit(2)
        theme = _text_arg(theme, "theme|chủ đề trống")
        with ServiceContext(Settings()) as ctx:
            result = build_brief(
                ctx,
                theme,
                filters=_filters(doc, kind, resolution, issuer, date_from, date_to),
                max_points=max_points,
            )
        data: bytes
        if fmt == "json":
            data = (json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        elif fmt == "md":
            data = brief_to_markdown(result).encode("utf-8")
        else:
            data = brief_to_docx(result)
        if out is None:
            sys.stdout.write(data.decode("utf-8"))
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            err.print(
                f"Đã ghi {out} ({result.n_points} ý, {len(result.sources)} văn bản nguồn)", highlight=False
            )
        if not result.n_points:
            err.print(f"[yellow]{result.note}[/]", highlight=False)
            raise typer.Exit(1)

    @app.command(
        epilog="Examples:\n\n  nqdoc serve\n\n  NQDOC_PORT=8080 nqdoc serve\n\n  nqdoc serve --port 9000"
    )
    def serve(
        host: Annotated[
            str | None, typer.Option(help="Address to bind (default NQDOC_HOST, 127.0.0.1).")
        ] = None,
        port: Annotated[int | None, typer.Option(help="Port (default NQDOC_PORT, 8000).")] = None,
    ) -> None:
        """Chạy máy chủ web — serve the API and web page (127.0.0.1 by default)."""
        import uvicorn

        from ingest.settings import Settings
        from service.app import create_app

        settings = Settings()
        updates: dict[str, Any] = {}
        if host:
            updates["host"] = host
        if port:
            updates["port"] = port
        if updates:
            settings = settings.model_copy(update=updates)
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port)
