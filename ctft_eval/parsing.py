"""Tool calls written in reply text.

Models often write a call in their text instead of (or as well as) the server's structured
`tool_calls`: Continue's system-message block format, `<tool_call>` tags (Qwen/Hermes), a ```json
fence, or a bare JSON object or array. `calls_in_text` finds them leniently; it never raises, whatever
the text: a broken attempt becomes a call with a parse error, which the scorers judge. On the continue
channel, `calls_for_channel` reads instead what Continue itself reads (ctft_eval.continue_reading).
Nothing parsed nests deeper than ctft_eval.depth.MAX_DEPTH: a deeper BEGIN_ARG value stays text (as
on the continue channel), deeper JSON arguments make a call with the parse error `too_deep`. Every
reading is linear in the text's length.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ctft_eval.catalog import TOOLS_BY_NAME
from ctft_eval.channels import CONTINUE
from ctft_eval.continue_reading import read_calls
from ctft_eval.depth import MAX_DEPTH, deeper_than, too_deep_error
from ctft_eval.reply import CONTINUE_BLOCK, TEXT_JSON, ToolCall

_BLOCK_START = re.compile(r"^[ \t]*(?:```tool[ \t]*\n[ \t]*)?tool_?name[ \t]*:[ \t]*([^\s`]+)", re.I | re.M)
_ARG = re.compile(r"begin_?arg[ \t]*:[ \t]*([^\s`]+)[ \t]*\n?(.*?)end_?arg", re.I | re.S)
_ARG_END = re.compile(r"end_?arg", re.I)
_TAGGED = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.S)
_FENCE = re.compile(r"```(?:json|tool_call|javascript|js)?[ \t]*\n(.*?)(?:```|\Z)", re.I | re.S)
_NAME_HINT = re.compile(r"\"name\"\s*:\s*\"([^\"\\]{1,100})\"")
_MAX_SCANS = 200


def calls_for_channel(text: str, channel: str) -> list[ToolCall]:
    """The calls a reply's text holds, read as the channel's client reads it: on the continue
    channel exactly as Continue reads system-message tool calls (ctft_eval.continue_reading); on the
    native channel every call-shaped text, found leniently on purpose (Continue would not run any of
    them: the scorers call it "call in text")."""
    if channel == CONTINUE:
        return read_calls(text)
    return calls_in_text(text)


def calls_in_text(text: str) -> list[ToolCall]:
    """Every tool call written in `text`, Continue's block format first, else JSON forms."""
    if not isinstance(text, str) or not text.strip():
        return []
    blocks = continue_block_calls(text)
    return blocks if blocks else json_calls(text)


def continue_block_calls(text: str) -> list[ToolCall]:
    """Calls in Continue's format: TOOL_NAME: x, then BEGIN_ARG: name / value / END_ARG per argument."""
    starts = list(_BLOCK_START.finditer(text))
    calls = []
    for i, start in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        body = text[start.end() : end]
        arguments: dict[str, Any] = {}
        # Every match ends with an END_ARG: none can end after the last one, so the search stops
        # there (else each BEGIN_ARG after it would scan to the end of the text: quadratic).
        last_end = max((m.end() for m in _ARG_END.finditer(body)), default=0)
        for arg in _ARG.finditer(body, 0, last_end):
            arguments[arg.group(1)] = _block_value(arg.group(2).strip())
        calls.append(ToolCall.from_raw(start.group(1), arguments, CONTINUE_BLOCK))
    return calls


