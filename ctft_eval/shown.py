"""Showing text that a model or a server wrote: the one escaping helper every output uses.

A reply is data, and so is every string derived from it (a tool name, an argument, a reason, a
server's model name or error). Before such text reaches a terminal, a CI log, a JUnit property or
a pull-request comment it goes through `line` (one line: nothing in it can start another) or
`block` (text of several lines that this project composed). Both make visible, as `\\xNN`,
`\\uNNNN` escapes:

- control characters (C0, DEL, C1): terminal escape sequences, carriage returns, bells; in `line`
  the newline and the tab too, so a value cannot forge a log line (`::error::` in a CI log);
- bidirectional controls (U+061C, U+200E/F, U+202A-E, U+2066-9), which reorder what a reader
  sees (a "Trojan Source" line), and the line and paragraph separators U+2028/9;
- lone UTF-16 surrogates, which no output encoding can hold.

`cut` shortens long values with a marker that says how much was left out. Markdown has its own
needs (ctft_eval.report.markdown) and builds on these.
"""

from __future__ import annotations

import re

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\ud800-\udfff]")
_UNSAFE_BLOCK = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
LIMIT = 300
"""Characters of one value shown in a line of a report (`cut`)."""


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def line(text: object, limit: int | None = None) -> str:
    """`text` as one safe line: every control, bidi control and surrogate escaped; cut to `limit`
    characters of the original (with a marker) when given."""
    value = text if isinstance(text, str) else str(text)
    if limit is not None:
        value = cut(value, limit)
    return _UNSAFE_LINE.sub(_escape, value)


def block(text: str) -> str:
    """Several lines this project composed: the same escapes as `line`, newlines kept."""
    return _UNSAFE_BLOCK.sub(_escape, text)


def cut(text: str, limit: int = LIMIT) -> str:
    """`text` itself when it is at most `limit` characters, else its start and a marker."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit:,} more characters]"

