"""What a tool call's arguments become when Continue runs the tool, and what would make the tool fail.

Continue never checks arguments against the JSON schema. Each tool reads what it needs with small
helpers (continuedev/continue `core/tools/parseArgs.ts`); the GUI first runs a tool's preprocessArgs
and fails the call on any error there (`gui/src/redux/thunks/preprocessToolCallArgs.ts`); the edit
tools run in the GUI with checks of their own (`gui/src/util/clientTools/*Impl.ts`). Here:

- getStringArg: the argument must be present; an object or array (what a JSON-parsed text value
  becomes) is turned back into its JSON text; any other non-string fails; empty or whitespace-only
  fails unless the tool allows it (create_new_file's `contents`, `implementations/createNewFile.ts`).
  getOptionalStringArg applies the same rules only when the key is present (null fails).
- getNumberArg: a string is read with parseInt(…, 10) (leading space and sign, then the longest
  run of digits: "10.5" -> 10, "12abc" -> 12, "abc" fails); a number is floored; anything else fails.
- getBooleanArg: a boolean, or "true"/"false" in any case (no trimming); else fails; absent: the default.
- Paths that a tool's preprocessArgs resolves (read_file, read_file_range, create_new_file,
  view_subdirectory; `core/tools/definitions/*.ts`) are trimmed there as text, so a non-string path
  fails before the tool runs, even an object that getStringArg would have turned into text.
Unknown arguments are never read, so they are dropped here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

# The characters JavaScript's trim() and parseInt() skip (WhiteSpace and LineTerminator).
_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_ABSENT = object()
_INDEX_KEY = re.compile(r"0|[1-9][0-9]*")

Read = tuple[Any, str | None]  # (the value the tool gets, or _ABSENT; the problem, or None)
Reader = Callable[[Any, str], Read]


@dataclass(frozen=True)
class Received:
    arguments: dict[str, Any]
    """The arguments as the tool would use them: coerced, defaults filled in, unknown ones dropped."""
    problems: list[str] = field(default_factory=list)
    """Why Continue's tool would fail on these arguments (empty: it would run)."""


# ---- JavaScript semantics -----------------------------------------------------------------------


def parse_int(text: str) -> int | float | None:
    """JavaScript's parseInt(text, 10); None where it gives NaN, a float where it overflows."""
    rest = text.lstrip(_JS_SPACE)
    negative = rest.startswith("-")
    if rest[:1] in ("+", "-"):
        rest = rest[1:]
    digits = re.match(r"[0-9]*", rest).group()  # type: ignore[union-attr]
    if not digits:
        return None
    number = float(digits)  # JavaScript numbers are doubles: very long runs of digits lose precision
    value = int(number) if math.isfinite(number) else number
    return -value if negative else value


