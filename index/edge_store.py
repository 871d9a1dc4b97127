"""Embedded backend: a Qdrant Edge shard in this process (``qdrant-edge-py``).

Layout under the index folder::

    index/
      spec.json   the IndexSpec the shard was built with
      shard/      the Qdrant Edge shard (segments + write-ahead log)

Qdrant Edge runs no background optimiser: new points land in an appendable segment that
is searched exhaustively (still ~1 ms at 10k points). :meth:`EdgeStore.close` runs the
optimiser after writes, which builds the HNSW graph and merges segments, so a process
that indexed leaves a fast shard for the next one. The shard's write-ahead log is locked
by the process that opened it: a second process (``nqdoc index`` while ``nqdoc serve``
runs) gets :class:`IndexBusy`.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
from ingest.errors import NqdocError
from ingest.settings import usable_cores

SPEC_FILE = "spec.json"
SHARD_DIR = "shard"
_UPSERT_BATCH = 512


class IndexBusy(NqdocError):
    """Another process has the embedded index open."""

    code = "index_busy"
    http_status = 503


class EdgeStore:
    """A :class:`~index.store.VectorStore` on a Qdrant Edge shard under ``path``."""

    def __init__(self, path: Path | str, search_threads: int = 0) -> None:
        """``search_threads``: the engine's own thread pool for one query (0: one per core). A
        service running several searches at once wants 1: each query then runs on its caller's
        thread instead of handing off to pool threads that compete for the same cores while the
        caller waits holding the GIL (measured: 0.5 vs 1.8 ms a query beside two busy threads)."""
        self.path = Path(path)
        self.search_threads = search_threads or usable_cores()
        self._shard: Any = None
        self._dirty = False

    # -- lifecycle --------------------------------------------------------------------

    @property
    def shard_path(self) -> Path:
        return self.path / SHARD_DIR

    def stored_spec(self) -> IndexSpec | None:
        """The spec recorded beside the shard; ``None`` when no shard was ever built."""
        if not self.shard_path.exists():
            return None
        try:
            return IndexSpec.from_dict(json.loads((self.path / SPEC_FILE).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError):
            # A shard without a readable spec was built by something else (or the spec
            # file was lost): refuse it rather than guess.
            return UNKNOWN_SPEC

    def ensure_collection(self, spec: IndexSpec) -> None:
        """Create the shard for ``spec``, or open the existing one if its spec matches."""
        if self.shard_path.exists():
            check_spec(self.stored_spec(), spec, str(self.path))
            self._open()
            return
        self.path.mkdir(parents=True, exist_ok=True)
        # Spec first: a crash before the shard exists leaves only a spec, which the next
        # call overwrites; a shard never exists without its spec.
        _write_json(self.path / SPEC_FILE, spec.to_dict())
        self._shard = _create_shard(self.shard_path, _config(spec.dim, self.search_threads))

    def reset(self, spec: IndexSpec) -> None:
        """Delete the shard and create an empty one for ``spec``."""
        try:
            self._open()  # never delete a shard another process is using
        except IndexBusy:
            raise
        except Exception:  # noqa: BLE001 - a damaged shard is exactly what a reset is for
            pass
        self._close_shard(optimize=False)
        if self.shard_path.exists():
            shutil.rmtree(self.shard_path)
        (self.path / SPEC_FILE).unlink(missing_ok=True)
        self.ensure_collection(spec)

    def close(self) -> None:
        """Optimise after writes (HNSW, segment merges), flush and release the shard."""
        self._close_shard(optimize=self._dirty)

    def _close_shard(self, *, optimize: bool) -> None:
        if self._shard is None:
            return
        try:
            if optimize:
                self._shard.optimize()
            self._shard.flush()
        finally:
            self._shard.close()
            self._shard = None
            self._dirty = False

    def _open(self) -> Any:
        """The open shard, loading it on first use; ``None`` when none was built yet."""
        if self._shard is None and self.shard_path.exists():
            from qdrant_edge import EdgeShard

            spec = self.stored_spec()
            # The vector parameters must be restated to pass any setting on load (checked
            # against the shard); a shard without a readable spec is opened as it is.
            config = _config(spec.dim, self.search_threads) if spec and spec is not UNKNOWN_SPEC else None
            try:
                self._shard = EdgeShard.load(str(self.shard_path), config)
            except Exception as e:  # the binding raises a plain Exception subclass
                if "WouldBlock" in str(e) or "lock" in str(e).lower():
                    raise IndexBusy(
                        f"the search index at {self.path} is open in another nqdoc process "
                        "(e.g. `nqdoc serve`); stop it first, or use a Qdrant server (NQDOC_QDRANT_URL)",
                        message_vi="chỉ mục đang được một tiến trình nqdoc khác sử dụng",
                    ) from e
                raise
        return self._shard

    # -- writes -----------------------------------------------------------------------

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        """Insert or replace points; flushed to disk before returning."""
        if not points:
            return
        shard = self._open()
        if shard is None:
            raise RuntimeError("EdgeStore.upsert before ensure_collection: no shard yet")
        from qdrant_edge import Point, UpdateOperation

        for i in range(0, len(points), _UPSERT_BATCH):
            batch = [
                Point(p.id, _vectors(p), stored_payload(p.payload)) for p in points[i : i + _UPSERT_BATCH]
            ]
            shard.update(UpdateOperation.upsert_points(batch))
        shard.flush()
        self._dirty = True

    def delete_doc(self, doc_id: str) -> None:
        """Remove every point whose ``doc_id`` is ``doc_id``."""
        shard = self._open()
        if shard is None:
            return
        from qdrant_edge import FieldCondition, Filter, MatchValue, UpdateOperation

        shard.update(
            UpdateOperation.delete_points_by_filter(
                Filter(must=[FieldCondition("doc_id", match=MatchValue(doc_id))])
            )
        )
        shard.flush()
        self._dirty = True

    # -- reads ------------------------------------------------------------------------

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
        """Hybrid query: prefetch per vector, fused by RRF (k=60) or DBSF."""
        shard = self._open()
        plan = QueryPlan.build(dense, sparse, sparse_fold, filters)
        if shard is None or not plan.sources:
            return []
        from qdrant_edge import Fusion as EdgeFusion
        from qdrant_edge import Prefetch, QueryRequest

        flt = _edge_filter(plan.clauses)
        with_payload: Any = True if fields is None else list(fields)
        sources = plan.sources
        if len(sources) == 1:
            name, vec = sources[0]
            req = QueryRequest(limit=limit, query=_nearest(name, vec), filter=flt, with_payload=with_payload)
        else:
            # The filter goes into every prefetch (that is where candidates are chosen) and
            # on the fusion stage too, stated explicitly rather than relying on propagation.
            prefetches = [
                Prefetch(limit=prefetch_limit, query=_nearest(n, v), filter=flt) for n, v in sources
            ]
            fused: Any = EdgeFusion.Rrf(k=RRF_K) if fusion == "rrf" else EdgeFusion.Dbsf()
            req = QueryRequest(limit=limit, prefetches=prefetches, query=fused, filter=flt,
                               with_payload=with_payload)
        return [ScoredPoint(str(p.id), float(p.score), read_payload(p.payload)) for p in shard.query(req)]

    def count(self, filters: SearchFilters | None = None) -> int:
        """Exact number of points matching ``filters``."""
        shard = self._open()
        if shard is None:
            return 0
        from qdrant_edge import CountRequest

        return int(shard.count(CountRequest(exact=True, filter=_edge_filter(filter_clauses(filters)))))

    def doc_ids(self) -> set[str]:
        """Distinct ``doc_id`` values (a facet over the keyword index)."""
        shard = self._open()
        if shard is None:
            return set()
        from qdrant_edge import FacetRequest

        total = int(shard.info().points_count)
        if total == 0:
            return set()
        hits = shard.facet(FacetRequest("doc_id", limit=total, exact=True))
        # An exact facet in qdrant-edge 0.9 still lists values whose points were all
        # deleted, with count 0.
        return {str(h.value) for h in hits if h.count > 0}


def _config(dim: int, search_threads: int) -> Any:
    from qdrant_edge import Distance, EdgeConfig, EdgeSparseVectorParams, EdgeVectorParams, Modifier

    return EdgeConfig(
        vectors={DENSE: EdgeVectorParams(size=dim, distance=Distance.Cosine)},
        sparse_vectors={
            SPARSE: EdgeSparseVectorParams(modifier=Modifier.Idf),
            SPARSE_FOLD: EdgeSparseVectorParams(modifier=Modifier.Idf),
        },
        max_search_threads=search_threads,
    )


def _create_shard(path: Path, config: Any) -> Any:
    from qdrant_edge import EdgeShard, PayloadSchemaType, UpdateOperation

    shard = EdgeShard.create(str(path), config)
    for name in KEYWORD_FIELDS:
        shard.update(UpdateOperation.create_field_index(name, PayloadSchemaType.Keyword))
    shard.update(UpdateOperation.create_field_index(DATE_FIELD, PayloadSchemaType.Datetime))
    shard.flush()
    return shard


def _vectors(p: IndexPoint) -> dict[str, Any]:
    from qdrant_edge import SparseVector

    vec: dict[str, Any] = {DENSE: np.asarray(p.dense, dtype=np.float32).reshape(-1).tolist()}
    # A point without any term (rare: a segment of symbols) simply has no sparse vector.
    if not p.sparse.empty:
        vec[SPARSE] = SparseVector(list(p.sparse.indices), list(p.sparse.values))
    if not p.sparse_fold.empty:
        vec[SPARSE_FOLD] = SparseVector(list(p.sparse_fold.indices), list(p.sparse_fold.values))
    return vec


def _nearest(name: str, vec: list[float] | SparseVec) -> Any:
    from qdrant_edge import Query, SparseVector

    if isinstance(vec, SparseVec):
        return Query.Nearest(SparseVector(list(vec.indices), list(vec.values)), using=name)
    return Query.Nearest(vec, using=name)


def _edge_filter(clauses: list[Clause]) -> Any:
    if not clauses:
        return None
    from qdrant_edge import FieldCondition, Filter, MatchAny, RangeDateTime

    def cond(c: Any) -> Any:
        if isinstance(c, DateRange):
            return FieldCondition(c.key, range=RangeDateTime(gte=c.gte, lte=c.lte))
        return FieldCondition(c.key, match=MatchAny(list(c.values)))

    must = [cond(cl[0]) if len(cl) == 1 else Filter(should=[cond(c) for c in cl]) for cl in clauses]
    return Filter(must=must)


def _write_json(path: Path, data: dict[str, object]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
