"""Continue's own reading of the tool calls in a reply on the system-message (continue) channel.

Facts from continuedev/continue (commit d0a3c0b), in our words; the reader follows each of them.
Cutting (systemMessageTools/systemToolUtils.ts): streamed text is cut before and after every "```"
and newline; the pieces ("chunks") are fed in order. We read a reply as one streamed text: token
boundaries could only add chunk starts (a mid-line "TOOL_NAME:" right after one), which we cannot see.
Starting (detectToolCallStart.ts, interceptSystemToolCalls.ts, toolCodeblocks/index.ts): outside a
call, chunks are collected while they spell a prefix of "```tool"+newline or "tool_name:" (any case);
once the text begins with one a call starts, else it is plain text and collecting starts over. So
text may precede the fence; "```tool " or "```tool"+CR LF is no fence; a chunk beginning "tool_name:"
(a line, or right after a call's closing "```") starts a call as if fenced; "  TOOL_NAME:" does not.
Name (toolCodeblocks/parseSystemToolCall.ts): on the line right after the fence, the text after the
first /tool_?name:/i up to a second match if any, trimmed: the whole rest of the line. No match or
nothing left (blank line, "TOOL_NAME :", a bare name) throws "Invalid tool name": the stream fails and
no call of the reply runs (gui streamNormalInput.ts rethrows before running calls). A reply ending on
the name line (before its newline) has no call at all.
Arguments, line by line: a line containing /begin_?arg:/i opens an argument named by the rest of the
line, trimmed (a value written there joins the name; an empty name throws "Invalid begin arg line"),
put into the JSON text unescaped. Every later line is value up to the first line that contains
/end_?arg/i anywhere ("sendArg(x)" too, END_TOOL_ARG not); that line's text is lost. Any other line
ends the call at its newline (blank line, prose: later arguments are dropped); a line starting "```"
ends it at once; text after a call is plain text again.
A value is its lines joined, trimmed (JavaScript whitespace); if it starts with "[" or "{", raw
newlines in each "..." string are escaped (not one right after a backslash or after a newline just
escaped; one at the string's start is); then JSON.parse: the parsed value (null too), else the
repaired text; values are re-serialised (JSON.stringify: Infinity becomes null). The argument text is
'{"a":value' ',"b":value' ... and '}' when the call ends, or when the reply ends with an argument done
(with another still open, that text is broken).
Merging (gui/src/util/toolCallState.ts, gui/src/redux/slices/sessionSlice.ts): each block is a call,
in order; duplicate edit calls are only dropped within one streamed message, each carries one delta
here: none is. Argument text that already parses takes no more deltas. core/tools/parseArgs.ts: text
that does not parse gives {} (the edit tools, run in the GUI, parse it partially: not modelled).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from ctft_eval.catalog import TOOLS_BY_NAME
from ctft_eval.depth import MAX_DEPTH, deeper_than
from ctft_eval.reply import CONTINUE_BLOCK, ToolCall

_CHUNKS = re.compile(r"(```|\n)")
_FENCE_START, _NAME_START = "```tool\n", "tool_name:"
_NAME_TAG, _BEGIN_TAG, _END_TAG = (re.compile(p, re.I) for p in (r"tool_?name:", r"begin_?arg:", r"end_?arg"))
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(map(chr, range(0x2000, 0x200B)))
_CLOSED = re.compile(r'("(?:[^"\\]++|\\[\s\S])*+")')  # possessive (no backtracking): linear
_CLOSED_PREFIX = re.compile(r'(?:[^"]++|"(?:[^"\\]++|\\[\s\S])*+")*+')  # up to the first string that never closes
_RAW_NEWLINE = re.compile(r"([^\\])\n")
_TOKEN = re.compile(r'"(?:[^"\\]++|\\[\s\S])*+"|[{}\[\]]')  # a string, or a bracket
_STEP = {"{": 1, "[": 1, "}": -1, "]": -1}
_UNSAFE_KEY = re.compile(r'["\\\x00-\x1f]')
_MAX_DEPTH = MAX_DEPTH - 1  # a deeper value is kept as text (V8 parses deeper; Python's walkers cannot)


@dataclass
class Reading:  # what Continue made of one block, kept to explain differences
    name: str
    args: list[tuple[str, Any, str]] = field(default_factory=list)  # (name, value, the line that ended it)
    events: list[tuple[str, Any]] = field(default_factory=list)  # ("arg", name) ("value", v) ("close", None)
    open_arg: str | None = None
    ended_by: str | None = None  # the line that ended the call ("```": a fence); None: the reply ended first
    last_line: str = ""


def read_calls(text: str) -> list[ToolCall]:
    """The calls Continue reads in a reply's text (continue channel); never raises, linear time."""
    return _read(text)[0]


