"""ServiceContext under concurrency: shared query batches, correct rows per caller, errors passed on."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

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
