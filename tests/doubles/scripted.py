"""What a scripted model says, and a loopback HTTP server base that the protocol doubles share."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    name: str
    arguments: Any
    """A dict (sent as the protocol's structured form) or a str (sent as raw argument text)."""


@dataclass
class Scripted:
    """One scripted model turn and how the server delivers it."""

    content: str = ""
    calls: list[Call] = field(default_factory=list)
    delay: float = 0.0
    """Seconds to wait before answering."""
    status: int | None = None
    """Answer with this HTTP error status and `error` instead of a reply."""
    error: str = ""
    mid_stream_error: str | None = None
    """Stream some content, then an error line (HTTP status stays 200)."""
    truncate: bool = False
    """Stream some content, then close the connection without a final chunk."""
    calls_in_done_chunk: bool = False
    """Ollama: deliver tool calls in the final done chunk (llama-server path) instead of their own chunk."""
    chunk_size: int = 8


Responder = Callable[[dict[str, Any]], Scripted]


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 with a free port; records every request body."""

    handler_class: type[BaseHTTPRequestHandler]

    def __init__(self, responder: Responder):
        self.responder = responder
        self.requests: list[tuple[str, str, Any]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, port: int = 0) -> LoopbackServer:
        owner = self

        class Handler(self.handler_class):  # type: ignore[misc, valid-type]
            server_owner = owner

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def chat_requests(self) -> list[Any]:
        return [body for (method, path, body) in self.requests if path.endswith("/chat") or "completions" in path]


class JSONHandler(BaseHTTPRequestHandler):
    server_owner: LoopbackServer
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # silence the default stderr log
        pass

    def read_json(self) -> tuple[Any, str | None]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None, "missing request body"
        try:
            return json.loads(raw), None
        except json.JSONDecodeError as exc:
            return None, f"invalid character in request body: {exc}"

    def send_json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def start_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.end_headers()

    def write_line(self, text: str) -> None:
        self.wfile.write(text.encode())
        self.wfile.flush()

    def log_request_body(self, body: Any) -> None:
        self.server_owner.requests.append((self.command, self.path, body))

    @staticmethod
    def pause(seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


def pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), max(1, size))]
