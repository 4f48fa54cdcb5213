"""What a backend returns for one request: the raw response, text, parsed tool calls and timings."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from ctft_eval.depth import MAX_DEPTH, json_depth

# Where a tool call came from.
STRUCTURED = "native"  # the server's structured tool_calls field (the "native" call source)
CONTINUE_BLOCK = "continue_block"  # Continue's ```tool / TOOL_NAME: / BEGIN_ARG: text format
TEXT_JSON = "text_json"  # JSON written in the reply text (bare, fenced, or in <tool_call> tags)
MAX_JSON_DEPTH = MAX_DEPTH
"""The default of the max_json_depth setting: argument text nested deeper is not decoded."""


@dataclass
class ToolCall:
    name: str
    raw_arguments: str
    """The argument text exactly as received (JSON text; for objects from Ollama, their serialization)."""
    arguments: dict[str, Any] | None
    """The parsed argument object, or None when raw_arguments is not a JSON object."""
    parse_error: str | None = None
    source: str = STRUCTURED

    @classmethod
    def from_raw(cls, name: str, raw: Any, source: str, max_depth: int = MAX_JSON_DEPTH) -> ToolCall:
        """Build a call from arguments that came as text (to parse) or as an already decoded value.
        Never raises: text that nests deeper than `max_depth` is the model's output that no tool
        could take, kept raw with a parse_error, like text that does not parse."""
        if isinstance(raw, str):
            text = raw
            if not text.strip():
                return cls(name, raw, {}, None, source)  # "no arguments" is sent as "" by some servers
            depth = json_depth(text)
            if depth > max_depth:
                return cls(name, raw, None, f"arguments nest {depth} levels deep, deeper than {max_depth} "
                                            "(max_json_depth); not read", source)
            try:
                value = json.loads(text)
            except (ValueError, RecursionError) as exc:
                return cls(name, raw, None, f"arguments are not valid JSON: {exc}", source)
        else:
            value = raw
            try:
                text = json.dumps(raw, ensure_ascii=False)
            except (ValueError, TypeError, RecursionError) as exc:
                return cls(name, repr(raw)[:2000], None, f"arguments cannot be written as JSON: {exc}", source)
        if value is None:
            return cls(name, text, {}, None, source)
        if not isinstance(value, dict):
            return cls(name, text, None, f"arguments are a JSON {type(value).__name__}, not an object", source)
        return cls(name, text, value, None, source)


@dataclass
class Timings:
    wall_s: float = 0.0
    ttft_s: float | None = None
    """Time to the first streamed content or tool call."""
    server_total_s: float | None = None
    server_load_s: float | None = None
    server_prompt_s: float | None = None
    server_eval_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@dataclass
class Reply:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    timings: Timings = field(default_factory=Timings)
    error: str | None = None
    """A request that failed (HTTP error, broken stream, timeout): the reply is still data, scored as a failure."""
    error_kind: str | None = None
    attempts: int = 1
    """Requests sent for this reply (retries included; 0 when the run was cancelled before the first)."""
    attempt_log: list[dict[str, Any]] = field(default_factory=list)
    """Each attempt: attempt, error_kind, error, status, wall_s, retry_after_s, waited_s, note
    (ctft_eval.backends.retry). Absent from records written before it existed (read as [])."""
    channel: str = "native"
    """The channel the request was sent on (see ctft_eval.channels)."""
    tools_sent: bool | None = None
    """Whether the request carried `tools` (Continue's ollama provider sends none after a tool result)."""
    raw: Any = None
    """The response as received: the final JSON object, or the list of stream chunks."""
    tool_results: list[dict[str, Any]] | None = None
    """A live chain's step (ctft_eval.chains.live): what each call Continue runs gave, in the calls'
    order (ctft_eval.chains.results); None where nothing ran (a single request, a canned chain)."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not data["attempt_log"]:
            del data["attempt_log"]  # (records written before it existed read back as written)
        if data["tool_results"] is None:
            del data["tool_results"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        data = dict(data)
        calls = [ToolCall(**c) for c in data.pop("tool_calls", [])]
        timings = Timings(**data.pop("timings", {}))
        return cls(tool_calls=calls, timings=timings, **data)
