"""Building the run record of a live run from its plan, its bound cases and its entries."""

from __future__ import annotations

import datetime as dt
from importlib import metadata
from pathlib import Path
from typing import Any

from ctft_eval.backends import ModelIdentity
from ctft_eval.plan import BoundCases, RunConfig
from ctft_eval.record import CaseInfo, Entry, RunRecord, SuiteInfo
from ctft_eval.reply import Reply
from ctft_eval.results import summaries


def build_record(config: RunConfig, profile: dict[str, Any], bound: BoundCases, entries: list[Entry], *,
                 backends: dict[str, ModelIdentity], warmups: dict[str, Reply], started: str, status: int,
                 complete: bool, gate_thresholds: dict[str, float], rootpath: Path) -> RunRecord:
    """`entries` in the order they go into the record; `profile` the profile's fingerprint, judging
    and deviations (the cases left out are added here); paths relative to `rootpath`."""

    def rel(path: str) -> str:
        try:
            return Path(path).relative_to(rootpath).as_posix()
        except ValueError:
            return path

    try:
        version = metadata.version("ctft-eval")
    except metadata.PackageNotFoundError:
        version = "unknown"
    record = RunRecord(
        started=started,
        finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        complete=complete,
        exit_status=status,
        backends=backends,
        channels=list(config.channels),
        repeat=config.repeat,
        settings=dict(config.settings),
        gate_thresholds=gate_thresholds,
        suites=[SuiteInfo(rel(s.file), s.name, s.sha256, len(s.cases)) for s in bound.suites.values()],
        cases={c.id: CaseInfo(rel(c.file), c.suite, list(c.tags), list(c.dimensions),
                              list(c.first_expectation.tools), c.is_chain) for c in bound.cases.values()},
        results=entries,
        warmups=warmups,
        ctft_eval_version=version,
        profile={**profile, "left_out": dict(bound.left_out)},
        plan=config.plan_json(bound.cases),
    )
    record.runs = summaries(record)
    return record
