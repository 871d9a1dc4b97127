"""Hybrid retrieval: dense + sparse prefetch fused in Qdrant, grouped to provisions.

Results are provisions, not fragments: the segments a query hits are grouped under the
provision they belong to (best segment wins), and each hit carries what a citation needs —
document number, provision id, heading path, page — with the quote read from the store
of record, never from the index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ingest.normalize import has_diacritics
from ingest.settings import Settings
from ingest.store import Store

if TYPE_CHECKING:
    from index.restore import Restorer
    from index.sparse import SparseVec
    from index.store import Fusion


@dataclass
class Hit:
    """One provision that answers a query."""

    doc_id: str
    doc_number: str
    provision_id: str
    heading_path: list[str]
    page: int | None
    text: str  # the provision's text from the store of record
    score: float
    quote: str  # the best-matching segment of that provision (verbatim)
    kind: str = ""
    segments: list[str] = field(default_factory=list)
    # The text searched with: the query with diacritics restored when it was typed without
    # them (see index.restore), else the query itself. Not part of as_dict (a search detail).
    query: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "doc_number": self.doc_number,
            "provision_id": self.provision_id,
            "heading_path": self.heading_path,
            "page": self.page,
            "text": self.text,
            "quote": self.quote,
            "score": round(self.score, 6),
            "kind": self.kind,
        }


# The payload fields a search reads back from the index: the rest of a hit (text, heading path,
# page) comes from the store of record, so the index never sends its copies.
HIT_FIELDS = ("doc_id", "doc_number", "provision_id", "segment_id")


class Retriever:
    """Search over the index; one per process (holds the model and the store handles)."""

    def __init__(self, settings: Settings, *, store: Store | None = None, vstore: Any = None,
                 embedder: Any = None) -> None:
        from index.embed import load_embedder
        from index.store import IndexSpec, check_spec, open_store

        self.settings = settings
        self.store = store or Store(settings.db_path)
        self.embedder = embedder or load_embedder(settings)
        self.vstore = vstore or open_store(settings)
        self._restorer: Restorer | None = None
        # An index built with another model or segmenter holds vectors of another space:
        # refuse it here rather than return confident nonsense.
        stored = self.vstore.stored_spec()
        if stored is not None:
            check_spec(stored, IndexSpec.for_settings(settings, self.embedder), "the search index")

    def close(self) -> None:
        self.vstore.close()

    def restore_query(self, query: str) -> str:
        """``query`` with its diacritics restored from the corpus when it was typed (mostly)
        without them; otherwise ``query`` unchanged (see :mod:`index.restore`)."""
        from index.restore import Restorer, needs_restoration

        query = query.strip()
        if not needs_restoration(query):
            return query
        if self._restorer is None:
            self._restorer = Restorer(self.settings, self.store)
        return self._restorer.restore(query)

    def search(self, query: str, filters: Any = None, top_k: int = 10, *, fusion: Fusion = "rrf",
               prefetch_limit: int | None = None, restore: bool = True) -> list[Hit]:
        """Best provisions for ``query``.

        A query typed without diacritics is first restored (``restore``): the dense and the
        accented sparse vectors are built from the restored text, while the folded sparse
        vector keeps the original query's terms (joined by the restored text's, whose word
        segmentation is better) — a wrong restoration cannot lose what folded matching finds.
        """
        from index.sparse import query_sparse_pair

        query = query.strip()
        if not query:
            return []
        searched = self.restore_query(query) if restore else query
        dense = self.embedder.encode_queries([searched])[0]
        sp, spf = query_sparse_pair(searched)
        if searched != query:
            spf = _union(query_sparse_pair(query)[1], spf)
        # Without diacritics (and no restoration) a query can only match through the folded
        # vector; with diacritics the accented vector is the precise one, the folded one adds recall.
        sparse = sp if has_diacritics(searched) else None
        limit = max(top_k * 4, 40)
        points = self.vstore.query(dense, sparse, spf, filters, limit=limit,
                                   prefetch_limit=prefetch_limit or max(limit, 100), fusion=fusion,
                                   fields=HIT_FIELDS)
        hits = self._group(points, top_k)
        for h in hits:
            h.query = searched
        return hits

    def _group(self, points: list[Any], top_k: int) -> list[Hit]:
        best: dict[str, tuple[float, dict[str, Any], list[str]]] = {}
        order: list[str] = []
        for pt in points:
            pl = pt.payload
            pid = pl["provision_id"]
            if pid not in best:
                best[pid] = (pt.score, pl, [pl["segment_id"]])
                order.append(pid)
            else:
                best[pid][2].append(pl["segment_id"])
        order = order[:top_k]
        provs = self.store.cited_provisions(order)
        quotes = self.store.segment_texts([best[pid][2][0] for pid in order])
        hits = []
        for pid in order:
            score, pl, segs = best[pid]
            prov = provs.get(pid)
            quote = quotes.get(segs[0])
            if prov is None or quote is None:  # index ahead of the store (a deletion): skip, never invent
                continue
            hits.append(Hit(
                doc_id=pl["doc_id"],
                doc_number=pl["doc_number"],
                provision_id=pid,
                heading_path=prov.heading_path,
                page=prov.page_start,
                text=prov.text,
                score=float(score),
                quote=quote,
                kind=prov.kind,
                segments=segs,
            ))
        return hits


def _union(a: SparseVec, b: SparseVec) -> SparseVec:
    """The terms of two query vectors (weight 1 each, as :func:`index.sparse.query_vector`)."""
    from index.sparse import SparseVec

    ids = sorted(set(a.indices) | set(b.indices))
    return SparseVec(tuple(ids), tuple(1.0 for _ in ids))