def _read(text: Any) -> tuple[list[ToolCall], list[Reading], str | None]:
    """(calls, one Reading per block, a note when the stream fails or ends on a name line)."""
    if not isinstance(text, str):
        return [], [], None
    readings: list[Reading] = []
    call, buf, lineno, phase, cur, within, lines = None, "", 1, 0, [], False, []
    for chunk in filter(None, _CHUNKS.split(text)):
        newline = chunk == "\n"
        if phase == 0:  # outside a call
            if not buf and (newline or chunk[0] not in "`tT"):
                lineno += newline
                continue  # cannot begin a call
            buf += chunk
            head = buf[:16].lower()
            if head.startswith((_FENCE_START, _NAME_START)):
                rest = buf.split("\n", 1)[1] if head.startswith(_FENCE_START) else "TOOL_NAME:" + buf[10:]
                phase, cur, buf = 1, [rest] if rest else [], ""
            elif len(buf) > 10 or not (_FENCE_START.startswith(buf.lower()) or _NAME_START.startswith(buf.lower())):
                buf = ""  # plain text
            lineno += newline
            continue
        cur.append(chunk)
        if phase == 1:  # the name line
            if newline:
                line, cur = "".join(cur), []
                if not (name := _after_tag(_NAME_TAG, line)):
                    return _failed("Invalid tool name", line, lineno, readings)
                call, phase = Reading(name), 2
                readings.append(call)
        elif within:  # a BEGIN_ARG line, named at its newline
            if newline:
                line, cur, within = "".join(cur), [], False
                if not (name := _after_tag(_BEGIN_TAG, line)):
                    return _failed("Invalid begin arg line", line, lineno, readings)
                call.open_arg = name
                call.events.append(("arg", name))
        elif call.open_arg is not None:  # value lines, up to a line containing end_arg
            if newline:
                line, cur = "".join(cur), []
                if _END_TAG.search(line):
                    value = _value("".join(lines).strip(_JS_SPACE))
                    call.args.append((call.open_arg, value, line.rstrip("\n")))
                    call.events.append(("value", value))
                    call.open_arg, lines = None, []
                else:
                    lines.append(line)
        else:  # between arguments: a BEGIN_ARG line, or the end of the call
            within = bool(_BEGIN_TAG.search(chunk))
            if newline or (chunk == "```" and len(cur) == 1):
                call.ended_by = "".join(cur).rstrip("\n")
                if call.args:
                    call.events.append(("close", None))
                call, phase, cur, within = None, 0, [], False
        lineno += newline
    if call is not None:  # the reply ended inside a call
        call.last_line = "".join(cur)
        if call.args:
            call.events.append(("close", None))
    note = "the reply ends on its TOOL_NAME line, before the newline that names the call" if phase == 1 else None
    return [_tool_call(r.name, _arguments(r.events)) for r in readings], readings, note


def _failed(message: str, line: str, lineno: int, readings: list[Reading]) -> tuple:
    what = "a blank line" if not line.strip() else repr(line.strip()[:60])
    reason = f"Continue stops the stream with {message!r} at line {lineno} ({what}): no call in this reply runs"
    return [ToolCall("", "", None, reason, CONTINUE_BLOCK)], readings, reason


