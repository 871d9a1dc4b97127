"""``nqdoc bench service`` — concurrent clients against the served API.

Starts ``uvicorn --factory service.app:create_app`` in a subprocess on a free port against the
current ``NQDOC_HOME`` (whatever model and index it holds), warms it up (the first search loads
the model), then ``--clients`` async aiohttp clients each send ``GET /api/search`` back to back
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
    # aiohttp, not httpx: the load generator shares the server's cores, and httpx spent ~1.5 ms
    # of CPU per request there (h11 in pure Python) against ~0.5 ms for aiohttp's C parser —
    # CPU the server under test did not get. Each client reads the whole body, as a browser would.
    import aiohttp

    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds

    async def worker(i: int, client: aiohttp.ClientSession) -> None:
        n = i
        while time.perf_counter() < deadline:
            q = queries[n % len(queries)]
            n += clients
            t0 = time.perf_counter()
            try:
                async with client.get("/api/search", params={"q": q, "top_k": str(top_k)}) as r:
                    await r.read()
                    ok = r.status == 200
                    key = "" if ok else f"http_{r.status}"
            except (aiohttp.ClientError, TimeoutError) as e:
                ok, key = False, type(e).__name__
            dt = time.perf_counter() - t0
            if ok:
                latencies.append(dt)
            else:
                errors[key] = errors.get(key, 0) + 1

    t0 = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as client:
        await asyncio.gather(*(worker(i, client) for i in range(clients)))
    wall = time.perf_counter() - t0
    return {"latencies": latencies, "errors": errors, "wall": wall}


def _proc_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _self_cpu_s() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _cpu_report(server: float | None, client: float, requests: int) -> dict[str, float | None]:
    def per(seconds: float | None) -> float | None:
        return round(1000.0 * seconds / requests, 2) if seconds is not None and requests else None

    return {"server_s": None if server is None else round(server, 2), "load_generator_s": round(client, 2),
            "server_ms_per_request": per(server), "load_generator_ms_per_request": per(client)}


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
        server_cpu0, client_cpu0 = _proc_cpu_s(proc.pid), _self_cpu_s()
        res = asyncio.run(_drive(base, queries, clients, seconds, top_k))
        server_cpu1, client_cpu1 = _proc_cpu_s(proc.pid), _self_cpu_s()
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
    server_cpu = None if server_cpu0 is None or server_cpu1 is None else server_cpu1 - server_cpu0
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
        # CPU seconds spent while driving: the server, and this process (the load generator,
        # on the same cores); per request in ms, so runs of different lengths compare.
        "cpu": _cpu_report(server_cpu, client_cpu1 - client_cpu0, n_ok + n_err),
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
