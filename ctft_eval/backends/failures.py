"""The names of transport failures, and how an exception from a client becomes one.

A reply whose request failed carries `error` (a reason a person understands) and `error_kind`
(one of the names below, or `http_<status>` / `stream_error` / `server_tool_parse_error` from the
backends' own status handling). Every scorer reads a reply with `error` as `backend_error`: none
of these is ever the model's mistake.

    connection          the server could not be reached, or hung up before answering
    timeout             the request did not finish within its deadline (`timeout`)
    cancelled           the run was cancelled while the request was in flight
    truncated_stream    the reply ended before its end (no done chunk / finish_reason, or cut mid-line)
    malformed_response  the reply is not JSON, or not of the protocol's shape
    invalid_utf8        the reply's bytes are not UTF-8 text
    too_deep            the reply's JSON nests deeper than `max_json_depth`
    too_large           the reply is larger than `max_reply_bytes`

What the model wrote stays the model's: tool-call arguments whose text does not parse, parses to
something other than an object, or nests deeper than `max_json_depth` are scored (invalid_json),
not failures of the request. In Ollama's protocol the arguments travel as JSON inside the
envelope, so there a line nested past the limit is `too_deep` as a whole.
"""

from __future__ import annotations

import json

from ctft_eval.backends.guard import Budget, Stop

_PY_TO_JSON = {"NoneType": "null", "list": "array", "str": "string", "int": "number", "float": "number",
               "bool": "boolean"}


class Malformed(Stop):
    """A reply whose JSON parsed but is not of the protocol's shape (raised by the backends' readers)."""

    def __init__(self, reason: str):
        super().__init__("malformed_response", reason)


def chain(exc: BaseException) -> list[BaseException]:
    """The exception, then its causes and contexts (the clients wrap what they catch)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 20:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def classify(exc: BaseException, budget: Budget | None) -> tuple[str, str]:
    """(error_kind, reason) for an exception raised while a client sent or read one request."""
    if budget is not None and budget.fired is not None:
        return budget.fired.kind, budget.fired.reason
    links = chain(exc)
    for link in links:
        if isinstance(link, Stop):
            return link.kind, link.reason
    if budget is not None and budget.stop is not None:
        return budget.stop.kind, budget.stop.reason
    if budget is not None and budget.ended and budget.ended_mid_line:
        return "truncated_stream", "the stream ended in the middle of a line (cut short)"
    for link in links:
        kind = _by_type(link, budget)
        if kind is not None:
            return kind
    return "malformed_response", f"the client could not read the reply: {type(exc).__name__}: {_short(exc)}"


def _by_type(exc: BaseException, budget: Budget | None) -> tuple[str, str] | None:
    name = type(exc).__name__
    module = type(exc).__module__.split(".")[0]
    if isinstance(exc, json.JSONDecodeError):
        return "malformed_response", f"the reply is not JSON ({exc.msg} at char {exc.pos}): {exc.doc[:80]!r}"
    if isinstance(exc, UnicodeDecodeError):
        return "invalid_utf8", f"the reply is not valid UTF-8 text ({exc.reason})"
    if isinstance(exc, AttributeError) and "has no attribute 'get'" in str(exc):
        # a JSON line that the client takes for an object (the ollama client's `part.get('error')`)
        kind = str(exc).split("'")[1] if "'" in str(exc) else "value"
        return "malformed_response", f"a line of the reply is a JSON {_PY_TO_JSON.get(kind, kind)}, not an object"
    if isinstance(exc, RecursionError):
        return "too_deep", "the reply nests too deep to be read"
    if name == "ValidationError" and module in ("pydantic", "pydantic_core"):
        first = exc.errors()[0] if exc.errors() else {}  # type: ignore[attr-defined]
        where = ".".join(str(p) for p in first.get("loc", ())) or "the reply"
        return "malformed_response", f"the reply is not of the protocol's shape: {where}: {first.get('msg', exc)}"
    if module in ("httpx", "httpx2", "httpcore", "httpcore2"):
        if name.endswith("Timeout") or name == "TimeoutException":
            return "timeout", budget.deadline_stop().reason if budget is not None else f"no answer in time ({name})"
        if name in ("ConnectError", "ConnectTimeout"):
            return "connection", f"cannot connect: {_short(exc)}"
        if name in ("RemoteProtocolError", "ReadError") and budget is not None and budget.status is not None:
            return "truncated_stream", f"the connection closed in the middle of the reply ({_short(exc)})"
        if name in ("RemoteProtocolError", "ReadError", "WriteError", "NetworkError"):
            return "connection", f"the connection failed before a reply ({_short(exc)})"
    if isinstance(exc, ConnectionError | OSError):
        return "connection", f"the connection failed: {_short(exc)}"
    return None


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split())
    return text[:limit] + ("…" if len(text) > limit else "")
