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

from ctft_eval import dimensions, shown
from ctft_eval.cases import Case, SuiteError, load_suite
from ctft_eval.gates import evaluate
from ctft_eval.plan import RunConfig, bind, score_entry
from ctft_eval.record import RecordError, RunRecord
from ctft_eval.record_path import problem
from ctft_eval.results import summaries
from ctft_eval.scorers import effect
from ctft_eval.sources import reparsed


class RescoreError(ValueError):
    """The record cannot be re-scored here (its suite files are missing, say)."""


def _cases(record: RunRecord, config: RunConfig, base: Path) -> tuple[dict[str, Case], list[str]]:
    """The record's cases as the suite files define them now, bound to the run's plan."""
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
            cases[case.id] = bind(case, config).case
    return cases, changed


def rescore(record: RunRecord, base: Path = Path("."), schema: str | None = None) -> tuple[RunRecord, list[str]]:
    """The record with every outcome scored again under the plan it ran with (ctft_eval.plan); and
    the notes (changed suites, unknown cases, what an old record does not say)."""
    config = RunConfig.from_record(record)
    schema = schema or config.schema
    config = replace(config, schema=schema)
    cases, changed = _cases(record, config, base)
    try:
        effect.ready(cases.values())
    except effect.CannotJudge as exc:
        raise RescoreError(f"cannot re-score: {exc}") from None
    notes = [f"suite file changed since the run: {f}" for f in changed]
    if config.profile_tools is None:
        notes.append(f"the record predates run plans and its profile ({record.profile.get('name')}) is not a "
                     "built-in one: every catalog tool is taken as offered")
    unknown = sorted({e.case for e in record.results if e.case not in cases})
    if unknown:
        notes.append(f"{len(unknown)} case(s) no longer in the suites keep their old outcomes: {', '.join(unknown)}")
    known = set(dimensions.names())
    for entry in record.results:
        case = cases.get(entry.case)
        if case is None:
            continue
        entry.replies = [reparsed(r) for r in entry.replies]
        entry.timed_replies = [reparsed(r) for r in entry.timed_replies]
        entry.repeats = [[reparsed(r) for r in replies] for replies in entry.repeats]
        untimed = [d for d in case.dimensions if not dimensions.get(d).timed]  # (newly applicable ones too)
        for name in [n for n in dict.fromkeys([*entry.outcomes, *untimed]) if n in known]:
            score_entry(entry, case, config, name)
    if not record.plan and config.profile_tools is not None:  # (a record from before run plans)
        record.plan = config.plan_json({cid: cases[cid] for cid in record.cases if cid in cases})
    record.plan = {**record.plan, "judged_by": effect.rules()}  # (the rules that gave these verdicts)
    record.profile = {"continue_behaviour": config.continue_behaviour, **record.profile, "schema": schema,
                      "rescored": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    record.runs = summaries(record)
    record.gates = evaluate(record, record.gate_thresholds)
    return record, notes


def say(text: str) -> None:
    """print, through ctft_eval.shown: a record's contents (case ids, reasons) may be anyone's."""
    print(shown.block(text))


def main(record_path: Path, out: Path | None, schema: str | None) -> int:
    from ctft_eval import record as run_record

    target = out or record_path
    why = problem(target, "rescored.json")  # before the work: a wrong --out costs nothing
    if why:
        say(f"error: {'--out ' if out else ''}{target} {why}")
        return 2
    try:
        record = run_record.read(record_path)
        rescored, notes = rescore(record, Path("."), schema)
    except (RecordError, RescoreError) as exc:
        say(f"error: {exc}")
        return 2
    try:
        run_record.write_atomic(target, rescored)
    except OSError as exc:  # the disk filled up, or the folder went away, since the check
        say(f"error: cannot write the re-scored record to {target}: {exc.strerror or exc} ({record_path} "
              "is unchanged)")
        return 2
    for note in notes:
        say(f"note: {note}")
    failed = [g for g in rescored.gates if not g.holds]
    say(f"re-scored {len(rescored.results)} entries of {record_path} into {target}; "
          f"{len(failed)} gate(s) fail")
    return 0
