"""The structure a run record must have before it is read (ctft_eval.record.parse calls `check`).

A record is read by replay, rescore, compare and the reports; a file with a wrong shape (a list
where replies belong, a reply with a field no Reply has, a wall time that is text or NaN) must be
refused up front with one line naming the field, never fail later as a traceback. The checks
follow what the readers need: the fields a dataclass is built from with `**data` (Reply, ToolCall,
Timings, Gate, RunSummary) are closed (an unknown field is an error, their field names taken from
the dataclasses themselves); the other objects may carry fields this version does not know.
Values the readers keep as they are (a reply's `raw`, settings, details) may be anything within
the depth limit.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any

from ctft_eval.depth import MAX_DEPTH, where_deeper
from ctft_eval.profile import BEHAVIOURS, PROVIDERS
from ctft_eval.reply import Reply, Timings, ToolCall
from ctft_eval.scorers.judging import SCHEMAS

RECORD_DEPTH = MAX_DEPTH + 40
"""The deepest a record may nest: a reply's content (at most MAX_DEPTH + 16 deep, as the writer
keeps it) and the record's own levels above it."""


class Problem(ValueError):
    """What is wrong, and where: `path` is the field, e.g. results[2].replies[0].timings.wall_s."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path or 'the top level'}: {message}")
        self.path = path


# ---- the vocabulary ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:  # a scalar
    name: str


STR, INT, NUM, BOOL, ANY = Kind("a string"), Kind("an integer"), Kind("a finite number"), Kind("true or false"), \
    Kind("any JSON value")


@dataclass(frozen=True)
class OneOf:  # one of a few strings
    values: tuple[str, ...]


@dataclass(frozen=True)
class Opt:  # null, or the spec
    of: Any


@dataclass(frozen=True)
class ListOf:
    of: Any


@dataclass(frozen=True)
class MapOf:  # an object whose values all follow the spec
    of: Any


@dataclass(frozen=True)
class Obj:
    fields: dict[str, Any]
    required: frozenset[str] = frozenset()
    closed: bool = False
    what: str = "an object"


def _described(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if math.isfinite(value) else {"nan": "NaN"}.get(str(value), str(value))
    if isinstance(value, str):
        return "a string" if len(value) > 40 else f"the string {json.dumps(value)}"
    return "a list" if isinstance(value, list) else "an object"


def _scalar_ok(kind: Kind, value: Any) -> bool:
    if kind is ANY:
        return True
    if kind is STR:
        return isinstance(value, str)
    if kind is BOOL:
        return isinstance(value, bool)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) if kind is INT else math.isfinite(value)


def _key(path: str, key: str) -> str:
    shown = json.dumps(key if len(key) <= 60 else key[:57] + "...", ensure_ascii=False)
    return f"{path}[{shown}]"


def _check(value: Any, spec: Any, path: str) -> None:
    """Raise Problem where `value` does not follow `spec` (recursion over the spec, which is a few
    levels deep, never over the data's own nesting: ANY values are not descended into)."""
    if isinstance(spec, Opt):
        if value is not None:
            _check(value, spec.of, path)
    elif isinstance(spec, Kind):
        if not _scalar_ok(spec, value):
            raise Problem(path, f"expected {spec.name}, got {_described(value)}")
    elif isinstance(spec, OneOf):
        if not isinstance(value, str) or value not in spec.values:
            raise Problem(path, f"expected one of {', '.join(spec.values)}, got {_described(value)}")
    elif isinstance(spec, ListOf):
        if not isinstance(value, list):
            raise Problem(path, f"expected a list, got {_described(value)}")
        for i, item in enumerate(value):
            _check(item, spec.of, f"{path}[{i}]")
    elif isinstance(spec, MapOf):
        if not isinstance(value, dict):
            raise Problem(path, f"expected an object, got {_described(value)}")
        for key, item in value.items():
            _check(item, spec.of, _key(path, key))
    else:
        _check_object(value, spec, path)


def _check_object(value: Any, spec: Obj, path: str) -> None:
    if not isinstance(value, dict):
        raise Problem(path, f"expected {spec.what}, got {_described(value)}")
    missing = sorted(spec.required - value.keys())
    if missing:
        name = missing[0]
        raise Problem(f"{path}.{name}" if path else name, f"missing (every {spec.what.removeprefix('a ')} has one)")
    for name, item in value.items():
        where = f"{path}.{name}" if path else name
        if name in spec.fields:
            _check(item, spec.fields[name], where)
        elif spec.closed:
            known = ", ".join(spec.fields)
            raise Problem(where, f"unknown field of {spec.what} (known: {known})")


def _from_dataclass(cls: type, what: str, types: dict[str, Any]) -> Obj:
    """A closed object spec with the dataclass's fields: required where it has no default."""
    fields = dataclasses.fields(cls)
    required = frozenset(f.name for f in fields
                         if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
    return Obj({f.name: types.get(f.name, ANY) for f in fields}, required, closed=True, what=what)


# ---- the record's parts -----------------------------------------------------------------------

_SECONDS = Opt(NUM)
TIMINGS = _from_dataclass(Timings, "a reply's timings", {
    "wall_s": NUM, "ttft_s": _SECONDS, "server_total_s": _SECONDS, "server_load_s": _SECONDS,
    "server_prompt_s": _SECONDS, "server_eval_s": _SECONDS, "prompt_tokens": Opt(INT), "completion_tokens": Opt(INT),
})
TOOL_CALL = _from_dataclass(ToolCall, "a tool call", {
    "name": STR, "raw_arguments": STR, "arguments": Opt(MapOf(ANY)), "parse_error": Opt(STR), "source": STR,
})
REPLY = _from_dataclass(Reply, "a reply", {
    "text": STR, "tool_calls": ListOf(TOOL_CALL), "finish_reason": Opt(STR), "timings": TIMINGS, "error": Opt(STR),
    "error_kind": Opt(STR), "attempts": INT, "channel": STR, "tools_sent": Opt(BOOL), "raw": ANY,
    "tool_results": Opt(ListOf(MapOf(ANY))),
    "attempt_log": ListOf(MapOf(ANY)),  # (types of fields a Reply may not have yet are not used)
})
OUTCOME = Obj({"dimension": Opt(STR), "passed": Opt(BOOL), "reason": STR, "failure": Opt(STR), "value": Opt(NUM)},
              what="an outcome")
_REPLIES = Opt(ListOf(REPLY))
ENTRY = Obj({"backend": STR, "channel": STR, "case": STR, "outcomes": Opt(MapOf(OUTCOME)), "replies": _REPLIES,
             "timed_replies": _REPLIES, "repeats": Opt(ListOf(ListOf(REPLY))),
             "attempts": Opt(MapOf(ListOf(Opt(BOOL))))},
            frozenset({"backend", "channel", "case"}), what="a result entry")
IDENTITY = Obj({"spec": STR, "digest": Opt(STR), "quantization": Opt(STR), "template": Opt(STR),
                "details": Opt(MapOf(ANY))}, frozenset({"spec"}), what="a backend's identity")
SUITE = Obj({"file": STR, "name": STR, "sha256": STR, "cases": INT}, frozenset({"file"}), what="a suite")
CASE = Obj({"file": STR, "suite": STR, "tags": ListOf(STR), "dimensions": ListOf(STR),
            "expected_tools": ListOf(STR)}, what="a case")


def _gate() -> Obj:
    from ctft_eval.record import Gate  # (record imports this module)

    return _from_dataclass(Gate, "a gate", {
        "backend": STR, "channel": STR, "name": STR, "observed": Opt(NUM), "threshold": NUM, "holds": BOOL,
        "detail": STR, "observed_text": Opt(STR), "needed_text": Opt(STR),
    })


def _run() -> Obj:
    from ctft_eval.record import RunSummary

    return _from_dataclass(RunSummary, "a run summary", {
        "backend": STR, "channel": STR, "dimensions": MapOf(MapOf(ANY)), "statistics": MapOf(Opt(NUM)),
        "tools": MapOf(MapOf(MapOf(ANY))),
    })


PROFILE = Obj({"name": Opt(STR), "provider": OneOf(PROVIDERS), "tools": Opt(STR), "sha256": Opt(STR),
               "continue_behaviour": Opt(OneOf(tuple(BEHAVIOURS))),
               "schema": OneOf(SCHEMAS), "deviations": Opt(ListOf(STR)), "left_out": Opt(MapOf(STR))},
              what="a profile")
SAMPLE = Obj({"requested": INT, "total": INT, "cover": INT, "seed": STR, "stratified_by": ListOf(STR),
              "cases": ListOf(STR)}, frozenset({"requested", "total", "cases"}), what="a sample (--ctft-sample)")
CACHE_USE = Obj({"mode": OneOf(("auto", "on", "off", "refresh")), "used": BOOL, "why_off": Opt(STR),
                 "from_cache": INT, "asked": INT, "stored": INT, "notes": Opt(ListOf(STR))},
                what="a backend's reply cache use")
PLAN = Obj({"profile_tools": Opt(ListOf(STR)), "offered": Opt(MapOf(ListOf(STR))), "judged_by": Opt(MapOf(ANY)),
            "cache": Opt(MapOf(CACHE_USE)), "sample": Opt(SAMPLE)}, what="a run plan")


def _top(format_1: bool) -> Obj:
    entry, run = ENTRY, _run()
    if format_1:  # entries' latency_replies and runs' latency_median_s are today's timed_replies and statistics
        entry = Obj({**{k: v for k, v in ENTRY.fields.items() if k != "timed_replies"}, "latency_replies": _REPLIES},
                    ENTRY.required, what=ENTRY.what)
        fields = {k: v for k, v in run.fields.items() if k != "statistics"}
        run = Obj({**fields, "latency_median_s": Opt(NUM)}, run.required - {"statistics"}, what=run.what)
    return Obj({
        "format": STR, "ctft_eval_version": STR, "started": STR, "finished": STR, "complete": BOOL,
        "exit_status": INT, "backends": MapOf(Obj({}, what="a backend's identity") if format_1 else IDENTITY),
        "channels": ListOf(STR), "profile": Opt(PROFILE), "plan": Opt(PLAN), "repeat": INT, "settings": Opt(MapOf(ANY)),
        "gate_thresholds": Opt(MapOf(NUM)), "suites": Opt(ListOf(SUITE)), "cases": Opt(MapOf(CASE)),
        "warmups": Opt(MapOf(REPLY)), "runs": Opt(ListOf(run)), "gates": Opt(ListOf(_gate())),
        "results": Opt(ListOf(entry)),
    }, frozenset({"format", "backends"}), what="a run record")


def check(data: dict[str, Any], format_1: bool = False) -> None:
    """Raise Problem (naming the field) unless decoded record JSON has the record's structure."""
    deep = where_deeper(data, RECORD_DEPTH)
    if deep is not None:
        raise Problem(deep, f"nests deeper than {RECORD_DEPTH} levels")
    _check(data, _top(format_1), "")


def check_replies(data: Any) -> None:
    """Raise Problem unless decoded JSON is a list of replies as a record holds them (a reply cache
    entry: ctft_eval.reply_cache)."""
    deep = where_deeper(data, RECORD_DEPTH)
    if deep is not None:
        raise Problem(deep, f"nests deeper than {RECORD_DEPTH} levels")
    _check(data, ListOf(REPLY), "replies")
