"""Filters shared by the CLI and the API: by document, agency, deadline, flag."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ingest.errors import NotFound, NqdocError
from ingest.settings import Settings
from ingest.store import Store
from ingest.tasks.models import Commitment, Target
from ingest.tasks.persist import ensure_extracted, load_commitments, load_targets, successor_map
from ingest.tasks.successors import AgencyMatch, match_agency


class InvalidFilter(NqdocError):
    code = "invalid_filter"
    http_status = 422


def parse_date(value: str | None, name: str) -> date | None:
    """An ISO date (``2026-12-31``); a clear error otherwise."""
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidFilter(
            f"{name} must be a date YYYY-MM-DD, got {value!r}",
            message_vi=f"{name}: ngày phải có dạng YYYY-MM-DD (ví dụ 2026-12-31), nhận được «{value}»",
        ) from None


@dataclass(slots=True)
class TaskFilter:
    doc: str | None = None  # document id or số hiệu
    agency: str | None = None  # lead agency (any alias; 2025 successors match)
    partner: str | None = None
    due_before: date | None = None
    overdue_on: date | None = None
    flag: str | None = None
    source: str | None = None  # table | prose


def _doc_ids(store: Store, key: str | None) -> list[str] | None:
    if not key:
        return None
    doc = store.find_document(key)
    if doc is None:
        raise NotFound(
            f"document {key!r} is not in the store",
            message_vi=f"Không tìm thấy văn bản «{key}» trong kho; kiểm tra số hiệu hoặc nạp văn bản trước.",
        )
    return [doc.id]


def _end(c: Commitment) -> date | None:
    return date.fromisoformat(c.deadline.end) if c.deadline.end else None


@dataclass(slots=True)
class Selected:
    """A commitment that passed the filters, with how its agency filters matched (if any)."""

    commitment: Commitment
    matches: dict[str, AgencyMatch] = field(default_factory=dict)  # "agency" / "partner" -> match

    def as_dict(self) -> dict[str, Any]:
        d = self.commitment.as_dict()
        for k, m in self.matches.items():
            d[f"{k}_match"] = m.as_dict()
        return d


def filter_commitments(source: Settings | Store, f: TaskFilter) -> list[Selected]:
    """Commitments matching every given filter (extraction brought up to date first).

    An agency filter also matches through successions stated in the store's documents (or the
    user's ``successors.yaml``); each :class:`Selected` says how it matched (``via``).
    """
    store = source if isinstance(source, Store) else Store(source.db_path)
    ensure_extracted(store)
    smap = successor_map(store) if (f.agency or f.partner) else None
    out: list[Selected] = []
    for c in load_commitments(store, _doc_ids(store, f.doc)):
        matches: dict[str, AgencyMatch] = {}
        if f.agency:
            m = match_agency(f.agency, c.lead, smap)
            if m is None:
                continue
            matches["agency"] = m
        if f.partner:
            m = match_agency(f.partner, c.partners, smap)
            if m is None:
                continue
            matches["partner"] = m
        end = _end(c)
        if f.due_before and (end is None or end > f.due_before):
            continue
        # Overdue: a fixed deadline that ended before the given day (recurring and continuous work never is).
        if f.overdue_on and (
            end is None or end >= f.overdue_on or c.deadline.kind in ("recurring", "continuous")
        ):
            continue
        if f.flag and f.flag not in c.flags:
            continue
        if f.source and c.source != f.source:
            continue
        out.append(Selected(c, matches))
    return out


def select_commitments(source: Settings | Store, f: TaskFilter) -> list[Commitment]:
    """The commitments of :func:`filter_commitments`."""
    return [s.commitment for s in filter_commitments(source, f)]


def select_targets(
    source: Settings | Store, doc: str | None = None, agency: str | None = None, year: int | None = None
) -> list[Target]:
    store = source if isinstance(source, Store) else Store(source.db_path)
    ensure_extracted(store)
    smap = successor_map(store) if agency else None
    out: list[Target] = []
    for t in load_targets(store, _doc_ids(store, doc)):
        if agency and match_agency(agency, t.monitor, smap) is None:
            continue
        if year and t.value.year != year:
            continue
        out.append(t)
    return out
