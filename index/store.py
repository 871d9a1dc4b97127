"""The vector store: one small interface, two Qdrant backends with the same schema.

* :class:`~index.edge_store.EdgeStore` — Qdrant Edge, the engine embedded in this process
  (HNSW, no server); the default, data under ``settings.index_path``.
* :class:`~index.client_store.ClientStore` — a Qdrant server or cluster through
  ``qdrant-client`` (``settings.qdrant_url``); its local mode stands in for a server in tests.

Schema of a point (one :class:`~ingest.models.Segment`):

* id — a UUID derived from the segment id (:func:`point_uuid`), so re-indexing a segment
  replaces its point instead of adding a duplicate;
* vectors — ``dense`` (cosine), ``sparse`` and ``sparse_fold`` (BM25 weights, IDF applied
  by Qdrant; see :mod:`index.sparse`);
* payload — :class:`PointPayload`, with keyword indexes on ``doc_id``, ``doc_number``,
  ``kind``, ``resolutions``, ``issuer`` and a datetime index on ``date``.

Each collection records the :class:`IndexSpec` it was built with; opening it with another
spec raises :class:`IndexSpecMismatch` instead of returning vectors from another space.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol, TypedDict

import numpy as np

from index.sparse import SPARSE_VERSION, SparseVec
from ingest.errors import NqdocError

if TYPE_CHECKING:
    from index.embed import Embedder
    from ingest.settings import Settings

Fusion = Literal["rrf", "dbsf"]

DENSE = "dense"
SPARSE = "sparse"
SPARSE_FOLD = "sparse_fold"
KEYWORD_FIELDS = ("doc_id", "doc_number", "kind", "resolutions", "issuer")
DATE_FIELD = "date"
# RRF's rank constant: 60 as in Cormack et al. (2009). Qdrant's own default (2) lets the
# very first hit of one list outweigh agreement between lists.
RRF_K = 60
# Version of the point layout written by this module (vector names, payload fields,
# indexes). Part of the spec, so a layout change asks for a rebuild.
SCHEMA_VERSION = 1

_POINT_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://nqdoc.local/segment")


class IndexSpecMismatch(NqdocError):
    """The index was built differently from what the current settings ask for."""

    code = "index_spec_mismatch"
    http_status = 409


class BadFilter(NqdocError):
    """A search filter value cannot be understood (e.g. a malformed date)."""

    code = "bad_filter"
    http_status = 422


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """How an index was built; anything that changes the vectors belongs here."""

    model_id: str
    dim: int
    sparse: str = SPARSE_VERSION
    max_tokens: int = 480
    schema: int = SCHEMA_VERSION

    @property
    def spec_hash(self) -> str:
        blob = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "spec_hash": self.spec_hash}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> IndexSpec:
        return cls(
            model_id=str(data["model_id"]),
            dim=int(str(data["dim"])),
            sparse=str(data["sparse"]),
            max_tokens=int(str(data["max_tokens"])),
            schema=int(str(data.get("schema", 0))),
        )

    @classmethod
    def for_settings(cls, settings: Settings, embedder: Embedder) -> IndexSpec:
        """The spec an index built now, with these settings and this embedder, gets."""
        return cls(model_id=embedder.model_id, dim=embedder.dim, max_tokens=settings.segment_max_tokens)

    def describe(self) -> str:
        return (
            f"model={self.model_id}, dim={self.dim}, sparse={self.sparse}, "
            f"max_tokens={self.max_tokens}, schema={self.schema}"
        )


# What a backend reports for a collection that exists but records no (readable) spec:
# built by something else, or its spec was lost. It never matches a real spec.
UNKNOWN_SPEC = IndexSpec(model_id="unknown", dim=0, sparse="unknown", max_tokens=0, schema=0)


def check_spec(stored: IndexSpec | None, wanted: IndexSpec, where: str) -> None:
    """Raise :class:`IndexSpecMismatch` unless ``stored`` is ``wanted``."""
    if stored is not None and stored.spec_hash == wanted.spec_hash:
        return
    if stored is None or stored == UNKNOWN_SPEC:
        built = "an unknown configuration (no nqdoc index spec recorded)"
    else:
        built = stored.describe()
    raise IndexSpecMismatch(
        f"the index at {where} was built with {built}, but the current settings need "
        f"{wanted.describe()}; rebuild it with `nqdoc index --rebuild`",
        message_vi="chỉ mục được xây dựng với cấu hình khác; hãy chạy `nqdoc index --rebuild`",
    )


class PointPayload(TypedDict):
    """What a point carries besides its vectors: enough to filter and to cite."""

    doc_id: str
    doc_number: str  # số hiệu, e.g. "57-NQ/TW" (the doc id when the number is unknown)
    kind: str  # DocKind value
    issuer: str  # cơ quan ban hành, "" when unknown
    date: str  # ISO yyyy-mm-dd, "" when unknown (then not stored)
    resolutions: list[str]  # resolution numbers the document is or implements
    provision_id: str
    heading_path: list[str]
    page: int | None
    segment_id: str
    text: str  # the segment's verbatim text


@dataclass(slots=True)
class IndexPoint:
    """One point to upsert."""

    id: str
    dense: np.ndarray
    sparse: SparseVec
    sparse_fold: SparseVec
    payload: PointPayload


@dataclass(frozen=True, slots=True)
class ScoredPoint:
    """One point returned by a query; ``score`` is the fused (or single-list) score."""

    id: str
    score: float
    payload: PointPayload


@dataclass(slots=True)
class SearchFilters:
    """Restrict a search; every given field must hold (AND), values in a list are OR'ed.

    ``doc`` matches a document id or its number (số hiệu); ``resolution`` matches
    documents that are or implement the resolution; dates are ISO ``YYYY[-MM[-DD]]``,
    both ends inclusive (``2024`` means the whole year).
    """

    doc: list[str] | None = None
    kind: list[str] | None = None
    resolution: list[str] | None = None
    issuer: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    def is_empty(self) -> bool:
        return not (self.doc or self.kind or self.resolution or self.issuer or self.date_from or self.date_to)


# --- backend-neutral filter: an AND of clauses, each an OR of conditions -----------------
# Both backends translate this one structure, so a filter means the same thing in both.


@dataclass(frozen=True, slots=True)
class MatchAny:
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DateRange:
    key: str
    gte: str | None = None
    lte: str | None = None


Condition = MatchAny | DateRange
Clause = tuple[Condition, ...]


def filter_clauses(f: SearchFilters | None) -> list[Clause]:
    """Translate :class:`SearchFilters` into clauses (AND of ORs); ``[]`` means no filter."""
    if f is None:
        return []
    clauses: list[Clause] = []
    if docs := _variants(f.doc or []):
        clauses.append((MatchAny("doc_id", docs), MatchAny("doc_number", docs)))
    if kinds := tuple(dict.fromkeys(k.strip() for k in f.kind or [] if k.strip())):
        clauses.append((MatchAny("kind", kinds),))
    if resolutions := _variants(f.resolution or []):
        clauses.append((MatchAny("resolutions", resolutions),))
    if f.issuer and f.issuer.strip():
        clauses.append((MatchAny("issuer", (f.issuer.strip(),)),))
    if f.date_from or f.date_to:
        gte = _date_bound(f.date_from, end=False) if f.date_from else None
        lte = _date_bound(f.date_to, end=True) if f.date_to else None
        clauses.append((DateRange(DATE_FIELD, gte, lte),))
    return clauses


def _variants(values: Sequence[str]) -> tuple[str, ...]:
    # Numbers are stored as written in the document ("57-NQ/TW"); users type "57-nq/tw".
    out: dict[str, None] = {}
    for v in values:
        v = v.strip()
        if v:
            out[v] = None
            out[v.upper()] = None
    return tuple(out)


_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")


def _date_bound(value: str, *, end: bool) -> str:
    """``2024`` → ``2024-01-01`` (start) or ``2024-12-31`` (end); full dates unchanged."""
    m = _DATE.match(value.strip())
    if not m:
        raise BadFilter(
            f"not a date: {value!r} (use YYYY-MM-DD, YYYY-MM or YYYY)",
            message_vi=f"ngày không hợp lệ: {value!r} (dùng YYYY-MM-DD)",
        )
    year = int(m.group(1))
    month = int(m.group(2) or (12 if end else 1))
    if not 1 <= month <= 12:
        raise BadFilter(f"not a date: {value!r}", message_vi=f"ngày không hợp lệ: {value!r}")
    last = calendar.monthrange(year, month)[1]
    day = int(m.group(3) or (last if end else 1))
    if not 1 <= day <= last:
        raise BadFilter(f"not a date: {value!r}", message_vi=f"ngày không hợp lệ: {value!r}")
    return f"{year:04d}-{month:02d}-{day:02d}"


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def stored_payload(payload: PointPayload) -> dict[str, object]:
    """The payload as written to Qdrant: an unknown or partial date is left out.

    The ``date`` field has a datetime index; an empty string there would be an invalid
    value rather than a missing one.
    """
    out: dict[str, object] = dict(payload)
    if not _ISO_DAY.match(str(out.get(DATE_FIELD) or "")):
        out.pop(DATE_FIELD, None)
    return out


def read_payload(raw: dict[str, object] | None) -> PointPayload:
    """A payload read back from Qdrant, with every field present."""
    raw = raw or {}
    return PointPayload(
        doc_id=str(raw.get("doc_id", "")),
        doc_number=str(raw.get("doc_number", "")),
        kind=str(raw.get("kind", "")),
        issuer=str(raw.get("issuer", "") or ""),
        date=str(raw.get("date", "") or ""),
        resolutions=[str(r) for r in _as_list(raw.get("resolutions"))],
        provision_id=str(raw.get("provision_id", "")),
        heading_path=[str(h) for h in _as_list(raw.get("heading_path"))],
        page=_as_int(raw.get("page")),
        segment_id=str(raw.get("segment_id", "")),
        text=str(raw.get("text", "")),
    )


def _as_list(v: object) -> list[object]:
    if v is None:
        return []
    return list(v) if isinstance(v, list | tuple) else [v]


def _as_int(v: object) -> int | None:
    return int(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def point_uuid(segment_id: str) -> str:
    """Deterministic point id of a segment (UUID v5), the same in every backend."""
    return str(uuid.uuid5(_POINT_NS, segment_id))


class VectorStore(Protocol):
    """What the rest of nqdoc needs from a vector index."""

    def ensure_collection(self, spec: IndexSpec) -> None:
        """Create the collection for ``spec``, or check that the existing one matches it."""
        ...

    def stored_spec(self) -> IndexSpec | None:
        """The spec the collection was built with; ``None`` when there is no collection."""
        ...

    def reset(self, spec: IndexSpec) -> None:
        """Drop everything and create an empty collection for ``spec``."""
        ...

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        """Insert or replace points (same id → replaced)."""
        ...

    def delete_doc(self, doc_id: str) -> None:
        """Remove every point of one document."""
        ...

    def query(
        self,
        dense: np.ndarray | None,
        sparse: SparseVec | None,
        sparse_fold: SparseVec | None,
        filters: SearchFilters | None,
        limit: int,
        prefetch_limit: int,
        fusion: Fusion = "rrf",
        fields: Sequence[str] | None = None,
    ) -> list[ScoredPoint]:
        """Hybrid search: each given vector fetches ``prefetch_limit`` candidates, fused.

        With a single vector its own scores are returned (no fusion). ``fields``: the payload
        fields to read back (the others come back empty); ``None`` reads them all.
        """
        ...

    def count(self, filters: SearchFilters | None = None) -> int:
        """Number of points (matching ``filters``)."""
        ...

    def doc_ids(self) -> set[str]:
        """Ids of the documents that have points in the index."""
        ...

    def close(self) -> None:
        """Persist and release the index."""
        ...


def open_store(settings: Settings, *, engine_threads: int = 0) -> VectorStore:
    """The store the settings ask for: a Qdrant server when ``qdrant_url`` is set, else embedded
    (``engine_threads``: the embedded engine's threads per query, 0 = one per core; see
    :class:`~index.edge_store.EdgeStore`)."""
    if settings.qdrant_url:
        from qdrant_client import QdrantClient

        from index.client_store import ClientStore

        client = QdrantClient(url=settings.qdrant_url, api_key=settings.qdrant_api_key or None, timeout=60)
        return ClientStore(client, settings.collection)
    from index.edge_store import EdgeStore

    return EdgeStore(settings.index_path, search_threads=engine_threads)


@dataclass(slots=True)
class QueryPlan:
    """The prefetch lists a query runs, shared by both backends."""

    dense: list[float] | None
    sparse: SparseVec | None
    sparse_fold: SparseVec | None
    clauses: list[Clause] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        dense: np.ndarray | None,
        sparse: SparseVec | None,
        sparse_fold: SparseVec | None,
        filters: SearchFilters | None,
    ) -> QueryPlan:
        vec = None
        if dense is not None:
            arr = np.asarray(dense, dtype=np.float32).reshape(-1)
            vec = arr.tolist()
        return cls(
            dense=vec,
            sparse=sparse if sparse is not None and not sparse.empty else None,
            sparse_fold=sparse_fold if sparse_fold is not None and not sparse_fold.empty else None,
            clauses=filter_clauses(filters),
        )

    @property
    def sources(self) -> list[tuple[str, list[float] | SparseVec]]:
        out: list[tuple[str, list[float] | SparseVec]] = []
        if self.dense is not None:
            out.append((DENSE, self.dense))
        if self.sparse is not None:
            out.append((SPARSE, self.sparse))
        if self.sparse_fold is not None:
            out.append((SPARSE_FOLD, self.sparse_fold))
        return out
