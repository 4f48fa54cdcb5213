"""The run record: one typed, versioned account of a run, written atomically, complete or not.

The plugin builds it; the summary, the gates, `compare`, the reports and replay all read it. Its
JSON form is `RunRecord.to_json()`; `read()` also takes records of the earlier formats
`ctft-eval-run/2` (without the run plan's `plan` and `profile.continue_behaviour`: see
ctft_eval.plan.RunConfig.from_record) and `ctft-eval-run/1` (see ctft_eval.record_v1), so committed
baselines keep loading. `read()` and `parse()` check the structure first (ctft_eval.record_check):
a file that is not a usable record is one RecordError naming the file and the field. What is
written never nests deeper than it reads (a reply's content is kept to ctft_eval.depth's limit), so
the builder never recurses on a model's output past Python's limit.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ctft_eval.atomic import write_json
from ctft_eval.backends import ModelIdentity
from ctft_eval.depth import MAX_DEPTH, clipped, deeper_than, too_deep_error
from ctft_eval.reading import open_regular
from ctft_eval.reply import Reply, ToolCall
from ctft_eval.scorers.outcome import Outcome

FORMAT = "ctft-eval-run/5"
FORMAT_4 = "ctft-eval-run/4"
"""Before live chains: no reply carries tool_results (its chains were asked on canned results and are
judged step by step); it reads as it is."""
FORMAT_3 = "ctft-eval-run/3"
"""Before verdicts by what a call finds: its plan names no `judged_by` (still read, compared, replayed)."""
FORMAT_2 = "ctft-eval-run/2"
"""Format 2 is format 3 without the run plan's fields; it reads as it is."""

Key = tuple[str, str, str]  # (backend label, channel, case id)
CONTENT_DEPTH = MAX_DEPTH + 16
"""The deepest a reply's raw response (or a backend's details) is written; deeper parts are replaced
by a note. A tool call's arguments deeper than MAX_DEPTH are written as unusable (too_deep)."""


class RecordError(ValueError):
    """A file that is not a usable run record; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Gate:
    """One gate's verdict on one (backend, channel) run."""

    backend: str
    channel: str
    name: str
    observed: float | None
    threshold: float
    holds: bool
    detail: str
    observed_text: str | None = None
    needed_text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Gate:
        return cls(**data)


@dataclass(frozen=True)
class SuiteInfo:
    file: str
    name: str
    sha256: str
    cases: int

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SuiteInfo:
        return cls(str(data["file"]), str(data.get("name", "")), str(data.get("sha256", "")), int(data.get("cases", 0)))


@dataclass(frozen=True)
class CaseInfo:
    file: str
    suite: str
    tags: list[str]
    dimensions: list[str]
    expected_tools: list[str]
    """The first step's acceptable tools (empty: no tool expected)."""
    chain: bool = False

    @property
    def tool(self) -> str | None:
        """The expected tool for per-tool tables ("(none)" for no-tool cases; None for chains)."""
        if self.chain:
            return None
        return self.expected_tools[0] if self.expected_tools else "(none)"

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "suite": self.suite, "tags": self.tags, "dimensions": self.dimensions,
                "expected_tools": self.expected_tools}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseInfo:
        dims = list(data.get("dimensions", []))
        return cls(str(data.get("file", "")), str(data.get("suite", "")), list(data.get("tags", [])), dims,
                   list(data.get("expected_tools", [])), "chain" in dims)


