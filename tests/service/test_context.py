"""ServiceContext under concurrency: shared query batches, correct rows per caller, errors passed on."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from index.embed import FakeEmbedder
from service.context import _BatchingEmbedder


class _CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__(dim=32)
        self.calls: list[int] = []

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        time.sleep(0.02)  # a model call takes time, so concurrent callers pile up
        if "boom" in texts:
            raise RuntimeError("model failed")
        return super().encode_queries(texts)


def _run(batcher: _BatchingEmbedder, queries: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    start = threading.Barrier(len(queries))

    def work(q: str) -> None:
        start.wait()
        try:
            out[q] = batcher.encode_queries([q])
        except RuntimeError as err:
            out[q] = err

    threads = [threading.Thread(target=work, args=(q,)) for q in queries]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return out


def test_concurrent_queries_share_batches_and_get_their_own_rows() -> None:
    inner = _CountingEmbedder()
    batcher = _BatchingEmbedder(inner, threading.Lock())
    queries = [f"câu hỏi số {i} về giáo dục" for i in range(16)]
    out = _run(batcher, queries)
    reference = FakeEmbedder(dim=32)
    for q in queries:
        assert np.allclose(out[q], reference.encode_queries([q]))  # type: ignore[arg-type]
    assert sum(inner.calls) == 16 and len(inner.calls) < 16  # batched: fewer model calls than queries
    assert batcher.dim == 32  # other attributes pass through


def test_a_failing_batch_reaches_every_caller_and_the_next_call_works() -> None:
    inner = _CountingEmbedder()
    batcher = _BatchingEmbedder(inner, threading.Lock(), window=0.05)
    out = _run(batcher, ["boom", "y tế", "giáo dục"])
    assert isinstance(out["boom"], RuntimeError)  # the failing text's caller always sees the error
    with pytest.raises(RuntimeError):
        batcher.encode_queries(["boom"])
    assert batcher.encode_queries(["năng lượng"]).shape == (1, 32)


class _ThreadSafeEmbedder(_CountingEmbedder):
    concurrent_queries = True  # like the ONNX Runtime encoder

    def __init__(self) -> None:
        super().__init__()
        self.running = 0
        self.most = 0
        self._count = threading.Lock()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._count:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return super().encode_queries(texts)
        finally:
            with self._count:
                self.running -= 1


def test_a_thread_safe_encoder_is_called_per_query_in_parallel_not_batched() -> None:
    inner = _ThreadSafeEmbedder()
    batcher = _BatchingEmbedder(inner, threading.Lock())
    queries = [f"câu hỏi số {i}" for i in range(6)]
    out = _run(batcher, queries)
    assert inner.calls == [1] * 6  # one call per query ...
    assert inner.most > 1  # ... running side by side (the model lock is not taken)
    reference = FakeEmbedder(dim=32)
    assert all(np.allclose(out[q], reference.encode_queries([q])) for q in queries)  # type: ignore[arg-type]


class _SlowRetriever:
    """Stands in for the retriever: records how many searches run at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.order: list[str] = []
        self._lock = threading.Lock()

    def search(self, query: str, filters: object, top_k: int, **kw: object) -> list[str]:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.order.append(query)
        time.sleep(0.02)
        with self._lock:
            self.running -= 1
        return [f"{query}:{top_k}"]

    def close(self) -> None:
        pass


def test_search_async_runs_at_most_search_threads_at_once_first_come_first_served(tmp_path: Path) -> None:
    import asyncio
    import gc

    from ingest.settings import Settings
    from service.context import ServiceContext

    retriever = _SlowRetriever()
    ctx = ServiceContext(Settings(home=tmp_path, search_threads=2), retriever=retriever)  # type: ignore[arg-type]
    queries = [f"q{i}" for i in range(8)]

    async def main() -> list[list[str]]:
        return await asyncio.gather(*(ctx.search_async(q, None, 3) for q in queries))

    try:
        results = asyncio.run(main())
    finally:
        ctx.close()
        gc.unfreeze()  # the first search froze the heap (see ServiceContext._settle)
    assert results == [[f"{q}:3"] for q in queries]
    assert retriever.most == 2
    # Taken in arrival order: a later query never starts while an earlier one still waits.
    assert set(retriever.order[:2]) == {"q0", "q1"} and set(retriever.order[-2:]) == {"q6", "q7"}
