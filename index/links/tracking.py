"""Tracker rows (a province's task list) as linkable tasks.

A tracker such as ``provincial-tasks.jsonl`` is data, not a document: each row has a ``code``
(``038_NQ70``), a ``resolution`` (``NQ70``), the ``task`` text as written, a ``deadline`` and a
``status``. Rather than pretend it is a document of the corpus, its rows are kept in the
``tracked_tasks`` table and linked directly: a row becomes a pseudo-provision with id
``tracking:<code>`` whose pseudo-document is ``tracking:<file stem>``, implementing the
resolution its ``resolution`` column names.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from index.links.db import LinkStore, TrackedTaskRow
from index.links.model import TRACKING_PREFIX
from ingest.errors import NqdocError
from ingest.models import DocKind, DocMeta, Document, Provision
from ingest.readers.jsonl import BadJsonLine, jsonl_lines, jsonl_records
from ingest.refs import party_number_from_short


class BadTracker(NqdocError):
    """A tracker file cannot be read as task rows."""

    code = "bad_tracker"
    http_status = 422


def tracker_id(path: Path) -> str:
    return TRACKING_PREFIX + path.stem


def read_tracker(path: Path) -> list[TrackedTaskRow]:
    """Rows of a JSONL tracker: ``code``, ``task``; optional ``resolution``, ``deadline``, ``status``."""
    if not path.is_file():
        raise BadTracker(f"tracker file not found: {path}", message_vi=f"không tìm thấy tệp theo dõi: {path}")
    rows: list[TrackedTaskRow] = []
    seen: set[str] = set()
    tracker = tracker_id(path)
    text_all = path.read_text(encoding="utf-8")
    lines = jsonl_lines(text_all)
    try:
        records = list(jsonl_records(text_all))
    except BadJsonLine as e:
        raise BadTracker(
            f"{path.name}:{e.lineno}: not JSON ({e.msg})",
            message_vi=f"{path.name}: dòng {e.lineno} không phải JSON",
        ) from e
    for n, rec in records:
        if not isinstance(rec, dict) or not rec.get("code") or not str(rec.get("task") or "").strip():
            raise BadTracker(
                f"{path.name}:{n}: a row needs 'code' and 'task'",
                message_vi=f"{path.name}: dòng {n} thiếu 'code' hoặc 'task'",
            )
        code = str(rec["code"]).strip()
        rid = TRACKING_PREFIX + code
        if rid in seen:  # the source repeats some codes; keep each row, numbered
            k = 2
            while f"{rid}~{k}" in seen:
                k += 1
            rid = f"{rid}~{k}"
        seen.add(rid)
        res = str(rec.get("resolution") or "")
        text = str(rec["task"]).strip()
        rows.append(
            TrackedTaskRow(
                id=rid,
                tracker=tracker,
                code=code,
                resolution=party_number_from_short(res) or (res or None),
                text=text,
                deadline=rec.get("deadline"),
                status=rec.get("status"),
                source_path=str(path),
                content_hash=hashlib.sha256(lines[n - 1].encode("utf-8")).hexdigest(),
            )
        )
    if not rows:
        raise BadTracker(f"{path.name}: no rows", message_vi=f"{path.name}: tệp không có dòng nào")
    return rows


def import_tracker(links: LinkStore, path: Path) -> int:
    """Store (or replace) a tracker's rows; returns the row count. Links follow on the next update."""
    rows = read_tracker(path)
    links.replace_tracker(tracker_id(path), rows)
    return len(rows)


def tracker_documents(links: LinkStore) -> list[Document]:
    """Each tracker's rows for one resolution as a pseudo-document (kind plan) implementing it.

    One pseudo-document per (tracker, resolution) — ``tracking:provincial-tasks/70-NQ/TW`` — so
    that a row is only ever linked to the resolution its own ``resolution`` column names.
    """
    by_tracker: dict[str, list[TrackedTaskRow]] = {}
    for r in links.tracked_tasks():
        by_tracker.setdefault(f"{r.tracker}/{r.resolution}" if r.resolution else r.tracker, []).append(r)
    docs = []
    for tracker, rows in by_tracker.items():
        implements = sorted({r.resolution for r in rows if r.resolution})
        provs = [
            Provision(
                id=r.id,
                path=r.code,
                kind="row",
                label=r.code,
                heading=r.text[:120],
                text=r.text,
                heading_path=[tracker, r.code],
                ordinal=i,
                fields={
                    "Nhiệm vụ": r.text,
                    "Nghị quyết": r.resolution or "",
                    "Thời hạn": r.deadline or "",
                    "Tình trạng": r.status or "",
                },
            )
            for i, r in enumerate(rows)
        ]
        h = hashlib.sha256("".join(r.content_hash for r in rows).encode()).hexdigest()
        docs.append(
            Document(
                id=tracker,
                meta=DocMeta(
                    number=tracker,
                    kind=DocKind.PLAN,
                    implements=implements,
                    title=f"Bảng theo dõi nhiệm vụ {tracker[len(TRACKING_PREFIX) :]}",
                ),
                source=rows[0].source_path,
                format="jsonl",
                content_hash=h,
                provisions=provs,
            )
        )
    return docs