@dataclass
class Entry:
    """Everything about one case on one (backend, channel): its replies and its outcomes."""

    backend: str
    channel: str
    case: str
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)
    """The shared fetch's replies (attempt 1): one per chain step reached."""
    timed_replies: list[Reply] = field(default_factory=list)
    """The replies of the sequential request timed for the timed dimensions (latency)."""
    repeats: list[list[Reply]] = field(default_factory=list)
    """Attempts 2..K under --ctft-repeat."""
    attempts: dict[str, list[bool | None]] = field(default_factory=dict)
    """Per dimension, each attempt's verdict (under --ctft-repeat)."""

    @property
    def key(self) -> Key:
        return (self.backend, self.channel, self.case)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "backend": self.backend, "channel": self.channel, "case": self.case,
            "outcomes": {d: o.to_dict() for d, o in self.outcomes.items()},
            "replies": [reply_json(r) for r in self.replies],
            "timed_replies": [reply_json(r) for r in self.timed_replies],
        }
        if self.repeats:
            out["repeats"] = [[reply_json(r) for r in replies] for replies in self.repeats]
        if self.repeats or self.attempts:
            out["attempts"] = self.attempts
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        return cls(
            str(data["backend"]), str(data["channel"]), str(data["case"]),
            {d: Outcome.from_dict(o, d) for d, o in (data.get("outcomes") or {}).items()},
            [Reply.from_dict(r) for r in data.get("replies") or []],
            [Reply.from_dict(r) for r in data.get("timed_replies") or []],
            [[Reply.from_dict(r) for r in replies] for replies in data.get("repeats") or []],
            {d: list(v) for d, v in (data.get("attempts") or {}).items()},
        )


@dataclass(frozen=True)
class RunSummary:
    """The pass rates of one (backend, channel) run, as written for readers of the file."""

    backend: str
    channel: str
    dimensions: dict[str, dict[str, Any]]
    statistics: dict[str, float | None]
    """Figures gates use besides rates, e.g. latency_median (seconds)."""
    tools: dict[str, dict[str, dict[str, Any]]]


@dataclass
class RunRecord:
    started: str
    finished: str
    complete: bool
    exit_status: int
    backends: dict[str, ModelIdentity]
    channels: list[str]
    repeat: int
    settings: dict[str, Any]
    gate_thresholds: dict[str, float]
    suites: list[SuiteInfo]
    cases: dict[str, CaseInfo]
    results: list[Entry]
    warmups: dict[str, Reply] = field(default_factory=dict)
    runs: list[RunSummary] = field(default_factory=list)
    gates: list[Gate] = field(default_factory=list)
    ctft_eval_version: str = "unknown"
    profile: dict[str, Any] = field(default_factory=dict)
    """The Continue profile the requests were built with (name, provider, tool set, sha256, the
    Continue behaviour), how arguments were judged, where the sampling deviates from Continue's, and
    the cases left out."""
    plan: dict[str, Any] = field(default_factory=dict)
    """The run plan's tool lists: the profile's tools and each case's offered tools (ctft_eval.plan;
    empty in a record from before run plans); per backend, how it used the reply cache (`cache`:
    ctft_eval.cached_source.CacheUse; absent in older records and replays)."""
    format: str = FORMAT

    def run_keys(self) -> list[tuple[str, str]]:
        """The (backend, channel) runs that have outcomes, in first-seen order."""
        return list(dict.fromkeys((e.backend, e.channel) for e in self.results if e.outcomes))

    def entries(self, backend: str, channel: str) -> list[Entry]:
        return [e for e in self.results if (e.backend, e.channel) == (backend, channel)]

    def settings_used(self, backend: str) -> dict[str, Any]:
        """The settings the replies were sampled with (a replayed run's are its record's)."""
        identity = self.backends.get(backend)
        recorded = identity.details.get("recorded_settings") if identity else None
        return recorded or self.settings

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "ctft_eval_version": self.ctft_eval_version,
            "started": self.started,
            "finished": self.finished,
            "complete": self.complete,
            "exit_status": self.exit_status,
            "backends": {label: clipped(i.to_json(), CONTENT_DEPTH) for label, i in self.backends.items()},
            "channels": self.channels,
            "profile": self.profile,
            "plan": self.plan,
            "repeat": self.repeat,
            "settings": self.settings,
            "gate_thresholds": self.gate_thresholds,
            "suites": [asdict(s) for s in self.suites],
            "cases": {cid: c.to_json() for cid, c in self.cases.items()},
            "warmups": {k: reply_json(r) for k, r in self.warmups.items()},
            "runs": [asdict(r) for r in self.runs],
            "gates": [g.to_dict() for g in self.gates],
            "results": [e.to_json() for e in self.results],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRecord:
        return cls(
            started=str(data.get("started", "")),
            finished=str(data.get("finished", "")),
            complete=bool(data.get("complete", False)),
            exit_status=int(data.get("exit_status", 0)),
            backends={label: ModelIdentity.from_json(i) for label, i in data["backends"].items()},
            channels=list(data.get("channels", [])),
            repeat=int(data.get("repeat", 1)),
            settings=dict(data.get("settings") or {}),
            gate_thresholds=dict(data.get("gate_thresholds") or {}),
            suites=[SuiteInfo.from_json(s) for s in data.get("suites") or []],
            cases={cid: CaseInfo.from_json(c) for cid, c in (data.get("cases") or {}).items()},
            results=[Entry.from_json(e) for e in data.get("results") or []],
            warmups={k: Reply.from_dict(r) for k, r in (data.get("warmups") or {}).items()},
            runs=[RunSummary(**r) for r in data.get("runs") or []],
            gates=[Gate.from_dict(g) for g in data.get("gates") or []],
            ctft_eval_version=str(data.get("ctft_eval_version", "unknown")),
            profile=dict(data.get("profile") or {}),
            plan=dict(data.get("plan") or {}),
            format=FORMAT,
        )


