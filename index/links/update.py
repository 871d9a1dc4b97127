"""Bring the links in line with the store — incrementally.

The plan of work is a set of *pairs* ``(source document, target document, family)`` derived
from document metadata: programmes/plans → the resolutions they implement; reports → the
programmes implementing the same resolution; every two resolutions (related, continues);
every document → ``*`` (its references). Each pair's *state* hashes the content hashes of
both documents (and for references, the catalogue of what is ingested) plus the linker
version; a pair whose stored state matches is skipped. Adding or replacing one document
therefore recomputes only the pairs it is part of, and pairs of removed documents are dropped.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from index.links.db import LinkStore
from index.links.linker import (
    Catalog,
    Features,
    LinkParams,
    build_catalog,
    link_cites,
    link_continues,
    link_implements,
    link_related,
    linkable,
    text_hash,
)
from index.links.model import Link
from index.links.text import TermStats, task_text, terms
from index.links.tracking import tracker_documents
from ingest.models import DocKind, Document
from ingest.refs import number_key
from ingest.settings import Settings
from ingest.store import Store

_IMPLEMENTER_KINDS = {DocKind.GOV_RESOLUTION, DocKind.ACTION_PROGRAMME, DocKind.PLAN, DocKind.DIRECTIVE}
_PARTY_KINDS = {DocKind.RESOLUTION}

Pair = tuple[str, str, str]


@dataclass
class UpdateReport:
    computed: list[Pair] = field(default_factory=list)
    skipped: int = 0
    dropped: int = 0
    embedded: int = 0  # texts embedded (provisions as passages and as queries, clauses), not cached
    links: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "computed_pairs": len(self.computed),
            "skipped_pairs": self.skipped,
            "dropped_pairs": self.dropped,
            "embedded_provisions": self.embedded,
            "links": self.links,
            "seconds": round(self.seconds, 3),
            "pairs": ["|".join(p) for p in self.computed],
        }


def plan_pairs(docs: list[Document]) -> list[Pair]:
    """Which (source doc, target doc, family) pairs links are computed for."""
    by_number = {number_key(d.meta.number): d for d in docs if d.meta.number}
    pairs: list[Pair] = []
    party = [d for d in docs if d.meta.kind in _PARTY_KINDS]
    for d in docs:
        pairs.append((d.id, "*", "cites"))
        targets = [by_number[number_key(r)] for r in d.meta.implements if number_key(r) in by_number]
        if d.meta.kind in _IMPLEMENTER_KINDS:
            pairs += [(d.id, t.id, "implements") for t in targets if t.id != d.id]
        if d.meta.kind == DocKind.REPORT:
            keys = {number_key(r) for r in d.meta.implements}
            for p in docs:
                if (
                    p.id != d.id
                    and p.meta.kind in _IMPLEMENTER_KINDS
                    and keys & {number_key(r) for r in p.meta.implements}
                ):
                    pairs.append((d.id, p.id, "reports_on"))
    for i, a in enumerate(party):
        for b in party[i + 1 :]:
            lo, hi = sorted((a.id, b.id))
            pairs.append((lo, hi, "related"))
            later, earlier = (a, b) if (a.meta.date or "") >= (b.meta.date or "") else (b, a)
            if later.meta.date and earlier.meta.date and later.meta.date != earlier.meta.date:
                pairs.append((later.id, earlier.id, "continues"))
    return pairs


def _state(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


class Linker:
    """Holds the store handles and the embedder for one update (or one benchmark)."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        embedder: Any = None,
        params: LinkParams | None = None,
    ) -> None:
        self.settings = settings
        self.store = store or Store(settings.db_path)
        self.links = LinkStore(self.store)
        self._embedder = embedder
        self.params = params or LinkParams()
        self._report: UpdateReport | None = None  # the update running, which counts embeddings

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            from index.embed import load_embedder

            self._embedder = load_embedder(self.settings)
        return self._embedder

    def documents(self) -> list[Document]:
        return self.store.documents() + tracker_documents(self.links)

    def update(
        self,
        *,
        progress: bool = False,
        on_pair: Callable[[Pair, int, int], None] | None = None,
        force: bool = False,
    ) -> UpdateReport:
        """Recompute the pairs whose inputs changed; drop pairs of removed documents."""
        t0 = time.perf_counter()
        rep = self._report = UpdateReport()
        metas = self.documents()
        meta_by_id = {d.id: d for d in metas}
        plan = plan_pairs(metas)
        stored = self.links.pair_states()
        prov_ids: dict[str, set[str]] = {d.id: set() for d in metas}
        # cheap: provision ids per document, for resolving place references
        full: dict[str, Document] = {}

        def load(doc_id: str) -> Document:
            if doc_id not in full:
                meta = meta_by_id[doc_id]
                doc = meta if meta.provisions else self.store.get_document(doc_id)
                assert doc is not None
                full[doc_id] = doc
            return full[doc_id]

        catalog: Catalog | None = None
        # The configured model name, not the loaded model: checking states must not load it.
        version = self.params.version() + "|" + (self.settings.embed_model or "default-e5") + "|clauses"
        if self.params.implements_as_query:  # tasks embedded as queries: by which query encoder
            version += "|query:" + self.settings.query_backend
        wanted: list[tuple[Pair, str]] = []
        for pair in plan:
            sd, td, fam = pair
            if fam == "cites":
                if catalog is None:
                    for d in metas:
                        prov_ids[d.id] = {p.id for p in load(d.id).provisions}
                    catalog = build_catalog(metas, prov_ids)
                state = _state(meta_by_id[sd].content_hash, catalog.state(), version)
            else:
                state = _state(meta_by_id[sd].content_hash, meta_by_id[td].content_hash, version)
            if force or stored.get(pair) != state:
                wanted.append((pair, state))
            else:
                rep.skipped += 1
        gone = [k for k in stored if k not in set(plan)]
        rep.dropped = self.links.drop_pairs(gone)
        if wanted:
            features = self._features(metas, load, wanted)
            for n, (pair, state) in enumerate(wanted):
                if on_pair:
                    on_pair(pair, n, len(wanted))
                links = self._compute(pair, load, features, catalog)
                self.links.replace_pair(*pair, state=state, links=links)
                rep.computed.append(pair)
        rep.links = self.links.count()
        rep.seconds = time.perf_counter() - t0
        return rep

    def _features(
        self,
        metas: list[Document],
        load: Callable[[str], Document],
        wanted: list[tuple[Pair, str]],
    ) -> Features:
        need = {d for (sd, td, fam), _ in wanted if fam != "cites" for d in (sd, td)}
        provs = [p for d in sorted(need) for p in linkable(load(d))]
        # IDF over every linkable provision of the corpus: stable whatever pairs are computed.
        all_terms = (terms(task_text(p)) for d in metas for p in linkable(load(d.id)))
        stats = TermStats.build(all_terms)
        vectors = self._cached(self.embedder.model_id, {p.id: task_text(p) for p in provs})
        # Tasks of programmes and plans are also embedded as queries (see ``implements_as_query``).
        sources = {
            p.id: task_text(p)
            for (sd, _, fam), _ in wanted
            if fam == "implements"
            for p in linkable(load(sd))
        }
        queries = self._cached(self._query_model_id(), sources, as_query=True) if sources else {}
        return Features(
            vectors=vectors, stats=stats, clause_encoder=self._clause_vectors, query_vectors=queries
        )

    def _query_model_id(self) -> str:
        emb = self.embedder
        return f"{emb.model_id}#query/{getattr(emb, 'query_backend', '')}"

    def _cached(
        self, model_id: str, texts: dict[str, str], *, as_query: bool = False
    ) -> dict[str, np.ndarray]:
        """Vectors of ``{id: text}``: those cached for the same text, the others embedded, cached
        and counted in the running update's report."""
        hashes = {k: text_hash(t) for k, t in texts.items()}
        cached = self.links.vectors(model_id, hashes)
        missing = [k for k in texts if k not in cached]
        if missing:
            emb = self.embedder
            batch = [texts[k] for k in missing]
            vecs = emb.encode_queries(batch) if as_query else emb.encode_passages(batch)
            fresh = {k: (hashes[k], np.asarray(v, np.float32)) for k, v in zip(missing, vecs, strict=True)}
            self.links.put_vectors(model_id, fresh)
            cached.update({k: v for k, (_, v) in fresh.items()})
            if self._report is not None:
                self._report.embedded += len(missing)
        return cached

    def _clause_vectors(self, texts: dict[str, str]) -> dict[str, np.ndarray]:
        """Vectors of provision clauses (ids ``<provision id>#<n>``), cached like provision vectors."""
        return self._cached(self.embedder.model_id, texts)

    def _compute(
        self, pair: Pair, load: Callable[[str], Document], f: Features, catalog: Catalog | None
    ) -> list[Link]:
        sd, td, fam = pair
        if fam == "cites":
            assert catalog is not None
            return link_cites(load(sd), catalog)
        if fam == "implements":
            return link_implements(f, load(sd), load(td), self.params)
        if fam == "reports_on":
            return link_implements(f, load(sd), load(td), self.params, link_type="reports_on")
        if fam == "related":
            return link_related(f, load(sd), load(td), self.params)
        if fam == "continues":
            return link_continues(f, load(sd), load(td), self.params)
        raise ValueError(fam)


def update_links(
    settings: Settings,
    *,
    store: Store | None = None,
    embedder: Any = None,
    params: LinkParams | None = None,
    force: bool = False,
) -> UpdateReport:
    """Recompute links for what changed in the store (see the module docstring)."""
    return Linker(settings, store=store, embedder=embedder, params=params).update(force=force)
