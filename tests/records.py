"""Run records built in code, for the tests of what reads them (results, gates, reports, compare)."""

from __future__ import annotations

from typing import Any

from ctft_eval.backends import ModelIdentity
from ctft_eval.compare import RunView, views
from ctft_eval.record import CaseInfo, Entry, Gate, RunRecord, SuiteInfo
from ctft_eval.reply import Reply, Timings, ToolCall
from ctft_eval.scorers.outcome import Outcome, failed, not_applicable, passed

BACKEND = "ollama:m"
NATIVE, CONTINUE = "native", "continue"

Verdict = bool | None | Outcome


def outcome(dimension: str, verdict: Verdict, failure: str = "wrong_tool", value: float | None = None) -> Outcome:
    """True: passed; False: failed with `failure`; None: not applicable; an Outcome as it is."""
    if isinstance(verdict, Outcome):
        return verdict
    if verdict is None:
        return not_applicable(dimension, "does not apply")
    if verdict:
        return passed(dimension, f"{dimension} ok", value)
    return failed(dimension, failure, f"{dimension} failed ({failure})", value)


def entry(case: str, verdicts: dict[str, Verdict], backend: str = BACKEND, channel: str = NATIVE,
          **fields: Any) -> Entry:
    return Entry(backend, channel, case, {d: outcome(d, v) for d, v in verdicts.items()}, **fields)


def run(verdicts: dict[str, dict[str, Verdict]], backend: str = BACKEND, channel: str = NATIVE) -> list[Entry]:
    """Entries of one (backend, channel) run: case id -> dimension -> verdict."""
    return [entry(case, by_dim, backend, channel) for case, by_dim in verdicts.items()]


def info(tool: str | None = "read_file", dims: tuple[str, ...] = ("tool_selection", "arguments")) -> CaseInfo:
    """A case's description: `tool` None is a no-tool case; dims holding "chain" make a chain."""
    chain = "chain" in dims
    return CaseInfo("suites/s.yaml", "s", ["t"], list(dims), [tool] if tool else [], chain)


def make_record(results: list[Entry], cases: dict[str, CaseInfo] | None = None,
                backends: dict[str, ModelIdentity] | None = None, **fields: Any) -> RunRecord:
    """A finished record of `results`; cases not described in `cases` expect read_file."""
    described = dict(cases or {})
    for e in results:
        described.setdefault(e.case, info())
    labels = dict.fromkeys(e.backend for e in results)
    values: dict[str, Any] = {
        "started": "2026-01-01T00:00:00+00:00", "finished": "2026-01-01T00:01:00+00:00", "complete": True,
        "exit_status": 0,
        "backends": backends if backends is not None else {b: ModelIdentity(b, digest="d1") for b in labels},
        "channels": list(dict.fromkeys(e.channel for e in results)) or [NATIVE], "repeat": 1,
        "settings": {"temperature": 0.0, "seed": 42}, "gate_thresholds": {"tool_selection": 0.95},
        "suites": [SuiteInfo("suites/s.yaml", "s", "abc123", len(described))],
        "cases": described, "results": results,
    }
    values.update(fields)
    return RunRecord(**values)


def view(record: RunRecord, label: str = "r", index: int = 0) -> RunView:
    return views(record, label)[index]


def rate_gate(name: str = "tool_selection", holds: bool = True, observed: float | None = 1.0,
              threshold: float = 0.95, backend: str = BACKEND, channel: str = NATIVE) -> Gate:
    return Gate(backend, channel, name, observed, threshold, holds, "detail")


def call_reply(name: str = "read_file", arguments: dict[str, Any] | None = None, text: str = "",
               wall_s: float = 0.5) -> Reply:
    """A reply holding one structured call."""
    args = {"filepath": "a.py"} if arguments is None else arguments
    return Reply(text=text, tool_calls=[ToolCall.from_raw(name, args, "native")], finish_reason="tool_calls",
                 timings=Timings(wall_s=wall_s, prompt_tokens=10, completion_tokens=5))
