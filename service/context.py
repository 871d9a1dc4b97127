"""One process's handles on the store of record and the search index.

The CLI builds one per command; the API builds one in its lifespan and shares it between
requests. The retriever (model + vector store) is opened lazily on first use — listing
documents or showing a provision never loads the embedding model. Concurrent searches share
it: the embedded vector engine is queried under a short lock, and query embedding either runs
concurrently (ONNX Runtime sessions are thread-safe) or, for a torch model, in shared batches.
The API runs searches on a small pool of threads fed in arrival order (:meth:`search_async`),
so that under load every request waits about as long as the others.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from ingest.settings import Settings, usable_cores
from ingest.store import Store

if TYPE_CHECKING:
    from index.retrieve import Hit, Retriever
    from index.store import SearchFilters

T = TypeVar("T")
# Sentence vectors kept for re-ranking (ask, brief): ~2 KB each with mE5-small.
PASSAGE_CACHE_SIZE = 20000


class ServiceContext:
    def __init__(self, settings: Settings, *, store: Store | None = None, retriever: Retriever | None = None):
        self.settings = settings
        self.store = store or Store(settings.db_path)
        self._retriever = retriever
        self._lock = threading.RLock()
        self._model_lock = threading.Lock()
        self._memo: dict[str, tuple[str, Any]] = {}
        self._passages: OrderedDict[str, Any] = OrderedDict()
        self._pool: ThreadPoolExecutor | None = None
        self._settled = False

    @property
    def retriever(self) -> Retriever:
        with self._lock:
            if self._retriever is None:
                from index.retrieve import Retriever
                from index.store import open_store

                # Requests run side by side (search_async): each engine query on its own thread.
                vstore = open_store(self.settings, engine_threads=1)
                r = Retriever(self.settings, store=self.store, vstore=vstore)
                # Concurrent requests: ONNX queries are embedded side by side (a torch model's
                # in shared batches, one at a time), and the vector store is queried under its
                # own short lock — instead of serialising whole searches.
                r.embedder = _BatchingEmbedder(r.embedder, self._model_lock)
                r.vstore = _LockedStore(r.vstore)
                self._retriever = r
            return self._retriever

    def exclusive(self) -> threading.RLock:
        """Hold while writing the index: no retriever is (re)opened meanwhile."""
        return self._lock

    def reset_retriever(self) -> None:
        """Close the model and index handles (e.g. before another writer re-indexes); reopened lazily."""
        with self._lock:
            if self._retriever is not None:
                self._retriever.close()
                self._retriever = None

    def search(self, query: str, filters: SearchFilters | None = None, top_k: int = 10,
               **kw: Any) -> list[Hit]:
        """Thread-safe :meth:`Retriever.search` (concurrent calls share query-embedding batches)."""
        return self.retriever.search(query, filters, top_k, **kw)

    async def search_async(self, query: str, filters: SearchFilters | None = None, top_k: int = 10,
                           **kw: Any) -> list[Hit]:
        """:meth:`search` on the search pool: at most ``settings.search_threads`` at once, the
        others queued first come, first served (a thread per request would let the GIL pick
        winners and leave some requests waiting far longer than the rest)."""
        call = functools.partial(self.search, query, filters, top_k, **kw)
        hits = await asyncio.get_running_loop().run_in_executor(self._search_pool(), call)
        if not self._settled:
            self._settle()
        return hits

    def _settle(self) -> None:
        """Once the model, tokenizer and index are loaded (after the first search): move every
        object alive now out of the garbage collector's reach (``gc.freeze``). Those hundreds of
        thousands of long-lived objects are otherwise traversed by each full collection, a pause
        of tens of milliseconds for every request in flight (``nqdoc bench service``: p99 about
        1.6x lower with it)."""
        with self._lock:
            if self._settled:
                return
            self._settled = True
        gc.collect()
        gc.freeze()

    def _search_pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                # One more than the cores, so that a core is not left idle while a search waits
                # for the GIL (2 → 3 threads on 2 cores: within noise to ~5 % more requests/s).
                n = self.settings.search_threads or usable_cores() + 1
                self._pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="nqdoc-search")
            return self._pool

    def encode_queries(self, texts: list[str]) -> Any:
        """Query embeddings with the index's model (for re-ranking sentences), thread-safe."""
        return self.retriever.embedder.encode_queries(texts)

    def encode_passages(self, texts: list[str]) -> Any:
        return self.retriever.embedder.encode_passages(texts)

    def encode_passages_cached(self, texts: Sequence[str]) -> Any:
        """Like :meth:`encode_passages`, remembering vectors of texts seen before (an LRU)."""
        import numpy as np

        embedder = self.retriever.embedder
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._passages))
        fresh = embedder.encode_passages(missing) if missing else []  # outside the lock: searches go on
        with self._lock:
            for t, v in zip(missing, fresh, strict=True):
                self._passages[t] = v
            rows = []
            for t in texts:
                self._passages.move_to_end(t)
                rows.append(self._passages[t])
            while len(self._passages) > PASSAGE_CACHE_SIZE:
                self._passages.popitem(last=False)
            return np.asarray(rows, dtype=np.float32).reshape(len(texts), embedder.dim)

    def store_version(self) -> str:
        """A fingerprint of the store's content (changes whenever a source is added/replaced/removed)."""
        blob = "\n".join(f"{p}\t{h}" for p, h in sorted(self.store.sources()))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def memo(self, name: str, build: Callable[[], T]) -> T:
        """``build()`` once per store version (e.g. corpus term statistics), thread-safe."""
        with self._lock:
            version = self.store_version()
            hit = self._memo.get(name)
            if hit is None or hit[0] != version:
                hit = (version, build())
                self._memo[name] = hit
            value: T = hit[1]
            return value

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            self.reset_retriever()
            self.store.close()

    def __enter__(self) -> ServiceContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _BatchingEmbedder:
    """Wraps an embedder so that concurrent ``encode_queries`` calls share one model batch.

    The first caller to find no batch in progress becomes the leader: it waits a moment
    (``window`` seconds) for others to join, encodes every pending text in one call under the
    model lock, hands each caller its rows and repeats while texts are pending.
    """

    def __init__(self, inner: Any, model_lock: threading.Lock, window: float = 0.002) -> None:
        self._inner = inner
        self._model_lock = model_lock
        self._window = window
        self._cond = threading.Condition()
        self._pending: list[tuple[list[str], dict[str, Any]]] = []
        self._leader = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> Any:
        with self._model_lock:
            return self._inner.encode_passages(texts, progress=progress)

    def encode_queries(self, texts: Sequence[str]) -> Any:
        if getattr(self._inner, "concurrent_queries", False):
            # Thread-safe and no cheaper per text in a batch (ONNX Runtime): run now, in parallel.
            return self._inner.encode_queries(texts)
        slot: dict[str, Any] = {}
        with self._cond:
            self._pending.append((list(texts), slot))
            if self._leader:
                while "rows" not in slot and "error" not in slot:
                    self._cond.wait()
                return self._result(slot)
            self._leader = True
        try:
            time.sleep(self._window)
            while True:
                with self._cond:
                    batch, self._pending = self._pending, []
                    if not batch:
                        self._leader = False
                        self._cond.notify_all()
                        break
                flat = [t for texts_, _ in batch for t in texts_]
                try:
                    with self._model_lock:
                        rows = self._inner.encode_queries(flat)
                    start = 0
                    for texts_, s in batch:
                        s["rows"] = rows[start : start + len(texts_)]
                        start += len(texts_)
                except Exception as err:  # hand the failure to every waiting caller
                    for _, s in batch:
                        s["error"] = err
                with self._cond:
                    self._cond.notify_all()
        except BaseException:
            with self._cond:
                self._leader = False
                self._cond.notify_all()
            raise
        return self._result(slot)

    @staticmethod
    def _result(slot: dict[str, Any]) -> Any:
        if "error" in slot:
            raise slot["error"]
        return slot["rows"]


class _LockedStore:
    """The vector store with queries and writes serialised (the embedded engine is one shard)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def locked(*a: Any, **kw: Any) -> Any:
            with self._lock:
                return attr(*a, **kw)

        return locked