def _block_value(text: str) -> Any:
    """Continue takes an argument's text as JSON when it parses, else as a plain string (also when
    it nests deeper than MAX_DEPTH, as ctft_eval.continue_reading keeps it)."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return text
    return text if deeper_than(value, MAX_DEPTH - 1) else value


def json_calls(text: str) -> list[ToolCall]:
    """Calls written as JSON: inside <tool_call> tags, else in code fences, else bare in the text."""
    tagged = [m.group(1) for m in _TAGGED.finditer(text)]
    if tagged:
        return [call for body in tagged for call in _calls_in_snippet(body, whole=True)]
    fenced = [m.group(1) for m in _FENCE.finditer(text)]
    calls = [call for body in fenced for call in _calls_in_snippet(body, whole=True)]
    if calls:
        return calls
    return _calls_in_snippet(text, whole=False)


def _calls_in_snippet(snippet: str, *, whole: bool) -> list[ToolCall]:
    """Call-shaped JSON values in a snippet; a broken call attempt yields a call with a parse error."""
    values: list[Any] = []
    stripped = snippet.strip()
    deep = False  # a decode stopped by Python's recursion limit: JSON nested too deep to read
    if whole:
        value = _loads(stripped)
        deep = value is _DEEP
        if value is not _FAIL and value is not _DEEP:
            values.append(value)
    if not values:
        values, deep_inside = _embedded_json(snippet)
        deep = deep or deep_inside
    calls = [c for v in values for c in _calls_from_value(v, stripped)]
    if calls or any(isinstance(v, dict | list) for v in values):
        return calls  # JSON that parsed but holds no call is not a broken call
    hint = _NAME_HINT.search(snippet)
    if hint and _looks_like_a_call(snippet, hint.group(1)):
        raw = snippet[snippet.rfind("{", 0, hint.start()) if "{" in snippet[: hint.start()] else 0 :].strip()
        why = too_deep_error() if deep else "call written as JSON that does not parse"
        return [ToolCall(hint.group(1), raw, None, why, TEXT_JSON)]
    return []


_FAIL, _DEEP = object(), object()
_SCHEMA_HINT = re.compile(r"\"parameters\"\s*:\s*\{\s*\"type\"\s*:\s*\"object\"")


def _looks_like_a_call(snippet: str, name: str) -> bool:
    """Broken JSON that names a known tool or carries arguments is a failed call; a (truncated)
    definition with a JSON-schema `parameters` object is not."""
    if name in TOOLS_BY_NAME:
        return True
    if _SCHEMA_HINT.search(snippet):
        return False
    return '"arguments"' in snippet or '"parameters"' in snippet


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:  # the C decoder checks the limit at each level and unwinds cleanly
        return _DEEP
    except ValueError:
        return _FAIL


def _embedded_json(text: str) -> tuple[list[Any], bool]:
    """JSON objects/arrays that start somewhere in free text (outermost only), and whether one was
    too deep to decode."""
    decoder = json.JSONDecoder()
    found: list[Any] = []
    pos, scans, deep = 0, 0, False
    while scans < _MAX_SCANS:
        starts = [i for i in (text.find("{", pos), text.find("[", pos)) if i != -1]
        if not starts:
            break
        i = min(starts)
        scans += 1
        try:
            value, end = decoder.raw_decode(text, i)
        except (ValueError, RecursionError) as exc:
            deep = deep or isinstance(exc, RecursionError)
            pos = i + 1
            continue
        found.append(value)
        pos = end
    return found, deep


def _calls_from_value(value: Any, raw: str) -> list[ToolCall]:
    """The calls a decoded value holds; `raw` (the text it was read from) is the raw arguments of
    a call whose arguments nest too deep to keep."""
    if isinstance(value, list):
        return [c for item in value[:50] if isinstance(item, dict) for c in _calls_from_value(item, raw)]
    if not isinstance(value, dict):
        return []
    if isinstance(value.get("function"), dict) and "name" in value["function"]:
        value = value["function"]
    name = value.get("name")
    if not isinstance(name, str) or not name or _is_schema_echo(value):
        return []
    for key in ("arguments", "parameters"):
        if key in value:
            if deeper_than(value[key], MAX_DEPTH):
                return [ToolCall(name, raw, None, too_deep_error(), TEXT_JSON)]
            return [ToolCall.from_raw(name, value[key], TEXT_JSON)]
    if name in TOOLS_BY_NAME:
        return [ToolCall.from_raw(name, {}, TEXT_JSON)]
    return []


def _is_schema_echo(value: dict) -> bool:
    """A tool's definition repeated back (name, description, a JSON-schema `parameters`) is not a call."""
    params = value.get("parameters")
    return (
        "arguments" not in value
        and "description" in value
        and isinstance(params, dict)
        and params.get("type") == "object"
        and "properties" in params
    )
