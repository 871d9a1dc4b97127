"""A llama-index retriever over nqdoc's hybrid search, so nqdoc plugs into query engines.

    from llama_index.core.query_engine import RetrieverQueryEngine
    from index.llama import NqdocRetriever

    retriever = NqdocRetriever(Retriever(Settings()), top_k=8, filters=SearchFilters(doc=["72-NQ/TW"]))
    engine = RetrieverQueryEngine.from_args(retriever, llm=...)

Each node is one provision: its text is the provision's verbatim text from the store of
record (never index payload), its id is the provision id, and its metadata carries what a
citation needs (document number, provision id, heading path, page) plus the best-matching
quote. The node's score is the fused retrieval score.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.callbacks import CallbackManager
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from index.retrieve import Hit, Retriever
from index.store import SearchFilters

# Metadata keys left out of what the LLM and the embedder see: they cite, they don't inform.
_HIDDEN = ["doc_id", "provision_id", "page", "quote", "score", "kind"]


def hit_to_node(hit: Hit) -> NodeWithScore:
    node = TextNode(
        id_=hit.provision_id,
        text=hit.text,
        metadata={
            "doc_id": hit.doc_id,
            "doc_number": hit.doc_number,
            "provision_id": hit.provision_id,
            "heading_path": " › ".join(hit.heading_path),
            "page": hit.page,
            "quote": hit.quote,
            "kind": hit.kind,
        },
        excluded_llm_metadata_keys=list(_HIDDEN),
        excluded_embed_metadata_keys=list(_HIDDEN),
    )
    return NodeWithScore(node=node, score=hit.score)


class NqdocRetriever(BaseRetriever):
    """llama-index ``BaseRetriever`` backed by :class:`index.retrieve.Retriever`."""

    def __init__(
        self,
        retriever: Retriever,
        *,
        top_k: int = 8,
        filters: SearchFilters | None = None,
        callback_manager: CallbackManager | None = None,
        **search_kw: Any,
    ) -> None:
        super().__init__(callback_manager=callback_manager)
        self._retriever = retriever
        self._top_k = top_k
        self._filters = filters
        self._search_kw = search_kw

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self._retriever.search(query_bundle.query_str, self._filters, self._top_k, **self._search_kw)
        return [hit_to_node(h) for h in hits]
