"""The load generator of `nqdoc bench service`, against a small SYNTHETIC HTTP server (no nqdoc app):
every request is counted once, as a latency or as an error of its kind, and CPU is accounted."""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any

from aiohttp import web

from eval.service_bench import _cpu_report, _drive, _proc_cpu_s


async def _serve_and_drive(clients: int, seconds: float) -> tuple[dict[str, Any], list[str]]:
    seen: list[str] = []

    async def search(request: web.Request) -> web.Response:
        q = request.query["q"]
        seen.append(q)
        await asyncio.sleep(0.002)
        if q == "hỏng":  # the synthetic server fails this one question
            return web.json_response({"error": "synthetic"}, status=503)
        return web.json_response({"query": q, "hits": [{"text": "x" * 5000}]})

    app = web.Application()
    app.router.add_get("/api/search", search)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        res = await _drive(f"http://127.0.0.1:{port}", ["giáo dục", "hỏng", "y tế"], clients, seconds, 10)
    finally:
        await runner.cleanup()
    return res, seen


def test_every_request_is_a_latency_or_an_error_of_its_kind() -> None:
    res, seen = asyncio.run(_serve_and_drive(clients=3, seconds=0.5))
    failed = seen.count("hỏng")
    assert failed > 0 and len(seen) > 3 * failed - 3
    assert res["errors"] == {"http_503": failed}
    assert len(res["latencies"]) == len(seen) - failed
    assert all(lat > 0.002 for lat in res["latencies"])  # includes the server's time and the body
    assert {"giáo dục", "y tế"} <= set(seen)  # queries sent with diacritics intact, cycled


def test_a_refused_connection_is_an_error_not_a_crash() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    res = asyncio.run(_drive(f"http://127.0.0.1:{port}", ["a"], 2, 0.2, 10))
    assert not res["latencies"] and sum(res["errors"].values()) > 0
    assert all(k.endswith("Error") for k in res["errors"])


def test_cpu_is_reported_per_request() -> None:
    own = _proc_cpu_s(os.getpid())
    assert own is None or own > 0  # /proc on Linux; None elsewhere
    r = _cpu_report(12.0, 1.5, 1000)
    assert r == {"server_s": 12.0, "load_generator_s": 1.5, "server_ms_per_request": 12.0,
                 "load_generator_ms_per_request": 1.5}
    assert _cpu_report(None, 0.0, 0)["server_ms_per_request"] is None
