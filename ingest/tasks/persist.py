"""Persist commitments and targets in tables this package owns, on the store's SQLite file.

Records are keyed by document id and the document's ``content_hash`` (plus
:data:`EXTRACTOR_VERSION`, so a change of the rules re-extracts): :func:`ensure_extracted`
re-extracts only documents that are new or whose content changed, and drops the records of
documents no longer in the store. Readers (:func:`load_commitments`, :func:`load_targets`,
:func:`load_successions`) never extract.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, delete, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ingest.settings import Settings
from ingest.store import Store
from ingest.tasks.models import Commitment, Deadline, Output, Reporting, Target, TargetValue
from ingest.tasks.successors import Succession, SuccessorMap, configured_successions, successions_of

# Bump when extraction rules change: stored records of every document are then recomputed.
EXTRACTOR_VERSION = "2"


class _Base(DeclarativeBase):
    pass


class ExtractionRow(_Base):
    __tablename__ = "task_extractions"
    doc_id: Mapped[str] = mapped_column(String, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    extracted_at: Mapped[str] = mapped_column(String(32))
    n_commitments: Mapped[int] = mapped_column(Integer)
    n_targets: Mapped[int] = mapped_column(Integer)


class CommitmentRow(_Base):
    __tablename__ = "commitments"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    doc_id: Mapped[str] = mapped_column(String, index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class TargetRow(_Base):
    __tablename__ = "targets"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    doc_id: Mapped[str] = mapped_column(String, index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class SuccessionRow(_Base):
    """An agency succession a document states (``Khi X kết thúc hoạt động, Y … tiếp tục``)."""

    __tablename__ = "agency_successions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_id: Mapped[str] = mapped_column(String, index=True)
    old: Mapped[str] = mapped_column(String)
    new: Mapped[str] = mapped_column(String)
    provision_id: Mapped[str] = mapped_column(String)
    quote: Mapped[str] = mapped_column(String)


def _key(content_hash: str) -> str:
    return f"{content_hash}@{EXTRACTOR_VERSION}"


@dataclass(slots=True)
class ExtractReport:
    extracted: list[str]
    unchanged: int
    dropped: list[str]
    commitments: int
    targets: int


def _store_of(source: Settings | Store) -> Store:
    return source if isinstance(source, Store) else Store(source.db_path)


def ensure_extracted(
    source: Settings | Store, on_doc: Callable[[str, int, int], None] | None = None
) -> ExtractReport:
    """Bring the commitment/target tables in line with the store; returns what changed."""
    from ingest.tasks.extract import extract_document
    from ingest.tasks.targets import extract_targets

    store = _store_of(source)
    _Base.metadata.create_all(store.engine)
    docs = {d.id: d.content_hash for d in store.documents()}
    with Session(store.engine) as s:
        known = {r.doc_id: r.content_hash for r in s.scalars(select(ExtractionRow))}
    dropped = [d for d in known if d not in docs]
    todo = [d for d, h in docs.items() if known.get(d) != _key(h)]
    n_c = n_t = 0
    with Session(store.engine) as s, s.begin():
        for chunk in (dropped + todo,):
            if chunk:
                s.execute(delete(CommitmentRow).where(CommitmentRow.doc_id.in_(chunk)))
                s.execute(delete(TargetRow).where(TargetRow.doc_id.in_(chunk)))
                s.execute(delete(ExtractionRow).where(ExtractionRow.doc_id.in_(chunk)))
                s.execute(delete(SuccessionRow).where(SuccessionRow.doc_id.in_(chunk)))
    for i, doc_id in enumerate(todo):
        if on_doc:
            on_doc(doc_id, i, len(todo))
        doc = store.get_document(doc_id)
        if doc is None:
            continue
        commitments = extract_document(doc)
        targets = extract_targets(doc)
        n_c += len(commitments)
        n_t += len(targets)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with Session(store.engine) as s, s.begin():
            if commitments:
                s.execute(
                    insert(CommitmentRow),
                    [
                        dict(id=c.id, doc_id=doc_id, ordinal=k, data=c.as_dict())
                        for k, c in enumerate(commitments)
                    ],
                )
            if targets:
                s.execute(
                    insert(TargetRow),
                    [
                        dict(id=t.id, doc_id=doc_id, ordinal=k, data=t.as_dict())
                        for k, t in enumerate(targets)
                    ],
                )
            for x in successions_of(doc.provisions):
                s.add(
                    SuccessionRow(doc_id=doc_id, old=x.old, new=x.new, provision_id=x.source, quote=x.quote)
                )
            s.add(
                ExtractionRow(
                    doc_id=doc_id,
                    content_hash=_key(doc.content_hash),
                    extracted_at=now,
                    n_commitments=len(commitments),
                    n_targets=len(targets),
                )
            )
    return ExtractReport(todo, len(docs) - len(todo), dropped, n_c, n_t)


def commitment_from_dict(d: dict[str, Any]) -> Commitment:
    d = dict(d)
    out = dict(d["output"])
    out.pop("type", None)
    tv = out.pop("target", None)
    return Commitment(
        **{
            **d,
            "deadline": Deadline(**d["deadline"]),
            "output": Output(**out, target=TargetValue(**tv) if tv else None),
            "reporting": [Reporting(**r) for r in d["reporting"]],
        }
    )


def target_from_dict(d: dict[str, Any]) -> Target:
    return Target(**{**d, "value": TargetValue(**d["value"])})


def load_commitments(source: Settings | Store, doc_ids: list[str] | None = None) -> list[Commitment]:
    """Stored commitments in document order (call :func:`ensure_extracted` first)."""
    store = _store_of(source)
    _Base.metadata.create_all(store.engine)
    order = {d.id: i for i, d in enumerate(store.documents())}
    with Session(store.engine) as s:
        q = select(CommitmentRow)
        if doc_ids is not None:
            q = q.where(CommitmentRow.doc_id.in_(doc_ids))
        rows = sorted(s.scalars(q), key=lambda r: (order.get(r.doc_id, 1 << 30), r.ordinal))
        out = [commitment_from_dict(r.data) for r in rows]
    smap = successor_map(store)
    for c in out:  # successions stated anywhere in the store (and the user's YAML) apply to every record
        c.lead_current = smap.current_names(c.lead)
    return out


def load_successions(source: Settings | Store) -> list[Succession]:
    """Successions stated by the documents in the store, in document order, then the user's YAML ones."""
    store = _store_of(source)
    _Base.metadata.create_all(store.engine)
    order = {d.id: i for i, d in enumerate(store.documents())}
    with Session(store.engine) as s:
        rows = sorted(s.scalars(select(SuccessionRow)), key=lambda r: (order.get(r.doc_id, 1 << 30), r.id))
        found = [Succession(r.old, r.new, r.provision_id, r.quote) for r in rows]
    return found + configured_successions()


def successor_map(source: Settings | Store) -> SuccessorMap:
    return SuccessorMap(load_successions(source))


def load_targets(source: Settings | Store, doc_ids: list[str] | None = None) -> list[Target]:
    store = _store_of(source)
    _Base.metadata.create_all(store.engine)
    order = {d.id: i for i, d in enumerate(store.documents())}
    with Session(store.engine) as s:
        q = select(TargetRow)
        if doc_ids is not None:
            q = q.where(TargetRow.doc_id.in_(doc_ids))
        rows = sorted(s.scalars(q), key=lambda r: (order.get(r.doc_id, 1 << 30), r.ordinal))
        return [target_from_dict(r.data) for r in rows]
