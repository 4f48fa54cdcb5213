"""A captured Continue profile: what one user's Continue really sent (see `python -m ctft_eval capture`).

The file is JSON in format "ctft-eval-profile/1". `build` derives a profile from the chat requests a
recording proxy saw; `load` reads and validates a file, raising ProfileError with one message that
names the file and the field.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ctft_eval.atomic import write_json

FORMAT = "ctft-eval-profile/1"
PROVIDERS = ("ollama", "openai")
MODES = ("native", "system_message")
_BLOCK = re.compile(r"<tool_use_instructions>.*?</tool_use_instructions>", re.DOTALL)
_TOOL_NAME = re.compile(r"^[ \t]*TOOL_NAME:[ \t]*(\S[^\r\n]*?)[ \t]*$", re.MULTILINE)
_NOT_OPTIONS = {"model", "messages", "tools", "parallel_tool_calls", "stream"}


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Captured:
    upstream: str
    at: str
    chat_requests: int
    skipped: int
    sha256: str
    other_requests: dict[str, int] = field(default_factory=dict, hash=False)
    """"METHOD /path" -> count, for requests that were not chat requests (/api/show, /api/tags, /v1/models...)."""


@dataclass(frozen=True)
class CapturedProfile:
    provider: str
    model: str
    system: str
    base_system: str
    tool_instructions: str | None
    tools: tuple[dict[str, Any], ...]
    tool_names: tuple[str, ...]
    mode: str
    tools_after_tool_result: bool | None
    parallel_tool_calls: bool | None
    options: dict[str, Any] = field(hash=False)
    user_agent: str
    captured: Captured
    format: str = FORMAT

    def to_json(self) -> dict[str, Any]:
        c = self.captured
        return {
            "format": self.format, "provider": self.provider, "model": self.model, "system": self.system,
            "base_system": self.base_system, "tool_instructions": self.tool_instructions,
            "tools": list(self.tools), "tool_names": list(self.tool_names), "mode": self.mode,
            "tools_after_tool_result": self.tools_after_tool_result,
            "parallel_tool_calls": self.parallel_tool_calls, "options": self.options,
            "user_agent": self.user_agent,
            "captured": {"upstream": c.upstream, "at": c.at, "chat_requests": c.chat_requests,
                         "skipped": c.skipped, "sha256": c.sha256, "other_requests": c.other_requests},
        }


def fingerprint(system: str, tools: list[Any] | tuple[Any, ...], options: dict[str, Any]) -> str:
    """sha256 of the canonical JSON (sorted keys, no spaces, UTF-8) of {system, tools, options}."""
    canonical = json.dumps({"system": system, "tools": list(tools), "options": options},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def split_system(system: str) -> tuple[str, str | None]:
    """(the system message without its tool-instructions block, stripped; the block with its tags, or None)."""
    match = _BLOCK.search(system)
    if match is None:
        return system.strip(), None
    return (system[: match.start()] + system[match.end():]).strip(), match.group(0)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def _system_of(body: dict[str, Any]) -> str | None:
    messages = body.get("messages")
    first = messages[0] if isinstance(messages, list) and messages else None
    return _text(first.get("content")) if isinstance(first, dict) and first.get("role") == "system" else None


def _after_tool_result(body: dict[str, Any]) -> bool:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[-1], dict):
        return False
    last = messages[-1]
    return last.get("role") == "tool" or (
        last.get("role") == "user" and _text(last.get("content")).startswith("Tool output for"))


def _is_agent(body: dict[str, Any]) -> bool:
    system = _system_of(body)
    return system is not None and (bool(body.get("tools")) or _BLOCK.search(system) is not None)


def build(chats: list[tuple[str, dict[str, Any], str]], *, upstream: str, chat_requests: int, skipped: int,
          other_requests: dict[str, int] | None = None) -> CapturedProfile:
    """A profile from recorded chat requests, each (provider, body, user agent), in the order they came.

    The system message, tools and options are those of the first agent-mode request (one whose first
    message is a system message and that carries tools, natively or as a tool-instructions block), else
    of the first request with a system message, else of the first request."""
    if not chats:
        raise ValueError("no chat requests were recorded")
    provider, first, _ = chats[0]
    chosen = next((c for c in chats if _is_agent(c[1])), None) or next(
        (c for c in chats if _system_of(c[1]) is not None), chats[0])
    _, body, user_agent = chosen
    system = _system_of(body) or ""
    base_system, instructions = split_system(system)
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    names = [str((t.get("function") or {}).get("name", "")) for t in tools]
    if not tools and instructions:
        names = list(dict.fromkeys(_TOOL_NAME.findall(instructions)))
    if provider == "ollama":
        options = dict(body.get("options") or {})
        if "keep_alive" in body:
            options["keep_alive"] = body["keep_alive"]
    else:
        options = {k: v for k, v in body.items() if k not in _NOT_OPTIONS}
    after = [bool(b.get("tools")) for _, b, _ in chats if _after_tool_result(b)]
    parallel = body.get("parallel_tool_calls") if provider == "openai" else None
    return CapturedProfile(
        provider=provider, model=str(first.get("model", "")), system=system, base_system=base_system,
        tool_instructions=instructions, tools=tuple(tools), tool_names=tuple(names),
        mode="native" if tools or not instructions else "system_message",
        tools_after_tool_result=any(after) if after else None,
        parallel_tool_calls=parallel if isinstance(parallel, bool) else None, options=options,
        user_agent=user_agent,
        captured=Captured(upstream=upstream, at=datetime.now(UTC).isoformat(timespec="seconds"),
                          chat_requests=chat_requests, skipped=skipped, sha256=fingerprint(system, tools, options),
                          other_requests=dict(other_requests or {})))


class _Reader:
    def __init__(self, path: Path, data: dict[str, Any]):
        self.path, self.data = path, data

    def fail(self, name: str, problem: str) -> ProfileError:
        return ProfileError(f"{self.path}: field '{name}' {problem}")

    def get(self, name: str, kinds: type | tuple[type, ...], *, where: dict[str, Any] | None = None,
            prefix: str = "", optional: bool = False, nullable: bool = False) -> Any:
        """`optional`: the key may be absent or null; `nullable`: the key must be there, null allowed."""
        where = self.data if where is None else where
        if name not in where:
            if optional:
                return None
            raise self.fail(prefix + name, "is missing")
        value = where[name]
        if value is None and (optional or nullable):
            return None
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in _tuple(kinds)):
            wanted = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in _tuple(kinds)) + (" or null" * nullable)
            raise self.fail(prefix + name, f"must be {wanted}, got {json.dumps(value)[:60]}")
        return value

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.get(name, str)
        if value not in allowed:
            raise self.fail(name, f"must be one of {', '.join(allowed)}, got {value!r}")
        return value


_KIND_NAMES = {str: "a string", dict: "an object", list: "a list", bool: "true or false", int: "an integer"}


def _tuple(kinds: type | tuple[type, ...]) -> tuple[type, ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def _tools(r: _Reader) -> tuple[dict[str, Any], ...]:
    tools = r.get("tools", list)
    for i, tool in enumerate(tools):
        name = f"tools[{i}]"
        if not isinstance(tool, dict) or tool.get("type") != "function":
            raise r.fail(name, 'must be a function tool object {"type": "function", "function": {...}}')
        fn = r.get("function", dict, where=tool, prefix=f"{name}.")
        if not isinstance(fn.get("name"), str) or not fn["name"].strip():
            raise r.fail(f"{name}.function.name", "is missing" if "name" not in fn else "must be a non-empty string")
        r.get("description", str, where=fn, prefix=f"{name}.function.", optional=True)
        r.get("parameters", dict, where=fn, prefix=f"{name}.function.", optional=True)
    return tuple(tools)


def load(path: str | Path) -> CapturedProfile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read the profile ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: a profile is a JSON object, got {type(data).__name__}")
    r = _Reader(path, data)
    if r.get("format", str) != FORMAT:
        raise r.fail("format", f"must be {FORMAT!r}, got {data['format']!r}")
    tools = _tools(r)
    names = r.get("tool_names", list)
    for i, name in enumerate(names):
        if not isinstance(name, str) or not name:
            raise r.fail(f"tool_names[{i}]", "must be a non-empty string")
    captured = r.get("captured", dict)
    c = {k: r.get(k, str, where=captured, prefix="captured.") for k in ("upstream", "at", "sha256")}
    counts = {k: r.get(k, int, where=captured, prefix="captured.") for k in ("chat_requests", "skipped")}
    for k, n in counts.items():
        if n < 0:
            raise r.fail(f"captured.{k}", f"must not be negative, got {n}")
    if not re.fullmatch(r"[0-9a-f]{64}", c["sha256"]):
        raise r.fail("captured.sha256", "must be 64 lower-case hex digits")
    other = r.get("other_requests", dict, where=captured, prefix="captured.", optional=True) or {}
    for k, n in other.items():
        if not isinstance(n, int) or isinstance(n, bool):
            raise r.fail(f"captured.other_requests[{k!r}]", "must be an integer count")
    return CapturedProfile(
        provider=r.choice("provider", PROVIDERS), model=r.get("model", str), system=r.get("system", str),
        base_system=r.get("base_system", str), tool_instructions=r.get("tool_instructions", str, nullable=True),
        tools=tools, tool_names=tuple(names), mode=r.choice("mode", MODES),
        tools_after_tool_result=r.get("tools_after_tool_result", bool, nullable=True),
        parallel_tool_calls=r.get("parallel_tool_calls", bool, nullable=True), options=r.get("options", dict),
        user_agent=r.get("user_agent", str),
        captured=Captured(**c, **counts, other_requests=other))


def write(path: str | Path, profile: CapturedProfile) -> None:
    """Write the profile atomically (ctft_eval.atomic), as the run record is written."""
    write_json(path, profile.to_json())
