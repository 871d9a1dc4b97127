"""Tables this package owns in the store's SQLite file (SQLAlchemy), and their access.

* ``links`` — the computed links;
* ``link_pairs`` — for each (source document, target document, link family) the content
  hashes the links were computed from: a pair whose hashes still match is not recomputed,
  so adding or replacing one document recomputes only the pairs it takes part in;
* ``link_vectors`` — provision embeddings (keyed by provision id + text hash + model id),
  so a new programme embeds only its own provisions;
* ``tracked_tasks`` — rows of a tracker file (e.g. a province's task list), linkable like
  provisions but not documents of the corpus;
* ``link_reviews`` — a person's verdict on a link (right / wrong, with a note), keyed by
  (type, source, target) so it outlives the recomputation of the links it judges.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np
from sqlalchemy import JSON, Float, Integer, LargeBinary, String, Text, delete, or_, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from index.links.model import Link, LinkType
from ingest.store import Store


class LinkBase(DeclarativeBase):
    pass


class LinkRow(LinkBase):
    __tablename__ = "links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String, index=True)
    target: Mapped[str] = mapped_column(String, index=True)
    source_doc: Mapped[str] = mapped_column(String, index=True)
    target_doc: Mapped[str] = mapped_column(String, index=True)
    family: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)


class LinkPairRow(LinkBase):
    __tablename__ = "link_pairs"
    source_doc: Mapped[str] = mapped_column(String, primary_key=True)
    target_doc: Mapped[str] = mapped_column(String, primary_key=True)
    family: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(64))  # hash of the inputs the links came from
    n_links: Mapped[int] = mapped_column(Integer)


class LinkVectorRow(LinkBase):
    __tablename__ = "link_vectors"
    provision_id: Mapped[str] = mapped_column(String, primary_key=True)
    model_id: Mapped[str] = mapped_column(String, primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(32))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class TrackedTaskRow(LinkBase):
    __tablename__ = "tracked_tasks"
    id: Mapped[str] = mapped_column(String, primary_key=True)  # tracking:<code>
    tracker: Mapped[str] = mapped_column(String, index=True)  # tracking:<file stem>
    code: Mapped[str] = mapped_column(String)
    resolution: Mapped[str | None] = mapped_column(String)  # canonical số hiệu, e.g. 70-NQ/TW
    text: Mapped[str] = mapped_column(Text)
    deadline: Mapped[str | None] = mapped_column(String)
    status: Mapped[str | None] = mapped_column(String)
    source_path: Mapped[str] = mapped_column(String)
    content_hash: Mapped[str] = mapped_column(String(64))


class LinkReviewRow(LinkBase):
    __tablename__ = "link_reviews"
    type: Mapped[str] = mapped_column(String(16), primary_key=True)
    source: Mapped[str] = mapped_column(String, primary_key=True)
    target: Mapped[str] = mapped_column(String, primary_key=True)
    label: Mapped[int] = mapped_column(Integer)  # 1 right, 0 wrong
    note: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String, default="")
    at: Mapped[str] = mapped_column(String(32))  # ISO 8601, UTC


@dataclass(frozen=True, slots=True)
class Review:
    """A person's verdict on one link, in the gold file's terms (``label`` 1 right, 0 wrong)."""

    type: str
    source: str
    target: str
    label: int
    note: str = ""
    reviewer: str = ""
    at: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def review_key(link_type: str, source: str, target: str) -> tuple[str, str, str]:
    """How a review is keyed: ``related`` links are undirected and stored source < target."""
    if link_type == "related" and target < source:
        source, target = target, source
    return link_type, source, target


def _review_of(r: LinkReviewRow) -> Review:
    return Review(r.type, r.source, r.target, r.label, r.note or "", r.reviewer or "", r.at)


def _link_of(r: LinkRow) -> Link:
    return Link(
        type=cast(LinkType, r.type),
        source=r.source,
        target=r.target,
        source_doc=r.source_doc,  # type: ignore[arg-type]
        target_doc=r.target_doc,
        score=r.score,
        reason=r.reason,
        evidence=dict(r.evidence or {}),
    )


class LinkStore:
    """Links, pair states, cached vectors and tracked tasks, in the store's database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = store.engine
        LinkBase.metadata.create_all(self.engine)

    # -- pairs and links
    def pair_states(self) -> dict[tuple[str, str, str], str]:
        with Session(self.engine) as s:
            return {(r.source_doc, r.target_doc, r.family): r.state for r in s.scalars(select(LinkPairRow))}

    def replace_pair(
        self, source_doc: str, target_doc: str, family: str, state: str, links: Sequence[Link]
    ) -> None:
        """Replace the links of one (source doc, target doc, family) and record its state."""
        # A "*" target (one source's citations, whatever documents they resolve to) owns
        # every link of that source and family: the stored rows carry the resolved target.
        same_target = () if target_doc == "*" else (LinkRow.target_doc == target_doc,)
        with Session(self.engine) as s, s.begin():
            s.execute(
                delete(LinkRow).where(
                    LinkRow.source_doc == source_doc, LinkRow.family == family, *same_target
                )
            )
            s.execute(
                delete(LinkPairRow).where(
                    LinkPairRow.source_doc == source_doc,
                    LinkPairRow.target_doc == target_doc,
                    LinkPairRow.family == family,
                )
            )
            s.add(
                LinkPairRow(
                    source_doc=source_doc,
                    target_doc=target_doc,
                    family=family,
                    state=state,
                    n_links=len(links),
                )
            )
            s.add_all(
                LinkRow(
                    type=lk.type,
                    source=lk.source,
                    target=lk.target,
                    source_doc=lk.source_doc,
                    target_doc=lk.target_doc,
                    family=family,
                    score=lk.score,
                    reason=lk.reason,
                    evidence=lk.evidence,
                )
                for lk in links
            )

    def drop_pairs(self, keys: Iterable[tuple[str, str, str]]) -> int:
        n = 0
        with Session(self.engine) as s, s.begin():
            for sd, td, fam in keys:
                s.execute(
                    delete(LinkRow).where(
                        LinkRow.source_doc == sd, LinkRow.target_doc == td, LinkRow.family == fam
                    )
                )
                s.execute(
                    delete(LinkPairRow).where(
                        LinkPairRow.source_doc == sd, LinkPairRow.target_doc == td, LinkPairRow.family == fam
                    )
                )
                n += 1
        return n

    def links_of(
        self, ids: Sequence[str], types: Sequence[str] | None = None, *, direction: str = "both"
    ) -> list[Link]:
        """Links with a source (``out``), a target (``in``) or either (``both``) among ``ids``."""
        with Session(self.engine) as s:
            conds = []
            if direction in ("out", "both"):
                conds.append(LinkRow.source.in_(list(ids)))
            if direction in ("in", "both"):
                conds.append(LinkRow.target.in_(list(ids)))
            q = select(LinkRow).where(or_(*conds))
            if types:
                q = q.where(LinkRow.type.in_(list(types)))
            return [_link_of(r) for r in s.scalars(q.order_by(LinkRow.score.desc()))]

    def links_between_docs(
        self, source_doc: str | None = None, target_doc: str | None = None, types: Sequence[str] | None = None
    ) -> list[Link]:
        with Session(self.engine) as s:
            q = select(LinkRow)
            if source_doc:
                q = q.where(LinkRow.source_doc == source_doc)
            if target_doc:
                q = q.where(LinkRow.target_doc == target_doc)
            if types:
                q = q.where(LinkRow.type.in_(list(types)))
            return [_link_of(r) for r in s.scalars(q)]

    def all_links(self) -> list[Link]:
        with Session(self.engine) as s:
            return [_link_of(r) for r in s.scalars(select(LinkRow))]

    def count(self) -> dict[str, int]:
        from sqlalchemy import func

        with Session(self.engine) as s:
            return {t: n for t, n in s.execute(select(LinkRow.type, func.count()).group_by(LinkRow.type))}

    # -- reviews
    def find_link(self, link_type: str, source: str, target: str) -> Link | None:
        """The stored link ``source → target`` of that type (either way round for ``related``)."""
        t, s_, g = review_key(link_type, source, target)
        ends = [(s_, g), (g, s_)] if t == "related" else [(source, target)]
        with Session(self.engine) as s:
            for a, b in ends:
                row = s.scalars(
                    select(LinkRow).where(LinkRow.type == t, LinkRow.source == a, LinkRow.target == b)
                ).first()
                if row is not None:
                    return _link_of(row)
        return None

    def set_review(
        self, link_type: str, source: str, target: str, label: int | None, note: str = "", reviewer: str = ""
    ) -> Review | None:
        """Record a verdict on a link (``label`` 1 right, 0 wrong); ``None`` withdraws it."""
        if label not in (0, 1, None):
            raise ValueError(f"label must be 0, 1 or None, not {label!r}")
        key = review_key(link_type, source, target)
        with Session(self.engine) as s, s.begin():
            s.execute(
                delete(LinkReviewRow).where(
                    LinkReviewRow.type == key[0],
                    LinkReviewRow.source == key[1],
                    LinkReviewRow.target == key[2],
                )
            )
            if label is None:
                return None
            at = datetime.now(UTC).isoformat(timespec="seconds")
            s.add(
                LinkReviewRow(
                    type=key[0],
                    source=key[1],
                    target=key[2],
                    label=label,
                    note=note,
                    reviewer=reviewer,
                    at=at,
                )
            )
        return Review(*key, label=label, note=note, reviewer=reviewer, at=at)

    def reviews(self, types: Sequence[str] | None = None) -> list[Review]:
        """Every recorded verdict, oldest first."""
        with Session(self.engine) as s:
            q = select(LinkReviewRow)
            if types:
                q = q.where(LinkReviewRow.type.in_(list(types)))
            return [_review_of(r) for r in s.scalars(q.order_by(LinkReviewRow.at))]

    def review_of(self, link_type: str, source: str, target: str) -> Review | None:
        """The verdict on one link (either way round for ``related``), or None."""
        key = review_key(link_type, source, target)
        with Session(self.engine) as s:
            row = s.get(LinkReviewRow, key)
            return _review_of(row) if row is not None else None

    def reviews_of(self, links: Iterable[Link]) -> dict[tuple[str, str, str], Review]:
        """Verdicts on ``links``, keyed by :func:`review_key` of each link."""
        keys = {review_key(lk.type, lk.source, lk.target) for lk in links}
        if not keys:
            return {}
        ends = sorted({k[1] for k in keys} | {k[2] for k in keys})
        out: dict[tuple[str, str, str], Review] = {}
        with Session(self.engine) as s:
            for i in range(0, len(ends), 500):
                part = ends[i : i + 500]
                for r in s.scalars(select(LinkReviewRow).where(LinkReviewRow.source.in_(part))):
                    k = (r.type, r.source, r.target)
                    if k in keys:
                        out[k] = _review_of(r)
        return out

    def without_rejected(self, links: Sequence[Link]) -> list[Link]:
        """``links`` less those a person marked wrong."""
        got = self.reviews_of(links)
        rejected = {k for k, r in got.items() if r.label == 0}
        return [lk for lk in links if review_key(lk.type, lk.source, lk.target) not in rejected]

    # -- vectors
    def vectors(self, model_id: str, wanted: dict[str, str]) -> dict[str, np.ndarray]:
        """Cached vectors for ``{provision_id: text_hash}`` whose text is unchanged."""
        out: dict[str, np.ndarray] = {}
        ids = list(wanted)
        with Session(self.engine) as s:
            for i in range(0, len(ids), 500):
                rows = s.scalars(
                    select(LinkVectorRow).where(
                        LinkVectorRow.model_id == model_id, LinkVectorRow.provision_id.in_(ids[i : i + 500])
                    )
                )
                for r in rows:
                    if wanted.get(r.provision_id) == r.text_hash:
                        out[r.provision_id] = np.frombuffer(r.vector, dtype=np.float32)
        return out

    def put_vectors(self, model_id: str, items: dict[str, tuple[str, np.ndarray]]) -> None:
        with Session(self.engine) as s, s.begin():
            ids = list(items)
            for i in range(0, len(ids), 500):
                s.execute(
                    delete(LinkVectorRow).where(
                        LinkVectorRow.model_id == model_id, LinkVectorRow.provision_id.in_(ids[i : i + 500])
                    )
                )
            s.add_all(
                LinkVectorRow(
                    provision_id=pid,
                    model_id=model_id,
                    text_hash=h,
                    vector=np.ascontiguousarray(v, dtype=np.float32).tobytes(),
                )
                for pid, (h, v) in items.items()
            )

    # -- tracked tasks
    def replace_tracker(self, tracker: str, rows: Sequence[TrackedTaskRow]) -> None:
        with Session(self.engine) as s, s.begin():
            s.execute(delete(TrackedTaskRow).where(TrackedTaskRow.tracker == tracker))
            s.add_all(rows)

    def trackers(self) -> dict[str, str]:
        """``{tracker id: hash of its rows}``."""
        import hashlib

        out: dict[str, list[str]] = {}
        with Session(self.engine) as s:
            for r in s.scalars(select(TrackedTaskRow).order_by(TrackedTaskRow.id)):
                out.setdefault(r.tracker, []).append(r.content_hash)
        return {t: hashlib.sha256("".join(h).encode()).hexdigest()[:32] for t, h in out.items()}

    def tracked_tasks(
        self, tracker: str | None = None, ids: Sequence[str] | None = None
    ) -> list[TrackedTaskRow]:
        with Session(self.engine) as s:
            q = select(TrackedTaskRow)
            if tracker:
                q = q.where(TrackedTaskRow.tracker == tracker)
            if ids is not None:
                q = q.where(TrackedTaskRow.id.in_(list(ids)))
            rows = list(s.scalars(q.order_by(TrackedTaskRow.id)))
            s.expunge_all()
            return rows
