"""Helpers for the ask / brief / llm tests (imported by them; conftest.py belongs to the API tests).

The corpus home and its context come from ``tests/service/conftest.py`` (``corpus_ctx``,
``corpus_homes``: ../shared/corpus ingested with the ``fake`` embedder). This module adds:

* :class:`StubLLM` — a real HTTP server on 127.0.0.1 (``http.server`` in a thread) that
  speaks the OpenAI ``/v1/chat/completions`` protocol. SYNTHETIC: its replies are built
  from the provisions found in the prompt it receives (a faithful reply copies one of
  their sentences) or are invented on purpose (to check that unsupported sentences and
  made-up provision ids are caught).
* :func:`is_verbatim` — a quote is a verbatim piece of the stored provision text.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from service.context import ServiceContext

PROMPT_BLOCK = re.compile(r"^\[([^\]\n]+)\] \(([^\n]*)\)\n(.+?)(?=\n\n\[|\Z)", re.MULTILINE | re.DOTALL)


def prompt_provisions(prompt: str) -> list[tuple[str, str]]:
    """(provision id, text) of each provision block in a prompt built by service.llm.build_prompt."""
    return [(m.group(1), m.group(3).strip()) for m in PROMPT_BLOCK.finditer(prompt)]


def first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.;!?])(\s|$)", text)
    return (m.group(1) if m else text).strip()


Reply = Callable[[str], str]  # user prompt -> assistant reply


def faithful(prompt: str) -> str:
    """SYNTHETIC reply that copies the first sentence of the first provision, cited."""
    pid, text = prompt_provisions(prompt)[0]
    return f"{first_sentence(text).rstrip('.;')}. [{pid}]"


def mixed(prompt: str) -> str:
    """SYNTHETIC reply: one faithful sentence, one invented figure, one invented provision id."""
    pid, text = prompt_provisions(prompt)[0]
    return (
        f"{first_sentence(text).rstrip('.;')}. [{pid}]\n"
        f"- Ngân sách dành 97% GDP cho du hành vũ trụ đến năm 2099. [{pid}]\n"
        "- Mọi tỉnh phải xây sân bay vũ trụ. [999-NQ/TW:IX.9]"
    )


class StubLLM:
    """An OpenAI-compatible chat endpoint on 127.0.0.1; ``reply`` decides the answer."""

    def __init__(self) -> None:
        self.reply: Reply = faithful
        self.status = 200
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                stub.requests.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("Authorization", "")}
                )
                if stub.status != 200 or not self.path.endswith("/chat/completions"):
                    self._send(
                        stub.status if stub.status != 200 else 404, {"error": {"message": "stub error"}}
                    )
                    return
                user = next(m["content"] for m in body["messages"] if m["role"] == "user")
                content = stub.reply(user)
                self._send(
                    200,
                    {
                        "id": "chatcmpl-stub",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model"),
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": content},
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                )

            def _send(self, status: int, data: dict[str, Any]) -> None:
                raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def last_prompt(self) -> str:
        msgs = self.requests[-1]["body"]["messages"]
        return str(next(m["content"] for m in msgs if m["role"] == "user"))


@contextmanager
def running_stub() -> Iterator[StubLLM]:
    stub = StubLLM()
    stub.thread.start()
    try:
        yield stub
    finally:
        stub.server.shutdown()
        stub.server.server_close()


def context_with(base: ServiceContext, **settings: Any) -> ServiceContext:
    """A context with changed settings sharing ``base``'s store and retriever (never close it)."""
    return ServiceContext(
        base.settings.model_copy(update=settings), store=base.store, retriever=base.retriever
    )


def is_verbatim(ctx: ServiceContext, provision_id: str, quote: str) -> bool:
    """Every piece of ``quote`` (pieces joined by ``[…]``) occurs in the stored provision text."""
    prov = ctx.store.get_provision(provision_id)
    if prov is None:
        return False
    text = " ".join(prov.text.split())
    return all(piece.strip() in text for piece in quote.split("[…]"))