def _after_tag(tag: re.Pattern, line: str) -> str:
    """JavaScript's line.split(tag)[1], trimmed: the text after the first match, up to the next."""
    parts = tag.split(line, 2)
    return parts[1].strip(_JS_SPACE) if len(parts) > 1 else ""


def _tool_call(name: str, arguments: dict[str, Any]) -> ToolCall:
    try:
        if arguments:  # (for none, what from_raw would give, without its cost)
            return ToolCall.from_raw(name, arguments, CONTINUE_BLOCK)
    except RecursionError:  # cannot happen below _MAX_DEPTH; never raise all the same
        pass
    return ToolCall(name, "{}", {}, None, CONTINUE_BLOCK)


def _js_number(text: str) -> Any:
    """A JSON number as JavaScript holds it once re-serialised: a double; integral ones as int."""
    value = float(text)
    if not math.isfinite(value):
        return None  # JSON.stringify(Infinity) is "null"
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _js_loads(text: str) -> Any:  # int("NaN") raises: NaN and Infinity are not JSON for JSON.parse
    return json.loads(text, parse_int=_js_number, parse_float=_js_number, parse_constant=int)


def _value(text: str) -> Any:
    """One argument's value: newline repair for [ / { values, then JSON when it parses, else text."""
    if text.startswith(("[", "{")):
        text = _repair_newlines(text)
    try:
        value = _js_loads(text)
    except (ValueError, RecursionError):
        return text
    return text if text.count("[") + text.count("{") > _MAX_DEPTH and deeper_than(value, _MAX_DEPTH) else value


def _repair_newlines(text: str) -> str:
    """Escape raw newlines inside "..." strings as Continue does. A string runs from a quote to the
    next quote not taken by a backslash pair; once one never closes, no later one can: we stop there."""
    end = _CLOSED_PREFIX.match(text).end()
    parts = _CLOSED.split(text[:end])  # text, string, text, string, ..., text
    parts[1::2] = [_escape(p[1:-1]) if "\n" in p else p for p in parts[1::2]]
    return "".join(parts) + text[end:]


def _escape(content: str) -> str:
    if "\\" not in content and "\n\n" not in content:
        return '"' + content.replace("\n", "\\n") + '"'  # then every newline is escaped: the quick way
    content = _RAW_NEWLINE.sub(lambda n: n.group(1) + "\\n", content)
    return '"' + ("\\n" + content[1:] if content.startswith("\n") else content) + '"'


def _arguments(events: list[tuple[str, Any]]) -> dict[str, Any]:
    """The arguments Continue's tools receive, from the argument deltas of one call."""
    if not any(kind == "arg" and _UNSAFE_KEY.search(v) for kind, v in events):
        closed = len(events) > 1 and events[-1][0] == "close" and events[-2][0] == "value"
        return {events[i][1]: events[i + 1][1] for i in range(0, len(events) - 1, 2)} if closed else {}
    pieces, ends, size = [], set(), 0
    for kind, v in events:  # a name with quotes or backslashes: rebuild the very text Continue parses
        if kind == "arg":
            pieces.append(("," if pieces else "{") + '"' + v + '":')
        else:
            pieces.append("}" if kind == "close" else json.dumps(v, ensure_ascii=False, separators=(",", ":")))
        size += len(pieces[-1])
        ends.add(size)
    whole = "".join(pieces)
    end = _first_close(whole)
    if end is None or end not in ends:
        return {}  # valid text must end where its first bracket closes, and only a delta's end is kept
    try:
        return _js_loads(whole[:end])  # an object: it starts with "{" and ends where that closes
    except (ValueError, RecursionError):
        return {}


def _first_close(text: str) -> int | None:
    """Where the first top-level bracket closes (strings skipped), or None."""
    depth = 0
    for m in _TOKEN.finditer(text, 0, _CLOSED_PREFIX.match(text).end()):
        depth += _STEP.get(m.group(), 0)
        if depth <= 0:
            return m.end()
    return None


