"""``nqdoc bench service`` — concurrent clients against the served API.

Starts ``uvicorn --factory service.app:create_app`` in a subprocess on a free port against the
current ``NQDOC_HOME`` (whatever model and index it holds), warms it up (the first search loads
the model), then ``--clients`` async httpx clients each send ``GET /api/search`` back to back
for ``--seconds``, cycling through the gold study questions. Reports requests/s, latency
percentiles (p50/p95/p99, ms) and errors (non-200 or transport failures), stamped with the
index spec, git commit, time and machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from ingest.settings import Settings

GOLD = Path(__file__).resolve().parent / "gold" / "study_questions.jsonl"
TARGET_P95_MS = 200.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_queries(path: Path = GOLD) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    qs = [json.loads(line)["question"] for line in lines if line.strip()]
    if not qs:
        raise typer.BadParameter(f"no questions in {path}")
    return qs


def _start_server(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NQDOC_HOME": str(settings.home.resolve())}
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "service.app:create_app", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning", "--no-access-log"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 180.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            raise RuntimeError(f"the server exited ({proc.returncode}): {err[-2000:]}")
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server did not become ready in time")


async def _drive(base: str, queries: list[str], clients: int, seconds: float, top_k: int) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def worker(i: int, client: httpx.AsyncClient) -> None:
        n = i
        while time.perf_counter() < deadline:
            q = queries[n % len(queries)]
            n += clients
            t0 = time.perf_counter()
            try:
                r = await client.get("/api/search", params={"q": q, "top_k": top_k})
                ok = r.status_code == 200
                key = "" if ok else f"http_{r.status_code}"
            except httpx.HTTPError as e:
                ok, key = False, type(e).__name__
            dt = time.perf_counter() - t0
            if ok:
                latencies.append(dt)
            else:
                errors[key] = errors.get(key, 0) + 1

    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        await asyncio.gather(*(worker(i, client) for i in range(clients)))
    wall = time.perf_counter() - t0
    return {"latencies": latencies, "errors": errors, "wall": wall}


def _percentiles(lat: list[float]) -> dict[str, float | None]:
    if not lat:
        return {"p50": None, "p95": None, "p99": None, "mean": None, "max": None}
    import numpy as np

    a = np.asarray(lat) * 1000.0
    return {"p50": round(float(np.percentile(a, 50)), 1), "p95": round(float(np.percentile(a, 95)), 1),
            "p99": round(float(np.percentile(a, 99)), 1), "mean": round(float(a.mean()), 1),
            "max": round(float(a.max()), 1)}


def run_service_bench(settings: Settings, *, clients: int = 20, seconds: float = 60.0, top_k: int = 10,
                      warmup: int = 5) -> dict[str, Any]:
    """Serve ``settings.home`` in a subprocess and measure ``/api/search`` under load."""
    import httpx

    from eval.stamp import run_stamp
    from index.sync import spec_key

    queries = load_queries()
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start_server(settings, port)
    try:
        t0 = time.perf_counter()
        _wait_ready(base, proc)
        startup = time.perf_counter() - t0
        health = httpx.get(base + "/api/health", timeout=10).json()
        t0 = time.perf_counter()
        for q in queries[:warmup]:  # loads the model and opens the index
            httpx.get(base + "/api/search", params={"q": q, "top_k": top_k}, timeout=300).raise_for_status()
        warm = time.perf_counter() - t0
        res = asyncio.run(_drive(base, queries, clients, seconds, top_k))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    n_ok = len(res["latencies"])
    n_err = sum(res["errors"].values())
    pct = _percentiles(res["latencies"])
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        **run_stamp(),
        "bench": "service",
        "index_spec": spec_key(settings),
        "home": str(settings.home),
        "store": {k: health[k] for k in ("documents", "provisions", "segments")},
        "endpoint": "GET /api/search",
        "clients": clients,
        "seconds": seconds,
        "top_k": top_k,
        "queries": len(queries),
        "startup_s": round(startup, 2),
        "warmup_s": round(warm, 2),
        "requests": n_ok + n_err,
        "ok": n_ok,
        "errors": n_err,
        "error_kinds": res["errors"],
        "requests_per_s": round((n_ok + n_err) / res["wall"], 2) if res["wall"] else None,
        "latency_ms": pct,
        "target": {"p95_ms": TARGET_P95_MS, "errors": 0,
                   "met": bool(pct["p95"] is not None and pct["p95"] <= TARGET_P95_MS and n_err == 0)},
        "loadavg_before": [round(x, 2) for x in load_before] if load_before else None,
        "loadavg_after": [round(x, 2) for x in load] if load else None,
    }


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add this module's verbs to ``nqdoc eval`` (app) and ``nqdoc bench`` (bench)."""

    @bench.command("service", epilog="Example:\n\n  nqdoc bench service --clients 20 --seconds 60 "
                   "--out bench-output/service.json")
    def bench_service(
        clients: Annotated[int, typer.Option(min=1, max=500, help="Concurrent clients.")] = 20,
        seconds: Annotated[float, typer.Option(min=1, help="How long to drive the server.")] = 60.0,
        top_k: Annotated[int, typer.Option("--top-k", min=1, max=100, help="top_k of each search.")] = 10,
        out: Annotated[Path, typer.Option(help="JSON report path.")] = Path("bench-output/service.json"),
    ) -> None:
        """Đo tải dịch vụ — N concurrent clients against /api/search of the served API."""
        from eval.stamp import write_json

        settings = Settings()
        sys.stderr.write(f"Đang đo: {clients} client × {seconds:g}s trên {settings.home} …\n")
        report = run_service_bench(settings, clients=clients, seconds=seconds, top_k=top_k)
        write_json(out, report)
        lat = report["latency_ms"]
        sys.stderr.write(
            f"{report['requests_per_s']} req/s · p50 {lat['p50']} ms · p95 {lat['p95']} ms"
            f" · p99 {lat['p99']} ms · lỗi {report['errors']} → {out}\n")