def js_truthy(value: Any) -> bool:
    """JavaScript truthiness: empty arrays and objects are true, NaN is false."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return not (value == 0 or math.isnan(value))
    return value not in (None, False, "")


def _js_number(value: float) -> str:
    """Number.prototype.toString for a finite float (what JSON.stringify writes)."""
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 2**53:  # exact; above, JavaScript pads the shortest digits
        return str(int(value))
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    digits = "".join(map(str, digit_tuple))
    k, n = len(digits), int(exponent) + len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + ("e+" if e >= 0 else "e-") + str(abs(e))
    return ("-" if sign else "") + text


def js_json(value: Any) -> str:
    """JSON.stringify of a JSON-like value: compact, integer-like keys first as JavaScript orders them."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _js_number(value) if math.isfinite(value) else "null"
    if isinstance(value, list | tuple):
        return "[" + ",".join(js_json(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = [str(k) for k in value]
        index = sorted((k for k in keys if len(k) <= 10 and _INDEX_KEY.fullmatch(k) and int(k) < 2**32 - 1), key=int)
        ordered = index + [k for k in keys if k not in index]
        by_text = {str(k): v for k, v in value.items()}
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + js_json(by_text[k]) for k in ordered) + "}"
    return json.dumps(str(value), ensure_ascii=False)


def _kind(value: Any) -> str:
    kinds = {type(None): "null", bool: "a boolean", int: "a number", float: "a number", str: "text",
             dict: "an object", list: "an array"}
    return kinds.get(type(value), type(value).__name__)


# ---- readers: one per helper or per-tool rule; each gets the value (or _ABSENT) and its name ----


def _string(value: Any, name: str, allow_empty: bool = False) -> Read:
    """getStringArg (parseArgs.ts)."""
    if value is _ABSENT:
        return value, f"{name} is required"
    if isinstance(value, dict | list):
        return js_json(value), None
    if not isinstance(value, str):
        return value, f"{name} must be text, got {_kind(value)}"
    if not allow_empty and not value.strip(_JS_SPACE):
        return value, f"{name} must not be empty or whitespace-only"
    return value, None


def _optional_string(value: Any, name: str) -> Read:
    """getOptionalStringArg (parseArgs.ts): absent is fine; present (null included) is getStringArg."""
    return (value, None) if value is _ABSENT else _string(value, name)


def _path(value: Any, name: str) -> Read:
    """A path that preprocessArgs resolves as text before getStringArg runs (definitions/*.ts)."""
    if value is not _ABSENT and not isinstance(value, str):
        return value, f"{name} must be text, got {_kind(value)} (Continue resolves the path before the tool runs)"
    return _string(value, name)


def _number(value: Any, name: str) -> Read:
    """getNumberArg (parseArgs.ts)."""
    if value is _ABSENT:
        return value, f"{name} is required"
    if isinstance(value, str):
        number = parse_int(value)
        if number is None:
            return value, f"{name} must be a number: parseInt cannot read {value[:40]!r}"
        return number, None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return value, f"{name} must be a number, got {_kind(value)}"
    return (math.floor(value) if math.isfinite(value) else value), None


def _boolean(value: Any, name: str, default: bool | None = None) -> Read:
    """getBooleanArg (parseArgs.ts); absent means `default` (None: the tool names none)."""
    if value is _ABSENT:
        return (value if default is None else default), None
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true", None
    return value, (None if isinstance(value, bool) else f"{name} must be true or false, got {value!r}"[:120])


def _ls_recursive(value: Any, name: str) -> Read:
    """lsTool.ts: `recursive ?? false` is used for its truthiness, so any non-empty string recurses."""
    return (False if value is _ABSENT or value is None else js_truthy(value)), None


def _ls_dir(value: Any, name: str) -> Read:
    """lsTool.ts: a falsy dirPath or "." is the workspace root ("."), backslashes become slashes; a
    truthy non-string breaks the path handling (definitions/ls.ts preprocessArgs, lsTool.ts)."""
    if value is _ABSENT or not js_truthy(value):
        return ".", None
    if not isinstance(value, str):
        return value, f"{name} must be text, got {_kind(value)}"
    return value.replace("\\", "/"), None


def _edit_arg(value: Any, name: str, truthy_only: bool = False) -> Read:
    """The edit tools' file: validateSearchAndReplaceFilepath (core/edit/searchAndReplace/validateArgs.ts)
    wants a non-empty string; edit_existing_file (editImpl.ts, truthy_only) a truthy value it then uses
    as text (filepath.startsWith) or hands to the editor's apply unconverted (changes)."""
    if value is _ABSENT or not js_truthy(value) or (not truthy_only and not isinstance(value, str)):
        return value, f"{name} is required (non-empty text)"
    if not isinstance(value, str):
        return value, f"{name} must be text, got {_kind(value)}"
    if name == "filepath" and not value.strip(_JS_SPACE):
        return value, f"{name} is whitespace only, which names no file"
    return value, None


def _edit_text(value: Any, name: str) -> Read:
    """validateSingleEdit (findAndReplaceUtils.ts): old_string/new_string must be strings, as sent."""
    return value, (None if isinstance(value, str) else f"{name} is required (text)")


def _replace_all(value: Any, name: str) -> Read:
    """validateSingleEdit: absent means false; otherwise only a real boolean ("true" fails)."""
    if value is _ABSENT:
        return False, None
    return value, (None if isinstance(value, bool) else f"{name} must be a boolean true or false, got {value!r}"[:120])


def _edits(value: Any, name: str) -> Read:
    """validateMultiEdit (core/edit/searchAndReplace/multiEditValidation.ts)."""
    if not isinstance(value, list):
        wrong = "is required (an array)" if value is _ABSENT else f"must be an array, got {_kind(value)}"
        return value, f"{name} {wrong}"
    if not value:
        return value, f"{name} must contain at least one edit"
    for i, edit in enumerate(value):
        if not isinstance(edit, dict):
            return value, f"{name}[{i}] must be an object with old_string and new_string"
        old, new = edit.get("old_string", _ABSENT), edit.get("new_string", _ABSENT)
        problems = [p for p in (_edit_text(old, "old_string")[1], _edit_text(new, "new_string")[1],
                                _replace_all(edit.get("replace_all", _ABSENT), "replace_all")[1]) if p]
        if not problems and old == new:
            problems.append("old_string and new_string must differ")
        if not problems and i > 0 and old == "":
            problems.append("old_string must not be empty (only the first edit may insert at the file's start)")
        if problems:
            return value, f"{name}[{i}]: {problems[0]}"
    return value, None


_S, _T, _EDIT = _string, partial(_string, allow_empty=True), partial(_edit_arg, truthy_only=True)
READERS: dict[str, dict[str, Reader]] = {
    "read_file": {"filepath": _path},
    "read_file_range": {"filepath": _path, "startLine": _number, "endLine": _number},
    "create_new_file": {"filepath": _path, "contents": _T},
    "run_terminal_command": {"command": _S, "waitForCompletion": partial(_boolean, default=True)},
    "grep_search": {"query": _S},
    "file_glob_search": {"pattern": _S},
    "view_diff": {},
    "read_currently_open_file": {},
    "ls": {"dirPath": _ls_dir, "recursive": _ls_recursive},
    "search_web": {"query": _S},
    "fetch_url_content": {"url": _S},
    "view_repo_map": {},
    "view_subdirectory": {"directory_path": _path},
    "edit_existing_file": {"filepath": _EDIT, "changes": _EDIT},
    "single_find_and_replace": {"filepath": _edit_arg, "old_string": _edit_text, "new_string": _edit_text,
                                "replace_all": _replace_all},
    "multi_edit": {"filepath": _edit_arg, "edits": _edits},
    "codebase": {"query": _S},
    "create_rule_block": {"name": _S, "rule": _S, "description": _optional_string, "globs": _optional_string,
                          "regex": _optional_string, "alwaysApply": _boolean},
    "request_rule": {"name": _S},
    "read_skill": {"skillName": _S},
}
"""Which reader Continue's implementation of each tool applies to each parameter."""


def _line_range(got: dict[str, Any]) -> list[str]:
    """readFileRange.ts: both lines 1 or greater, endLine not before startLine."""
    start, end = got["startLine"], got["endLine"]
    problems = [f"{n} must be 1 or greater, got {v}" for n, v in (("startLine", start), ("endLine", end)) if v < 1]
    if not problems and end < start:
        problems.append(f"endLine ({end}) must not be before startLine ({start})")
    return problems


_CHECKS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "read_file_range": _line_range,
    # findAndReplaceUtils.ts validateSingleEdit: replacing a text by itself fails.
    "single_find_and_replace": lambda got: ["old_string and new_string must differ"] * (
        got["old_string"] == got["new_string"]),
}
"""Rules over several arguments, applied once each argument reads cleanly."""


def received(tool_name: str, arguments: dict[str, Any]) -> Received:
    """The arguments as Continue's `tool_name` would receive them, and why it would fail (if it would)."""
    if not isinstance(arguments, dict):
        return Received({}, [f"the arguments are {_kind(arguments)}, not an object"])
    readers = READERS.get(tool_name)
    if readers is None:
        return Received(dict(arguments), [f"Continue has no tool named {tool_name!r}"])
    got: dict[str, Any] = {}
    problems: list[str] = []
    for name, read in readers.items():
        value, problem = read(arguments.get(name, _ABSENT), name)
        if value is not _ABSENT:
            got[name] = value
        if problem:
            problems.append(problem)
    if not problems and tool_name in _CHECKS:
        problems.extend(_CHECKS[tool_name](got))
    return Received(got, problems)
