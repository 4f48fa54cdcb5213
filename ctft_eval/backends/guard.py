"""The guarded path every backend reply takes: a request deadline, a size limit, UTF-8 and JSON depth.

Both official clients send through an httpx transport of ours (`transport(httpx)` for the ollama
client, `transport(httpx2)` for the openai client). While a `Budget` is active (`active(budget)`,
one per attempt, in the thread that sends), the transport

- bounds the whole request by the budget's deadline (`timeout`): connect, headers, body and
  stream. Each wait on the network is limited to the time left, every piece of the body is checked
  against the deadline, and a watchdog thread shuts the connection's socket down when the deadline
  passes (or the run is cancelled) while a read is blocked, so that neither a stream of one token a
  second nor a server that falls silent outlives the deadline;
- counts the body's bytes (`max_reply_bytes`), decodes a successful body as strict UTF-8, and
  measures how deep JSON nests outside strings (`max_json_depth`; a document nested deeper than
  Python's own recursion limit would otherwise crash the client's decoder).

A broken limit raises `Stop` (kind, reason) from inside the client's read; the budget keeps it, so
the backend names the failure even when the client wraps or swallows the exception
(ctft_eval.backends.failures). What a limit means for the model's own output (argument text that
nests too deep is the model's, and scored) is decided in the readers, not here.
"""

from __future__ import annotations

import codecs
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import ModuleType
from typing import Any, NoReturn

from ctft_eval import cancel
from ctft_eval.depth import DepthScan

_CURRENT: ContextVar[Budget | None] = ContextVar("ctft_eval_budget", default=None)
_WATCH_POLL_S = 0.1


class Stop(Exception):
    """A guarded request ended early: `kind` names the failure, `reason` says it for a person."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind, self.reason = kind, reason


class Budget:
    """The limits of one attempt, and what its response was: status, headers, bytes, how it ended."""

    def __init__(self, timeout: float, max_bytes: int, max_depth: int):
        self.timeout, self.max_bytes, self.max_depth = timeout, max_bytes, max_depth
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self.stop: Stop | None = None
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.received = 0
        self.ended = False
        """The body was read to its end (as the server framed it)."""
        self.ended_mid_line = False
        """...and its last bytes were no complete line (a cut NDJSON/SSE stream)."""
        self._last = b"\n"
        self._utf8: Any = None
        self._depth = DepthScan()
        self._sockets: list[socket.socket] = []
        self._done = threading.Event()
        self._watch: threading.Thread | None = None
        self.fired: Stop | None = None
        """Set when the watchdog cut the connection (the deadline passed, or the run was cancelled)."""

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def halt(self, kind: str, reason: str) -> NoReturn:
        if self.stop is None:
            self.stop = Stop(kind, reason)
        raise self.stop

    def deadline_stop(self) -> Stop:
        return Stop("timeout", f"the request did not finish within its deadline of {self.timeout:g} s (timeout)")

    def check(self) -> None:
        """Stop when the run was cancelled or the deadline has passed."""
        if cancel.cancelled():
            self.halt("cancelled", "the run was cancelled while the request was in flight")
        if self.remaining() <= 0:
            stop = self.deadline_stop()
            self.halt(stop.kind, stop.reason)

    # ---- what the transport reports ----------------------------------------------------------

    def on_headers(self, status: int, headers: Any, network_stream: Any) -> None:
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self._utf8 = codecs.getincrementaldecoder("utf-8")("strict") if 200 <= status < 300 else None
        self.watch_stream(network_stream)

    def feed(self, piece: bytes) -> None:
        self.received += len(piece)
        if self.received > self.max_bytes:
            self.halt("too_large", f"the reply is larger than {self.max_bytes} bytes (max_reply_bytes); not read")
        if self._utf8 is not None:
            try:
                self._utf8.decode(piece)
            except UnicodeDecodeError as exc:
                self.halt("invalid_utf8", f"the reply is not valid UTF-8 text ({exc.reason} near byte "
                                          f"{self.received - len(piece) + exc.start}); not read")
        if self._depth.feed(piece) > self.max_depth:
            self.halt("too_deep", f"the reply nests JSON deeper than {self.max_depth} levels (max_json_depth); "
                                  "not read")
        if piece:
            self._last = piece[-1:]

    def finish(self) -> None:
        if self.fired is not None:
            # The watchdog's shutdown reads as the end of a body that only closing the connection
            # ends (no length, no chunks): that end is the deadline's or the cancellation's.
            raise self.fired
        self.ended = True
        self.ended_mid_line = self._last != b"\n"
        if self._utf8 is not None:
            try:
                self._utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                self.halt("invalid_utf8", "the reply ends inside a UTF-8 character (not valid UTF-8 text)")

    # ---- the watchdog ------------------------------------------------------------------------

    def watch_stream(self, network_stream: Any) -> None:
        """Let the watchdog shut this connection down at the deadline or on cancellation."""
        sock = network_stream.get_extra_info("socket") if network_stream is not None else None
        if isinstance(sock, socket.socket) and sock not in self._sockets:
            self._sockets.append(sock)
        if self._watch is None:
            self._watch = threading.Thread(target=self._watchdog, name="ctft-deadline", daemon=True)
            self._watch.start()

    def tracer(self, inner: Any) -> Any:
        """An httpcore `trace` hook that hands each new connection's socket to the watchdog."""
        def trace(event: str, info: dict[str, Any]) -> None:
            if event.endswith("connect_tcp.complete"):
                self.watch_stream(info.get("return_value"))
            if inner is not None:
                inner(event, info)
        return trace

    def _watchdog(self) -> None:
        while not self._done.wait(max(0.0, min(_WATCH_POLL_S, self.remaining()))):
            if cancel.cancelled():
                self.fired = Stop("cancelled", "the run was cancelled while the request was in flight")
            elif self.remaining() <= 0:
                self.fired = self.deadline_stop()
            else:
                continue
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return

    def close(self) -> None:
        self._done.set()