def reply_json(reply: Reply) -> dict[str, Any]:
    """A reply as the record holds it: content nested deeper than the readers take is not kept
    (a native call's arguments become unusable, too_deep; a raw response's deep parts a note)."""
    deep = [c.arguments is not None and deeper_than(c.arguments, MAX_DEPTH) for c in reply.tool_calls]
    if any(deep) or deeper_than(reply.raw, CONTENT_DEPTH):
        calls = [ToolCall(c.name, c.raw_arguments, None, too_deep_error(), c.source) if d else c
                 for c, d in zip(reply.tool_calls, deep, strict=True)]
        reply = replace(reply, tool_calls=calls, raw=clipped(reply.raw, CONTENT_DEPTH))
    return reply.to_dict()


def write_atomic(path: Path, record: RunRecord) -> None:
    """Write the record atomically (ctft_eval.atomic): a reader sees the old file or the new one."""
    write_json(path, record.to_json(), default=str)


def parse(data: Any, source: str) -> RunRecord:
    """A record from its decoded JSON (either format); RecordError names what is wrong."""
    from ctft_eval import record_v1
    from ctft_eval.record_check import Problem, check  # (it imports this module's dataclasses)

    if not isinstance(data, dict):
        what = "null" if data is None else f"a JSON {type(data).__name__}"
        raise RecordError(f"{source}: not a ctft-eval run record ({what}, not an object)")
    fmt = data.get("format")
    if not isinstance(fmt, str) or fmt not in (FORMAT, FORMAT_4, FORMAT_3, FORMAT_2, record_v1.FORMAT):
        shown = repr(fmt) if fmt is None or isinstance(fmt, str | int | float) else f"a JSON {type(fmt).__name__}"
        raise RecordError(f"{source}: not a ctft-eval run record (format {shown[:80]}; this version reads "
                          f"{FORMAT}, {FORMAT_4}, {FORMAT_3}, {FORMAT_2} and {record_v1.FORMAT})")
    try:
        if fmt == record_v1.FORMAT:
            check(data, format_1=True)
            data = record_v1.upgrade(data)
        check(data)
        return RunRecord.from_json(data)
    except Problem as exc:
        raise RecordError(f"{source}: broken run record: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # what the checks do not foresee
        raise RecordError(f"{source}: broken run record ({type(exc).__name__}: {exc})") from None


def read(path: Path | str) -> RunRecord:
    path = Path(path)
    try:
        with open_regular(path) as stream:
            data = json.loads(stream.read().decode("utf-8"))
    except OSError as exc:
        raise RecordError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RecordError(f"{path}: not JSON: {exc}") from None
    except RecursionError:
        from ctft_eval.record_check import RECORD_DEPTH

        raise RecordError(f"{path}: broken run record: nests too deep to read (a record nests at most "
                          f"{RECORD_DEPTH} levels)") from None
    return parse(data, str(path))
