"""``nqdoc bench retrieval`` — index build and hybrid-search latency at 10k and ≥100k segments.

The corpus is ``../shared/scale/tvpl-articles.jsonl.gz`` (real legal Q&A articles), parsed
and segmented by the same code as ``nqdoc ingest`` (JSONL reader → provision tree →
underthesea segments). For each tier a fresh index is built in a scratch folder with the
configured backend and model, then queried with article titles (real user questions) that
were held out of the index.

Reported per tier: segments, segmentation time, embedding + upsert time (pipeline
segments/s) next to the raw model throughput on the same texts in the same run, optimise
time, p50/p95/p99 latency of hybrid search (query embedding included) without a filter,
with a broad filter (kind) and with a selective one (50 documents), and the process's
peak RSS. ``--dense hashed`` replaces the model by the hashed bag-of-words stand-in of the
same dimension for the *index* vectors of a tier (to measure the engine at scale when
embedding everything would take too long); query embedding still runs the real model so
the latency stays end-to-end. The JSON says which was used.
"""

from __future__ import annotations

import gzip
import json
import resource
import shutil
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eval.stamp import run_stamp, write_json
from ingest.models import Document, Segment
from ingest.settings import Settings


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _articles(path: Path) -> Iterator[str]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield line


def load_segments(path: Path, target: int, max_tokens: int, progress: bool = True,
                  ) -> tuple[list[tuple[Document, Segment, list[str]]], list[str], float]:
    """Segments of leading articles until ``target`` segments; also the next 300 titles (queries)."""
    from tqdm import tqdm

    from ingest.pipeline import build_documents
    from ingest.readers.jsonl import read_jsonl
    from ingest.segment import segment_document

    t0 = time.perf_counter()
    out: list[tuple[Document, Segment, list[str]]] = []
    queries: list[str] = []
    it = _articles(path)
    bar = tqdm(total=target, desc="Tách đoạn (segmenting)", unit="đoạn", disable=not progress, leave=False)
    n = 0
    for line in it:
        n += 1
        raws = read_jsonl(path, line)
        for doc in build_documents(raws, f"{n:064d}", {}):
            heads = {p.id: p.heading_path for p in doc.provisions}
            for seg in segment_document(doc, max_tokens):
                out.append((doc, seg, heads.get(seg.provision_id, [])))
        bar.update(len(out) - bar.n)
        if len(out) >= target:
            break
    bar.close()
    seconds = time.perf_counter() - t0
    for line in it:  # held-out questions: titles of the following articles
        title = str(json.loads(line).get("title") or "").strip()
        if title:
            queries.append(title)
        if len(queries) >= 300:
            break
    return out[:target], queries, seconds


def _percentiles(ms: list[float]) -> dict[str, float]:
    qs = statistics.quantiles(ms, n=100, method="inclusive")
    return {"p50_ms": round(qs[49], 2), "p95_ms": round(qs[94], 2), "p99_ms": round(qs[98], 2),
            "mean_ms": round(statistics.fmean(ms), 2), "n": len(ms)}


