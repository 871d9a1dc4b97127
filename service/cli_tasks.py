"""``nqdoc tasks``, ``nqdoc targets`` — "5 rõ" commitments and indicators."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Fmt(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    docx = "docx"


def _fail(e: Exception) -> None:
    msg = getattr(e, "message_vi", None) or str(e)
    sys.stderr.write(f"Lỗi: {msg}\n")
    raise typer.Exit(2)


def _extract_with_progress(settings: object) -> None:
    """Bring the extracted records up to date, with a progress bar when there is work."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ingest.tasks.persist import ensure_extracted

    err = Console(stderr=True)
    with Progress(
        TextColumn("[bold]Đang trích xuất nhiệm vụ[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        t = progress.add_task("", total=None)

        def on_doc(doc_id: str, i: int, n: int) -> None:
            progress.update(t, total=n, completed=i, description=doc_id)

        ensure_extracted(settings, on_doc=on_doc)  # type: ignore[arg-type]


def _write(data: bytes, out: Path | None, fmt: Fmt, default_name: str) -> None:
    if out is None and fmt in (Fmt.xlsx, Fmt.docx):
        out = Path(f"{default_name}.{fmt.value}")
    if out is None:
        sys.stdout.write(data.decode("utf-8-sig"))
        if not data.endswith(b"\n"):
            sys.stdout.write("\n")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    sys.stderr.write(f"Đã ghi {out}\n")


def _slug(text: str) -> str:
    import re

    from ingest.normalize import fold

    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "tat-ca"


def register(app: typer.Typer) -> None:
    """Add this module's verbs to ``app``."""

    @app.command(
        "tasks",
        epilog="Examples:\n\n"
        "  nqdoc tasks --doc 03/NQ-CP --format xlsx --out nhiem-vu-03.xlsx\n\n"
        "  nqdoc tasks --agency 'Bộ KH&CN' --due-before 2025-12-31\n\n"
        "  nqdoc tasks --overdue-on 2026-01-01 --format csv > qua-han.csv\n\n"
        "  nqdoc tasks --flag no_lead --json",
    )
    def tasks(
        doc: Annotated[str | None, typer.Option(help="Số hiệu hoặc id văn bản, ví dụ 03/NQ-CP.")] = None,
        agency: Annotated[
            str | None,
            typer.Option(help="Cơ quan chủ trì (tên, viết tắt; tính cả cơ quan kế thừa sau sắp xếp 2025)."),
        ] = None,
        partner: Annotated[str | None, typer.Option(help="Cơ quan phối hợp.")] = None,
        due_before: Annotated[
            str | None, typer.Option(help="Thời hạn kết thúc trước hoặc đúng ngày YYYY-MM-DD.")
        ] = None,
        overdue_on: Annotated[str | None, typer.Option(help="Quá hạn tính đến ngày YYYY-MM-DD.")] = None,
        flag: Annotated[
            str | None,
            typer.Option(
                help="Chỉ nhiệm vụ có cảnh báo này: no_lead, no_deadline, "
                "vague_deadline, no_measurable_output …"
            ),
        ] = None,
        source: Annotated[
            str | None, typer.Option(help="table (bảng phụ lục) hoặc prose (văn xuôi).")
        ] = None,
        fmt: Annotated[Fmt, typer.Option("--format", help="table | json | csv | xlsx | docx")] = Fmt.table,
        as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
        out: Annotated[
            Path | None, typer.Option(help="Output file (xlsx/docx default to ./nhiem-vu-….xlsx).")
        ] = None,
    ) -> None:
        """Nhiệm vụ "5 rõ" — commitments extracted from every ingested document, filtered and exported."""
        from ingest.errors import NqdocError
        from ingest.settings import Settings
        from ingest.tasks.query import TaskFilter, filter_commitments, parse_date
        from service.exports import export_tasks

        settings = Settings()
        if as_json:
            fmt = Fmt.json
        try:
            f = TaskFilter(
                doc=doc,
                agency=agency,
                partner=partner,
                due_before=parse_date(due_before, "--due-before"),
                overdue_on=parse_date(overdue_on, "--overdue-on"),
                flag=flag,
                source=source,
            )
            _extract_with_progress(settings)
            selected = filter_commitments(settings, f)
        except NqdocError as e:
            _fail(e)
            return
        title = (
            "Danh mục nhiệm vụ" + (f" — {doc}" if doc else "") + (f" — chủ trì: {agency}" if agency else "")
        )
        if fmt == Fmt.table:
            _print_tasks(selected)
            return
        _write(export_tasks(selected, fmt.value, title), out, fmt, "nhiem-vu-" + _slug(doc or "tat-ca"))

    @app.command(
        "targets",
        epilog="Examples:\n\n  nqdoc targets --doc 03/NQ-CP --format xlsx\n\n  nqdoc targets --year 2030 --json",  # noqa: E501
    )
    def targets(
        doc: Annotated[str | None, typer.Option(help="Số hiệu hoặc id văn bản.")] = None,
        agency: Annotated[str | None, typer.Option(help="Cơ quan chủ trì theo dõi, đánh giá.")] = None,
        year: Annotated[int | None, typer.Option(help="Năm của chỉ tiêu (ví dụ 2030).")] = None,
        fmt: Annotated[Fmt, typer.Option("--format", help="table | json | csv | xlsx | docx")] = Fmt.table,
        as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
        out: Annotated[Path | None, typer.Option(help="Output file.")] = None,
    ) -> None:
        """Chỉ tiêu — targets and indicators with value, unit, year and monitoring agency."""
        from ingest.errors import NqdocError
        from ingest.settings import Settings
        from ingest.tasks.query import select_targets
        from service.exports import export_targets

        settings = Settings()
        if as_json:
            fmt = Fmt.json
        try:
            _extract_with_progress(settings)
            items = select_targets(settings, doc=doc, agency=agency, year=year)
        except NqdocError as e:
            _fail(e)
            return
        if fmt == Fmt.table:
            from rich.console import Console
            from rich.table import Table

            t = Table("Chỉ tiêu", "Giá trị", "Năm", "Theo dõi", "Nguồn", show_lines=False)
            for x in items:
                t.add_row(
                    x.indicator[:80],
                    x.value.as_written[:40],
                    str(x.value.year or ""),
                    ", ".join(x.monitor),
                    x.provision_id,
                )
            Console().print(t)
            Console(stderr=True).print(f"{len(items)} chỉ tiêu")
            return
        title = "Danh mục chỉ tiêu" + (f" — {doc}" if doc else "")
        _write(export_targets(items, fmt.value, title), out, fmt, "chi-tieu-" + _slug(doc or "tat-ca"))


def _print_tasks(items: list) -> None:  # type: ignore[type-arg]  # list[Selected]
    from rich.console import Console
    from rich.table import Table

    from service.exports import deadline_vi, flags_vi

    t = Table("Nguồn", "Nhiệm vụ", "Chủ trì", "Thời hạn", "Cần bổ sung")
    for sel in items:
        c = sel.commitment
        m = sel.matches.get("agency")
        via = ""
        if m is not None and m.via == "successor":  # say why a record of another agency is listed
            via = f" (kế thừa: {' → '.join([m.successions[0].old] + [s.new for s in m.successions])})"
        t.add_row(
            c.provision_id,
            c.task_short,
            ", ".join(c.lead) + via,
            c.deadline.as_written or deadline_vi(c.deadline),
            flags_vi([f for f in c.flags if f not in ("lead_from_implementation_part",)]),
        )
    Console().print(t)
    Console(stderr=True).print(f"{len(items)} nhiệm vụ")
