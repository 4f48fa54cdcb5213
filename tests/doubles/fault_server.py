"""A loopback server that answers chat requests with whatever bytes a test scripts: any status,
any headers, a body sent in pieces (slowly, chunked or not), cut short. For the reliability tests.

It speaks just enough of both protocols for the backends' preflight to pass: Ollama's /api/show
and /api/tags (the model `m`, with the tools capability) and OpenAI's GET /v1/models. Every chat
request (POST /api/chat or POST /v1/chat/completions) takes the next scripted `Fault`; the last
one keeps answering once the script runs out, so a property test sets one per example:

    with FaultServer() as server:
        server.script(Fault(body=b"not json"))
        backend(server).chat(...)
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from doubles.ollama_server import CREATED_AT, model_entry

NDJSON = [("Content-Type", "application/x-ndjson")]
SSE = [("Content-Type", "text/event-stream")]


@dataclass
class Fault:
    """One scripted answer to a chat request."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=lambda: list(NDJSON))
    body: bytes | list[bytes] = b""
    """The body, or its pieces, each written (and flushed) in turn."""
    gap: float = 0.0
    """Seconds between pieces (a slow stream)."""
    framing: Literal["length", "chunked", "close"] = "chunked"
    """Content-Length, chunked transfer encoding, or a body that ends when the connection closes."""
    cut: bool = False
    """Close the connection before the body is complete (length: fewer bytes than announced;
    chunked: no final zero-length chunk)."""

    @property
    def pieces(self) -> list[bytes]:
        return [self.body] if isinstance(self.body, bytes) else list(self.body)


class FaultServer:
    """Threaded HTTP/1.1 server on 127.0.0.1 (free port); records when each chat request came."""

    def __init__(self, *faults: Fault, serve_models: bool = True):
        self.faults: list[Fault] = list(faults) or [Fault()]
        self.serve_models = serve_models
        """False: GET /v1/models is a 404, as on servers that have no model list."""
        self.chat_times: list[float] = []
        self.chat_bodies: list[Any] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def script(self, *faults: Fault) -> None:
        """The answers to the next chat requests, in order (the last one repeats); clears the log."""
        with self._lock:
            self.faults = list(faults)
            self.chat_times.clear()
            self.chat_bodies.clear()

    def next_fault(self, body: Any) -> Fault:
        with self._lock:
            self.chat_times.append(time.monotonic())
            self.chat_bodies.append(body)
            return self.faults.pop(0) if len(self.faults) > 1 else self.faults[0]

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def __enter__(self) -> FaultServer:
        owner = self

        class Handler(_Handler):
            server_owner = owner

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class _Handler(BaseHTTPRequestHandler):
    server_owner: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/api/tags":
            entry = model_entry("m")
            self._json(200, {"models": [{"name": "m:latest", "model": "m:latest", "modified_at": CREATED_AT,
                                         "size": 1, "digest": entry["digest"], "details": entry["details"]}]})
        elif self.path == "/v1/models" and self.server_owner.serve_models:
            self._json(200, {"object": "list", "data": [{"id": "m", "object": "model", "created": 0,
                                                         "owned_by": "ctft"}]})
        else:
            self._json(404, {"error": "404 page not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        if self.path == "/api/show":
            entry = model_entry("m")
            self._json(200, {"license": "", "modelfile": "FROM m\n", "parameters": "", "template": entry["template"],
                             "details": entry["details"], "model_info": {"general.architecture": "qwen2"},
                             "capabilities": entry["capabilities"], "modified_at": CREATED_AT})
        elif self.path in ("/api/chat", "/v1/chat/completions"):
            self._answer(self.server_owner.next_fault(body))
        else:
            self._json(404, {"error": "404 page not found"})

    def _answer(self, fault: Fault) -> None:
        pieces = fault.pieces
        self.wfile.write(f"HTTP/1.1 {fault.status} Scripted\r\n".encode())
        for name, value in fault.headers:
            self.wfile.write(f"{name}: {value}\r\n".encode())
        total = sum(len(p) for p in pieces)
        if fault.framing == "length":
            self.wfile.write(f"Content-Length: {total + (1 if fault.cut else 0)}\r\n".encode())
        elif fault.framing == "chunked":
            self.wfile.write(b"Transfer-Encoding: chunked\r\n")
        self.wfile.write(b"Connection: close\r\n\r\n")
        self.close_connection = True
        try:
            for number, piece in enumerate(pieces):
                if number and fault.gap:
                    time.sleep(fault.gap)
                if fault.framing == "chunked":
                    if piece:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                else:
                    self.wfile.write(piece)
                self.wfile.flush()
            if fault.framing == "chunked" and not fault.cut:
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            if fault.cut:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # the client hung up (a deadline, a size limit): nothing to finish


# ---- bodies of each protocol, for scripting ------------------------------------------------------

def ollama_line(content: str = "", *, done: bool = False, tool_calls: list | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    line: dict[str, Any] = {"model": "m", "created_at": CREATED_AT, "message": message, "done": done}
    if done:
        line.update(done_reason="stop", total_duration=1000, eval_count=1, prompt_eval_count=1)
    return line


def ndjson(*lines: Any) -> list[bytes]:
    return [(json.dumps(line) + "\n").encode() for line in lines]


def openai_chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {"id": "chatcmpl-f", "object": "chat.completion.chunk", "created": 0, "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}


def sse(*events: Any, done: bool = True) -> list[bytes]:
    out = [f"data: {json.dumps(e) if not isinstance(e, str) else e}\n\n".encode() for e in events]
    return out + ([b"data: [DONE]\n\n"] if done else [])


def ollama_call(name: str, arguments: Any) -> dict[str, Any]:
    return {"function": {"name": name, "arguments": arguments}}


def openai_call(name: str, arguments: str, index: int = 0) -> dict[str, Any]:
    return {"tool_calls": [{"index": index, "id": f"call_{index}", "type": "function",
                            "function": {"name": name, "arguments": arguments}}]}