def difference(text: str, calls: list[ToolCall]) -> str | None:
    """Why Continue's reading (`calls`) differs from a lenient reading of `text`; None if they agree."""
    from ctft_eval.parsing import calls_in_text  # parsing imports this module
    lenient = calls_in_text(text)
    if [(c.name, c.arguments) for c in calls] == [(c.name, c.arguments) for c in lenient]:
        return None
    _, readings, note = _read(text)
    if calls and calls[0].arguments is None and calls[0].parse_error:
        return calls[0].parse_error
    if not calls:
        if lenient and all(c.source != CONTINUE_BLOCK for c in lenient):
            return f"Continue reads no call: it runs only ```tool blocks, and {_names(lenient)} is written as JSON"
        return f"Continue reads no call: {note or 'no ```tool fence + newline, and no line starting TOOL_NAME:'}"
    parts = [why for r, mine, other in zip(readings, calls, lenient, strict=False) if (why := _why(r, mine, other))]
    if len(calls) != len(lenient):
        lost = any(r.ended_by and _NAME_TAG.search(r.ended_by) for r in readings)
        hint = " (a TOOL_NAME line right after a call only ends that call)" if lost else ""
        parts.append(f"Continue reads {len(calls)} call(s) ({_names(calls)}), a lenient reading {len(lenient)}{hint}")
    parts = list(dict.fromkeys(parts))  # the first two, and how many more
    parts = parts[:2] + [f"{len(parts) - 2} more difference(s)"] if len(parts) > 3 else parts
    return "; ".join(parts) or f"Continue reads {_names(calls)}, a lenient reading {_names(lenient)}"


def _why(reading: Reading, mine: ToolCall, other: ToolCall) -> str | None:
    if mine.name != other.name:
        exists = "" if mine.name in TOOLS_BY_NAME else ", which does not exist"
        return f"Continue reads a call to {mine.name!r}{exists}"
    ours, theirs = mine.arguments or {}, other.arguments or {}
    if ours == theirs:
        return None
    if reading.open_arg is not None and not ours:
        how = "right after END_ARG, with no newline" if _END_TAG.search(reading.last_line) else "inside it"
        return f"the reply ends {how}, so Continue leaves {reading.open_arg!r} open: the call has no arguments ({{}})"
    parts, missing = [], []
    ends: dict[str, str] = {}  # each argument's first END_ARG line; the names by their first word
    for n, _, e in reading.args:
        ends.setdefault(n, e.strip())
    by_word: dict[str, str] = {}  # (dicts, not a search per key: linear in the number of arguments)
    for n in ours:
        head, space, _ = n.partition(" ")
        if space:
            by_word.setdefault(head, n)
    for key, value in theirs.items():
        if key in ours:
            if ours[key] != value:
                end = ends.get(key, "")
                cut = "" if _END_TAG.fullmatch(end) else f" (its line {_short(end)} ends the argument)"
                parts.append(f"Continue reads {key} as {_short(ours[key])}{cut}")
        elif named := by_word.get(key) if " " not in key else next((n for n in ours if n.startswith(key + " ")), None):
            parts.append(f"Continue reads an argument named {named!r}: text on a BEGIN_ARG line is part of the name")
        else:
            missing.append(key)
    if missing and reading.ended_by not in (None, "```"):
        where = "the blank line" if not reading.ended_by.strip() else f"the line {_short(reading.ended_by)}"
        parts.append(f"Continue's reading stops at {where} before {missing[0]!r}: the call has no {', '.join(missing)}")
    elif missing:
        parts.append(f"Continue's reading has no {', '.join(missing)}")
    return "; ".join(parts) or f"Continue reads the arguments {_short(ours)}"


def _names(calls: list[ToolCall], limit: int = 3) -> str:
    names = ", ".join(repr(c.name) for c in calls[:limit]) or "none"
    return names + (f" and {len(calls) - limit} more" if len(calls) > limit else "")


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
