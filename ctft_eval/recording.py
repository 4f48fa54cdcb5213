"""Building the run record from a session's state (what the plugin writes with --ctft-record)."""

from __future__ import annotations

import datetime as dt
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from ctft_eval.backends import ModelIdentity
from ctft_eval.record import CaseInfo, RunRecord, SuiteInfo
from ctft_eval.results import summaries

if TYPE_CHECKING:
    from ctft_eval.session import EvalSession


def build_record(session: EvalSession, status: int, interrupted: bool, rootpath: Path) -> RunRecord:
    """Entries in the order the tests scored them; paths relative to pytest's rootdir."""
    last = len(session.scored_order)
    entries = sorted(session.entries.values(), key=lambda e: session.scored_order.get(e.key, last))

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
        started=session.started,
        finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        complete=not interrupted and all(e.outcomes for e in entries),
        exit_status=status,
        backends={label: session.identities.get(label, ModelIdentity(str(session.spec(label))))
                  for label in dict.fromkeys(e.backend for e in entries)},
        channels=list(session.channels),
        repeat=session.repeat,
        settings=session.settings.request_settings(),
        gate_thresholds=session.settings.gates,
        suites=[SuiteInfo(rel(s.file), s.name, s.sha256, len(s.cases)) for s in session.suites.values()],
        cases={c.id: CaseInfo(rel(c.file), c.suite, list(c.tags), list(c.dimensions),
                              list(c.first_expectation.tools), c.is_chain) for c in session.cases.values()},
        results=entries,
        warmups=dict(session.warmups),
        ctft_eval_version=version,
        profile={**session.profile.fingerprint(), "schema": session.settings.schema,
                 "deviations": session.profile.deviations(session.settings.request_settings()),
                 "left_out": dict(session.left_out)},
    )
    record.runs = summaries(record)
    return record