def current() -> Budget | None:
    return _CURRENT.get()


@contextmanager
def active(budget: Budget) -> Iterator[Budget]:
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)
        budget.close()


def transport(lib: ModuleType, **kwargs: Any) -> Any:
    """A transport of `lib` (httpx, or httpx2 for the openai client) that guards the active budget's
    requests; requests outside a budget (preflight) pass through with the client's own timeouts."""

    class GuardedStream(lib.SyncByteStream):  # type: ignore[name-defined, misc]
        def __init__(self, inner: Any, budget: Budget):
            self._inner, self._budget = inner, budget

        def __iter__(self) -> Iterator[bytes]:
            for piece in self._inner:
                self._budget.check()
                self._budget.feed(piece)
                yield piece
            self._budget.finish()

        def close(self) -> None:
            self._inner.close()

    class GuardedTransport(lib.BaseTransport):  # type: ignore[name-defined, misc]
        def __init__(self) -> None:
            self._inner = lib.HTTPTransport(**kwargs)

        def handle_request(self, request: Any) -> Any:
            budget = current()
            if budget is None:
                return self._inner.handle_request(request)
            budget.check()
            left = max(budget.remaining(), 0.001)
            timeouts = dict(request.extensions.get("timeout") or {})
            request.extensions["timeout"] = {k: left if timeouts.get(k) is None else min(timeouts[k], left)
                                             for k in ("connect", "read", "write", "pool")}
            request.extensions["trace"] = budget.tracer(request.extensions.get("trace"))
            response = self._inner.handle_request(request)
            budget.on_headers(response.status_code, response.headers, response.extensions.get("network_stream"))
            response.stream = GuardedStream(response.stream, budget)
            return response

        def close(self) -> None:
            self._inner.close()

    return GuardedTransport()
