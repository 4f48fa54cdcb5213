"""Re-score a recorded run in place: the same replies, today's reading of them and today's scorers.

    python -m ctft_eval rescore baselines/qwen2.5-coder-0.5b.json [--out NEW.json] [--schema strict]

Unlike `--backend=replay:RECORD` (a new run whose backend is the replay), the record keeps its
backends, identities and timings: only the calls read from reply texts, the outcomes, the gates and
the summaries are computed again. Cases are taken from the suite files the record names (relative
to the current folder); a suite file that changed since the run is reported, and its cases are
scored as they read now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from ctft_eval import dimensions
from ctft_eval.cases import Case, SuiteError, load_suite
from ctft_eval.gates import evaluate
from ctft_eval.profile import TOOL_SETS, builtin
from ctft_eval.record import RecordError, RunRecord
from ctft_eval.results import summaries
from ctft_eval.scorers.judging import Judging, judging_as
from ctft_eval.scorers.outcome import combine
from ctft_eval.sources import reparsed


class RescoreError(ValueError):
    """The record cannot be re-scored here (its suite files are missing, say)."""


def _cases(record: RunRecord, base: Path) -> tuple[dict[str, Case], list[str]]:
    """The record's cases as the suite files define them now, offering the tools the run offered."""
    p = record.profile
    profile = builtin(p.get("provider", "ollama"), p["tools"]) if p.get("tools") in TOOL_SETS else None
    cases: dict[str, Case] = {}
    changed = []
    for suite in record.suites:
        path = base / suite.file
        try:
            loaded = load_suite(path)
        except SuiteError as exc:
            raise RescoreError(f"cannot re-score: {exc}") from None
        if loaded.sha256 != suite.sha256:
            changed.append(suite.file)
        for case in loaded.cases:
            if profile is not None:
                offered = case.tools if case.tools_declared else (*profile.offered(None), *case.custom)
                case = replace(case, tools=tuple(offered))
            cases[case.id] = case
    return cases, changed


def rescore(record: RunRecord, base: Path = Path("."), schema: str | None = None) -> tuple[RunRecord, list[str]]:
    """The record with every outcome scored again; and the notes (changed suites, unknown cases)."""
    cases, changed = _cases(record, base)
    notes = [f"suite file changed since the run: {f}" for f in changed]
    schema = schema or record.profile.get("schema") or "continue"
    unknown = sorted({e.case for e in record.results if e.case not in cases})
    if unknown:
        notes.append(f"{len(unknown)} case(s) no longer in the suites keep their old outcomes: {', '.join(unknown)}")
    with judging_as(Judging(schema)):  # type: ignore[arg-type]
        for entry in record.results:
            case = cases.get(entry.case)
            if case is None:
                continue
            entry.replies = [reparsed(r) for r in entry.replies]
            entry.timed_replies = [reparsed(r) for r in entry.timed_replies]
            entry.repeats = [[reparsed(r) for r in replies] for replies in entry.repeats]
            for name, old in list(entry.outcomes.items()):
                if old.missing or name not in dimensions.names():
                    continue
                dim = dimensions.get(name)
                attempts = [entry.timed_replies] if dim.timed else [entry.replies, *entry.repeats]
                outcomes = [dim.score(case, replies) for replies in attempts if replies]
                if outcomes:
                    entry.outcomes[name] = combine(outcomes)
                    if len(outcomes) > 1:
                        entry.attempts[name] = [o.passed for o in outcomes]
    record.profile = {**record.profile, "schema": schema,
                      "rescored": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    record.runs = summaries(record)
    record.gates = evaluate(record, record.gate_thresholds)
    return record, notes


def main(record_path: Path, out: Path | None, schema: str | None) -> int:
    from ctft_eval import record as run_record

    try:
        record = run_record.read(record_path)
        rescored, notes = rescore(record, Path("."), schema)
    except (RecordError, RescoreError) as exc:
        print(f"error: {exc}")
        return 2
    target = out or record_path
    run_record.write_atomic(target, rescored)
    for note in notes:
        print(f"note: {note}")
    failed = [g for g in rescored.gates if not g.holds]
    print(f"re-scored {len(rescored.results)} entries of {record_path} into {target}; "
          f"{len(failed)} gate(s) fail")
    return 0
