"""How deep a model's output may nest, and walking it without recursion.

Python's own walkers of nested values (json.dumps, dataclasses.asdict, repr, ==, deepcopy) recurse
once or twice per level and stop with a RecursionError near 1,000 levels; a model can write a call
10,000 levels deep. So nothing parsed from a reply nests deeper than MAX_DEPTH: deeper arguments
become a call whose arguments are not usable (failure `too_deep`, scored as invalid JSON), their
raw text kept. The helpers here walk with an explicit stack, never with recursion; DepthScan and
json_depth measure JSON *text* (a server's reply, an argument string) in one regex pass without
decoding it, since Python's decoder itself raises RecursionError near 1,000 levels.
"""

from __future__ import annotations

import re
from typing import Any

MAX_DEPTH = 100
"""The deepest arguments read from a reply: an object holding a list is 2 levels."""
TOO_DEEP = "too_deep"
TOO_DEEP_NOTE = f"{TOO_DEEP}: nested deeper than {MAX_DEPTH} levels; not kept"


def too_deep_error(limit: int = MAX_DEPTH) -> str:
    """The parse error of a call whose arguments nest deeper than `limit`."""
    return f"{TOO_DEEP}: the arguments nest deeper than {limit} levels"


def deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `value` holds dicts/lists/tuples more than `limit` levels deep (a scalar is 0 deep)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list | tuple):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list | tuple))
    return False


def clipped(value: Any, limit: int, note: str = TOO_DEEP_NOTE) -> Any:
    """`value` itself when it is at most `limit` deep, else a copy whose containers below `limit`
    levels are replaced by `note` (tuples become lists, as in JSON)."""
    if not deeper_than(value, limit):
        return value
    root: list[Any] = [None]
    stack: list[tuple[Any, int, Any, Any]] = [(value, 1, root, 0)]
    while stack:
        item, depth, parent, key = stack.pop()
        if not isinstance(item, dict | list | tuple):
            parent[key] = item
        elif depth > limit:
            parent[key] = note
        elif isinstance(item, dict):
            copy: dict[Any, Any] = dict.fromkeys(item)
            parent[key] = copy
            stack.extend((v, depth + 1, copy, k) for k, v in item.items())
        else:
            items: list[Any] = [None] * len(item)
            parent[key] = items
            stack.extend((v, depth + 1, items, i) for i, v in enumerate(item))
    return root[0]


def where_deeper(value: Any, limit: int, shown: int = 12) -> str | None:
    """The path (e.g. `results[0].replies[1].raw[0]...`, its first `shown` steps) of the first
    container deeper than `limit`, or None."""
    if not deeper_than(value, limit):
        return None
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return path or "(the top level)"
            if depth > shown:
                steps: list[tuple[Any, str]] = [(v, path if path.endswith("...") else path + "...")
                                                for v in (item.values() if isinstance(item, dict) else item)]
            elif isinstance(item, dict):
                steps = [(v, f"{path}.{k}" if path else str(k)) for k, v in item.items()]
            else:
                steps = [(v, f"{path}[{i}]") for i, v in enumerate(item)]
            stack.extend((v, depth + 1, where) for v, where in reversed(steps) if isinstance(v, dict | list))
    return None


# ---- JSON text: how deep it nests, without decoding it ----------------------------------------------
_SPECIAL = re.compile(rb'[\[\]{}"\\\n]')


class DepthScan:
    """How deep JSON text nests (brackets outside strings), fed in pieces. A raw newline ends any
    string (JSON strings cannot hold one), so an SSE comment with a stray quote does not derail it."""

    def __init__(self) -> None:
        self.depth = self.deepest = 0
        self._in_string = self._escaped = False

    def feed(self, data: bytes) -> int:
        """The deepest nesting seen so far."""
        for match in _SPECIAL.finditer(data):
            char = match.group()
            if self._escaped:
                self._escaped = False
            elif char == b"\n":
                self._in_string = False
            elif self._in_string:
                if char == b"\\":
                    self._escaped = True
                elif char == b'"':
                    self._in_string = False
            elif char == b'"':
                self._in_string = True
            elif char in (b"[", b"{"):
                self.depth += 1
                self.deepest = max(self.deepest, self.depth)
            elif char in (b"]", b"}"):
                self.depth = max(0, self.depth - 1)
        return self.deepest


def json_depth(text: str | bytes) -> int:
    """The deepest nesting of brackets outside strings in `text`."""
    return DepthScan().feed(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