def run_tier(settings: Settings, items: list[tuple[Document, Segment, list[str]]], queries: list[str],
             dense: str, workdir: Path, progress: bool = True) -> dict[str, Any]:
    from tqdm import tqdm

    from index.embed import FakeEmbedder, load_embedder
    from index.sparse import query_sparse_pair, sparse_pair
    from index.store import IndexPoint, IndexSpec, SearchFilters, open_store, point_uuid
    from index.sync import point_payload

    if workdir.exists():
        shutil.rmtree(workdir)
    tier = settings.scratch(workdir)
    model = load_embedder(settings)
    index_embedder = model if dense == "real" else FakeEmbedder(dim=model.dim)
    texts = [seg.embed_text for _, seg, _ in items]

    # Raw model throughput on a random sample of the same texts (same length mix), same run.
    import random

    sample = random.Random(0).sample(texts, min(len(texts), 1024))
    t = time.perf_counter()
    model.encode_passages(sample)
    raw_sps = len(sample) / (time.perf_counter() - t)

    vstore = open_store(tier)
    spec = IndexSpec.for_settings(tier, index_embedder)
    spec_dict = spec.to_dict()
    vstore.reset(spec)
    vstore.ensure_collection(spec)
    batch = max(1024, settings.embed_batch_size * 4)  # long calls: less padding
    bar = tqdm(total=len(items), desc=f"Lập chỉ mục {len(items)} đoạn", unit="đoạn", disable=not progress,
               leave=False)
    t = time.perf_counter()
    embed_s = 0.0
    for i in range(0, len(items), batch):
        chunk = items[i : i + batch]
        te = time.perf_counter()
        vecs = index_embedder.encode_passages([s.embed_text for _, s, _ in chunk])
        embed_s += time.perf_counter() - te
        points = []
        for (doc, seg, hp), vec in zip(chunk, vecs, strict=True):
            sp, spf = sparse_pair(seg.words)
            points.append(IndexPoint(id=point_uuid(seg.id), dense=vec, sparse=sp, sparse_fold=spf,
                                     payload=point_payload(doc, seg, hp)))
        vstore.upsert(points)
        bar.update(len(chunk))
    bar.close()
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    vstore.close()  # embedded engine: optimise (HNSW, merges) and flush
    optimise_s = time.perf_counter() - t
    vstore = open_store(tier)

    docs50 = sorted({doc.id for doc, _, _ in items})[:50]
    filters = {"none": None, "kind": SearchFilters(kind=["article"]), "doc50": SearchFilters(doc=docs50)}
    latency: dict[str, Any] = {}
    for name, flt in filters.items():
        ms = []
        for q in queries[:5]:  # warm-up
            qv = model.encode_queries([q])[0]
            vstore.query(qv, *query_sparse_pair(q), flt, limit=40, prefetch_limit=100)
        for q in queries:
            t = time.perf_counter()
            qvec = model.encode_queries([q])[0]
            if dense != "real":
                qvec = index_embedder.encode_queries([q])[0]
            sp, spf = query_sparse_pair(q)
            vstore.query(qvec, sp, spf, flt, limit=40, prefetch_limit=100)
            ms.append((time.perf_counter() - t) * 1000)
        latency[name] = _percentiles(ms)
    t = time.perf_counter()
    for q in queries:
        model.encode_queries([q])
    encode_ms = (time.perf_counter() - t) * 1000 / max(1, len(queries))
    vstore.close()
    n = len(items)
    pipeline_sps = n / build_s
    return {
        "segments": n,
        "index_spec": spec_dict,
        "backend": type(vstore).__name__,
        "documents": len({doc.id for doc, _, _ in items}),
        "dense_vectors": "model" if dense == "real" else f"hashed bag-of-words {model.dim}d stand-in",
        "raw_model_segments_per_s": round(raw_sps, 1),
        "pipeline_segments_per_s": round(pipeline_sps, 1),
        "pipeline_vs_raw": round(pipeline_sps / raw_sps, 3) if dense == "real" else None,
        "embed_seconds": round(embed_s, 2),
        "build_seconds": round(build_s, 2),
        "optimise_seconds": round(optimise_s, 2),
        "query_embedding_ms": round(encode_ms, 2),
        "query_backend": getattr(model, "query_backend", "torch"),
        "latency": latency,
        "peak_rss_mb": _peak_rss_mb(),
    }


def run_retrieval_bench(settings: Settings, scale: Path, out: Path, tiers: list[int], dense: list[str],
                        progress: bool = True) -> dict[str, Any]:
    from ingest.errors import NqdocError

    if not scale.is_file():
        raise NqdocError(f"{scale}: scale corpus not found",
                         message_vi=f"{scale}: không tìm thấy kho văn bản")
    report: dict[str, Any] = {"bench": "retrieval", "corpus": str(scale), **run_stamp(), "tiers": []}
    items, queries, seg_s = load_segments(scale, max(tiers), settings.segment_max_tokens, progress)
    report["segmentation"] = {"segments": len(items), "seconds": round(seg_s, 2),
                              "segments_per_s": round(len(items) / seg_s, 1)}
    report["queries"] = len(queries)
    for size, mode in zip(tiers, dense, strict=True):
        work = settings.home / "bench" / f"retrieval-{size}"
        res = run_tier(settings, items[:size], queries, mode, work, progress)
        report["tiers"].append(res)
        write_json(out, report)  # keep partial results if a later tier is interrupted
        shutil.rmtree(work, ignore_errors=True)
    report["peak_rss_mb"] = _peak_rss_mb()
    write_json(out, report)
    return report
