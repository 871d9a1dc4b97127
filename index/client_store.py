"""Server backend: a Qdrant server or cluster through ``qdrant-client``.

The same schema as :mod:`index.edge_store`; the index spec lives in the collection's
metadata (``nqdoc_spec``). ``QdrantClient(":memory:")`` or ``path=`` (qdrant-client's
local mode) runs the same API in-process, which is how the contract tests exercise this
backend; local mode searches by brute force, so it is not a production choice.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from index.sparse import SparseVec
from index.store import (
    DATE_FIELD,
    DENSE,
    KEYWORD_FIELDS,
    RRF_K,
    SPARSE,
    SPARSE_FOLD,
    UNKNOWN_SPEC,
    Clause,
    DateRange,
    Fusion,
    IndexPoint,
    IndexSpec,
    QueryPlan,
    ScoredPoint,
    SearchFilters,
    check_spec,
    filter_clauses,
    read_payload,
    stored_payload,
)

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

SPEC_KEY = "nqdoc_spec"
_UPSERT_BATCH = 256


class ClientStore:
    """A :class:`~index.store.VectorStore` on collection ``collection`` of a Qdrant client.

    The store owns the client: :meth:`close` closes it.
    """

    def __init__(self, client: QdrantClient, collection: str = "nqdoc") -> None:
        self.client = client
        self.collection = collection

    def stored_spec(self) -> IndexSpec | None:
        """The spec in the collection's metadata; ``None`` when the collection does not exist."""
        if not self.client.collection_exists(self.collection):
            return None
        meta = self.client.get_collection(self.collection).config.metadata or {}
        data = meta.get(SPEC_KEY)
        if not isinstance(data, dict):
            # A collection created by something else: refuse it rather than guess.
            return UNKNOWN_SPEC
        try:
            return IndexSpec.from_dict(data)
        except (KeyError, ValueError):
            return UNKNOWN_SPEC

    def ensure_collection(self, spec: IndexSpec) -> None:
        """Create the collection for ``spec``, or check that the existing one matches it."""
        if self.client.collection_exists(self.collection):
            check_spec(self.stored_spec(), spec, f"collection {self.collection!r}")
            return
        from qdrant_client import models

        self.client.create_collection(
            self.collection,
            vectors_config={DENSE: models.VectorParams(size=spec.dim, distance=models.Distance.COSINE)},
            sparse_vectors_config={
                SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF),
                SPARSE_FOLD: models.SparseVectorParams(modifier=models.Modifier.IDF),
            },
            metadata={SPEC_KEY: spec.to_dict()},
        )
        with warnings.catch_warnings():
            # Local mode warns that payload indexes have no effect there; a server uses them.
            warnings.simplefilter("ignore")
            for name in KEYWORD_FIELDS:
                self.client.create_payload_index(
                    self.collection, name, models.PayloadSchemaType.KEYWORD, wait=True
                )
            self.client.create_payload_index(
                self.collection, DATE_FIELD, models.PayloadSchemaType.DATETIME, wait=True
            )

    def reset(self, spec: IndexSpec) -> None:
        """Drop the collection and create an empty one for ``spec``."""
        if self.client.collection_exists(self.collection):
            self.client.delete_collection(self.collection)
        self.ensure_collection(spec)

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        """Insert or replace points, waiting until the server has applied them."""
        from qdrant_client import models

        for i in range(0, len(points), _UPSERT_BATCH):
            batch = [
                models.PointStruct(id=p.id, vector=_vectors(p), payload=stored_payload(p.payload))
                for p in points[i : i + _UPSERT_BATCH]
            ]
            self.client.upsert(self.collection, points=batch, wait=True)

    def delete_doc(self, doc_id: str) -> None:
        """Remove every point whose ``doc_id`` is ``doc_id``."""
        if not self.client.collection_exists(self.collection):
            return
        from qdrant_client import models

        flt = models.Filter(must=[models.FieldCondition(key="doc_id", match=models.MatchValue(value=doc_id))])
        self.client.delete(self.collection, points_selector=models.FilterSelector(filter=flt), wait=True)

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
        """Hybrid query through the Query API: prefetch per vector, fused by RRF (k=60) or DBSF."""
        plan = QueryPlan.build(dense, sparse, sparse_fold, filters)
        if not plan.sources or not self.client.collection_exists(self.collection):
            return []
        from qdrant_client import models

        flt = _client_filter(plan.clauses)
        with_payload: Any = True if fields is None else list(fields)
        sources = plan.sources
        if len(sources) == 1:
            name, vec = sources[0]
            res = self.client.query_points(
                self.collection,
                query=_query_vector(vec),
                using=name,
                query_filter=flt,
                limit=limit,
                with_payload=with_payload,
            )
        else:
            prefetch = [
                models.Prefetch(query=_query_vector(v), using=n, limit=prefetch_limit, filter=flt)
                for n, v in sources
            ]
            fused: Any = (
                models.RrfQuery(rrf=models.Rrf(k=RRF_K))
                if fusion == "rrf"
                else models.FusionQuery(fusion=models.Fusion.DBSF)
            )
            res = self.client.query_points(
                self.collection,
                prefetch=prefetch,
                query=fused,
                query_filter=flt,
                limit=limit,
                with_payload=with_payload,
            )
        return [ScoredPoint(str(p.id), float(p.score), read_payload(p.payload)) for p in res.points]

    def count(self, filters: SearchFilters | None = None) -> int:
        """Exact number of points matching ``filters``."""
        if not self.client.collection_exists(self.collection):
            return 0
        flt = _client_filter(filter_clauses(filters))
        return int(self.client.count(self.collection, count_filter=flt, exact=True).count)

    def doc_ids(self) -> set[str]:
        """Distinct ``doc_id`` values (a facet over the keyword index)."""
        total = self.count()
        if total == 0:
            return set()
        res = self.client.facet(self.collection, key="doc_id", limit=total, exact=True)
        return {str(h.value) for h in res.hits if h.count > 0}

    def close(self) -> None:
        """Close the client (and with it a local-mode storage)."""
        self.client.close()


def _vectors(p: IndexPoint) -> dict[str, Any]:
    from qdrant_client import models

    vec: dict[str, Any] = {DENSE: np.asarray(p.dense, dtype=np.float32).reshape(-1).tolist()}
    if not p.sparse.empty:
        vec[SPARSE] = models.SparseVector(indices=list(p.sparse.indices), values=list(p.sparse.values))
    if not p.sparse_fold.empty:
        vec[SPARSE_FOLD] = models.SparseVector(
            indices=list(p.sparse_fold.indices), values=list(p.sparse_fold.values)
        )
    return vec


def _query_vector(vec: list[float] | SparseVec) -> Any:
    from qdrant_client import models

    if isinstance(vec, SparseVec):
        return models.SparseVector(indices=list(vec.indices), values=list(vec.values))
    return vec


def _client_filter(clauses: list[Clause]) -> Any:
    if not clauses:
        return None
    from qdrant_client import models

    def cond(c: Any) -> Any:
        if isinstance(c, DateRange):
            gte = date.fromisoformat(c.gte) if c.gte else None
            lte = date.fromisoformat(c.lte) if c.lte else None
            return models.FieldCondition(key=c.key, range=models.DatetimeRange(gte=gte, lte=lte))
        return models.FieldCondition(key=c.key, match=models.MatchAny(any=list(c.values)))

    must = [cond(cl[0]) if len(cl) == 1 else models.Filter(should=[cond(c) for c in cl]) for cl in clauses]
    return models.Filter(must=must)
