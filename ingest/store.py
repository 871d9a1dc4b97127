"""The store of record: documents, provisions and segments in SQLite (SQLAlchemy).

Every quote and citation the system shows is read from here; the vector index only holds
ids and a copy of the text for ranking. A *source* is one ingested file (one file may
hold many documents: a JSONL collection, a law.json); replacing a source deletes its old
documents and everything under them in the same transaction, so nothing is orphaned.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Engine,
    ForeignKey,
    Integer,
    Row,
    String,
    Text,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from ingest.models import DocKind, DocMeta, Document, Provision, Segment


class Base(DeclarativeBase):
    pass


class SourceRow(Base):
    __tablename__ = "sources"
    path: Mapped[str] = mapped_column(String, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    ingested_at: Mapped[str] = mapped_column(String(32))


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    source_path: Mapped[str] = mapped_column(ForeignKey("sources.path", ondelete="CASCADE"), index=True)
    number: Mapped[str | None] = mapped_column(String, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    issuer: Mapped[str | None] = mapped_column(String)
    date: Mapped[str | None] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(24), index=True)
    implements: Mapped[list[str]] = mapped_column(JSON)
    completeness: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64))
    page_count: Mapped[int | None] = mapped_column(Integer)
    ordinal: Mapped[int] = mapped_column(Integer)


class ProvisionRow(Base):
    __tablename__ = "provisions"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    doc_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[str | None] = mapped_column(String, index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String)
    heading: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    heading_path: Mapped[list[str]] = mapped_column(JSON)
    page_start: Mapped[int | None] = mapped_column(Integer)
    page_end: Mapped[int | None] = mapped_column(Integer)
    children: Mapped[list[str]] = mapped_column(JSON)
    fields: Mapped[dict[str, str] | None] = mapped_column(JSON)
    gap: Mapped[bool] = mapped_column(Boolean)


class SegmentRow(Base):
    __tablename__ = "segments"
    id: Mapped[str] = mapped_column(String, primary_key=True)
    doc_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    provision_id: Mapped[str] = mapped_column(String, index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    embed_text: Mapped[str] = mapped_column(Text)
    words: Mapped[str] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    n_tokens: Mapped[int] = mapped_column(Integer)


def _engine(db_path: Path) -> Engine:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{db_path}",
                           json_serializer=lambda o: json.dumps(o, ensure_ascii=False))

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    Base.metadata.create_all(engine)
    return engine


def _meta_of(row: DocumentRow) -> DocMeta:
    return DocMeta(
        number=row.number,
        title=row.title,
        issuer=row.issuer,
        date=row.date,
        kind=DocKind(row.kind),
        implements=list(row.implements or []),
        completeness=row.completeness,
    )


def _provision_of(row: ProvisionRow | Row[Any]) -> Provision:
    return Provision(
        id=row.id,
        path=row.path,
        kind=row.kind,
        label=row.label,
        heading=row.heading,
        text=row.text,
        heading_path=list(row.heading_path),
        page_start=row.page_start,
        page_end=row.page_end,
        parent_id=row.parent_id,
        ordinal=row.ordinal,
        children=list(row.children),
        fields=dict(row.fields) if row.fields else None,
        gap=row.gap,
    )


def _segment_of(row: SegmentRow | Row[Any]) -> Segment:
    return Segment(
        id=row.id,
        doc_id=row.doc_id,
        provision_id=row.provision_id,
        ordinal=row.ordinal,
        text=row.text,
        embed_text=row.embed_text,
        words=row.words,
        page=row.page,
        n_tokens=row.n_tokens,
    )


def _by_ids(table: Any, *columns: str) -> Any:
    """Rows whose id is in a JSON list (one bound parameter, one cached statement): plain rows, no
    ORM objects — these run for every search, a few times faster than the ORM query."""
    ids: Any = select(literal_column("value")).select_from(func.json_each(bindparam("ids")))
    cols = [table.c[c] for c in columns] if columns else [table]
    return select(*cols).where(table.c.id.in_(ids))


_P, _S = ProvisionRow.__table__, SegmentRow.__table__
_PROVISIONS, _SEGMENTS = _by_ids(_P), _by_ids(_S)
_CITED = _by_ids(_P, "id", "kind", "heading_path", "page_start", "text")
_SEGMENT_TEXT = _by_ids(_S, "id", "text")


def _driver_sql(stmt: Any) -> str:
    """The SQLite text of a statement with one positional parameter, for :meth:`Store._hot_rows`."""
    from sqlalchemy.dialects import sqlite

    return str(stmt.compile(dialect=sqlite.dialect()))


# Every search reads these for its hits; on the driver's cursor they cost about half of what
# the same statements cost through SQLAlchemy's result layer (10 ids: ~0.09 vs ~0.17 ms a call,
# rows and decoding included).
_CITED_SQL, _SEGMENT_TEXT_SQL = _driver_sql(_CITED), _driver_sql(_SEGMENT_TEXT)


@dataclass(frozen=True, slots=True)
class CitedProvision:
    """What a search hit shows of a provision: its text and where it sits (children, table fields
    and segments are not read — a search reads this for every hit)."""

    id: str
    kind: str
    heading_path: list[str]
    page_start: int | None
    text: str


def _ids(ids: Sequence[str]) -> str:
    return json.dumps(list(ids), ensure_ascii=False)


class Store:
    """SQLite store of record. Cheap to open; one per process/entry point."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.engine = _engine(db_path)

    def close(self) -> None:
        self.engine.dispose()

    # -- sources
    def source_hash(self, path: str) -> str | None:
        with Session(self.engine) as s:
            row = s.get(SourceRow, path)
            return row.content_hash if row else None

    def source_with_hash(self, content_hash: str) -> str | None:
        with Session(self.engine) as s:
            return s.scalar(select(SourceRow.path).where(SourceRow.content_hash == content_hash).limit(1))

    def owner_of(self, doc_id: str) -> str | None:
        """The source path a document id was ingested from, if stored."""
        with Session(self.engine) as s:
            return s.scalar(select(DocumentRow.source_path).where(DocumentRow.id == doc_id))

    def sources(self) -> list[tuple[str, str]]:
        with Session(self.engine) as s:
            return [(r.path, r.content_hash) for r in s.scalars(select(SourceRow))]

    def replace_source(
        self,
        path: str,
        content_hash: str,
        fmt: str,
        size: int,
        docs: Sequence[Document],
        segments: Sequence[Segment],
        evict: Sequence[str] = (),
    ) -> list[str]:
        """Store ``docs`` as the content of source ``path``, atomically.

        Deletes the source's previous documents (and, if given, the documents ``evict``
        held by other sources — used when the user asks to replace them), then inserts the
        new rows. Returns the ids of the documents that were removed.
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with Session(self.engine) as s, s.begin():
            old = list(s.scalars(select(DocumentRow.id).where(DocumentRow.source_path == path)))
            removed = old + [d for d in evict if d not in old]
            if removed:
                self._delete_docs(s, removed)
            s.execute(delete(SourceRow).where(SourceRow.path == path))
            s.add(SourceRow(path=path, content_hash=content_hash, format=fmt, size=size, ingested_at=now))
            s.flush()
            s.execute(
                insert(DocumentRow),
                [
                    dict(
                        id=d.id,
                        source_path=path,
                        number=d.meta.number,
                        title=d.meta.title,
                        issuer=d.meta.issuer,
                        date=d.meta.date,
                        kind=str(d.meta.kind),
                        implements=d.meta.implements,
                        completeness=d.meta.completeness,
                        format=d.format,
                        content_hash=d.content_hash,
                        page_count=d.page_count,
                        ordinal=i,
                    )
                    for i, d in enumerate(docs)
                ],
            ) if docs else None
            prov_rows = [dict(asdict(p), doc_id=d.id) for d in docs for p in d.provisions]
            if prov_rows:
                s.execute(insert(ProvisionRow), prov_rows)
            if segments:
                s.execute(insert(SegmentRow), [asdict(seg) for seg in segments])
            # Sources left without documents (their only document was evicted) go too.
            s.execute(
                delete(SourceRow).where(
                    SourceRow.path != path,
                    ~SourceRow.path.in_(select(DocumentRow.source_path).distinct()),
                )
            )
        return removed

    @staticmethod
    def _delete_docs(s: Session, doc_ids: Sequence[str]) -> None:
        for chunk_start in range(0, len(doc_ids), 500):
            chunk = list(doc_ids[chunk_start : chunk_start + 500])
            s.execute(delete(SegmentRow).where(SegmentRow.doc_id.in_(chunk)))
            s.execute(delete(ProvisionRow).where(ProvisionRow.doc_id.in_(chunk)))
            s.execute(delete(DocumentRow).where(DocumentRow.id.in_(chunk)))

    def delete_document(self, doc_id: str) -> bool:
        """Remove one document (and its source record if it was the source's last)."""
        with Session(self.engine) as s, s.begin():
            row = s.get(DocumentRow, doc_id)
            if row is None:
                return False
            src = row.source_path
            self._delete_docs(s, [doc_id])
            left = s.scalar(select(DocumentRow.id).where(DocumentRow.source_path == src).limit(1))
            if left is None:
                s.execute(delete(SourceRow).where(SourceRow.path == src))
        return True

    # -- reads
    def documents(self) -> list[Document]:
        """All documents (metadata only; ``provisions`` empty)."""
        with Session(self.engine) as s:
            rows = s.scalars(select(DocumentRow).order_by(DocumentRow.source_path, DocumentRow.ordinal))
            return [self._doc_of(r, []) for r in rows]

    def doc_ids(self) -> set[str]:
        with Session(self.engine) as s:
            return set(s.scalars(select(DocumentRow.id)))

    def get_document(self, doc_id: str, with_provisions: bool = True) -> Document | None:
        with Session(self.engine) as s:
            row = s.get(DocumentRow, doc_id)
            if row is None:
                return None
            provs: list[Provision] = []
            if with_provisions:
                provs = [
                    _provision_of(p)
                    for p in s.scalars(
                        select(ProvisionRow).where(ProvisionRow.doc_id == doc_id)
                        .order_by(ProvisionRow.ordinal)
                    )
                ]
            return self._doc_of(row, provs)

    def find_document(self, key: str) -> Document | None:
        """By id or số hiệu, case-insensitive (``57-nq/tw`` finds ``57-NQ/TW``)."""
        doc = self.get_document(key)
        if doc:
            return doc
        with Session(self.engine) as s:
            for row in s.scalars(select(DocumentRow)):
                if row.id.lower() == key.lower() or (row.number or "").lower() == key.lower():
                    return self.get_document(row.id)
        return None

    def get_provision(self, pid: str) -> Provision | None:
        with Session(self.engine) as s:
            row = s.get(ProvisionRow, pid)
            return _provision_of(row) if row else None

    def get_provisions(self, pids: Sequence[str]) -> dict[str, Provision]:
        with self.engine.connect() as c:
            return {r.id: _provision_of(r) for r in c.execute(_PROVISIONS, {"ids": _ids(pids)})}

    def cited_provisions(self, pids: Sequence[str]) -> dict[str, CitedProvision]:
        return {pid: CitedProvision(pid, kind, json.loads(path), page, text)
                for pid, kind, path, page, text in self._hot_rows(_CITED_SQL, pids)}

    def segment_texts(self, ids: Sequence[str]) -> dict[str, str]:
        return dict(self._hot_rows(_SEGMENT_TEXT_SQL, ids))

    def _hot_rows(self, sql: str, ids: Sequence[str]) -> list[Any]:
        """Rows of a by-ids statement (``_driver_sql``) on a pooled connection's own cursor."""
        with closing(self.engine.raw_connection()) as conn:
            return conn.execute(sql, (_ids(ids),)).fetchall()

    def get_segments(self, ids: Sequence[str]) -> dict[str, Segment]:
        with self.engine.connect() as c:
            return {r.id: _segment_of(r) for r in c.execute(_SEGMENTS, {"ids": _ids(ids)})}

    def segments(self, doc_ids: Sequence[str] | None = None) -> Iterator[Segment]:
        """Segments in document order, optionally of some documents only."""
        with Session(self.engine) as s:
            q = select(SegmentRow).order_by(SegmentRow.doc_id, SegmentRow.provision_id, SegmentRow.ordinal)
            if doc_ids is not None:
                q = q.where(SegmentRow.doc_id.in_(list(doc_ids)))
            for row in s.scalars(q).yield_per(2000):
                yield _segment_of(row)

    def segment_count(self, doc_ids: Sequence[str]) -> int:
        from sqlalchemy import func

        with Session(self.engine) as s:
            n = 0
            for i in range(0, len(doc_ids), 500):
                q = select(func.count()).select_from(SegmentRow).where(
                    SegmentRow.doc_id.in_(list(doc_ids[i : i + 500])))
                n += s.scalar(q) or 0
            return n

    def counts(self) -> dict[str, int]:
        from sqlalchemy import func

        with Session(self.engine) as s:
            return {
                "sources": s.scalar(select(func.count()).select_from(SourceRow)) or 0,
                "documents": s.scalar(select(func.count()).select_from(DocumentRow)) or 0,
                "provisions": s.scalar(select(func.count()).select_from(ProvisionRow)) or 0,
                "segments": s.scalar(select(func.count()).select_from(SegmentRow)) or 0,
            }

    @staticmethod
    def _doc_of(row: DocumentRow, provs: list[Provision]) -> Document:
        return Document(
            id=row.id,
            meta=_meta_of(row),
            source=row.source_path,
            format=row.format,
            content_hash=row.content_hash,
            provisions=provs,
            page_count=row.page_count,
        )
