"""How a run ended: everything the end-of-run reports render, and nothing of the session."""

from __future__ import annotations

from dataclasses import dataclass, field

from ctft_eval.compare import Comparison, RegressionSettings, RunView
from ctft_eval.gates import Verdict
from ctft_eval.record import RunRecord
from ctft_eval.record_path import Written


@dataclass(frozen=True)
class RunEnd:
    record: RunRecord
    verdict: Verdict
    interrupted: bool
    """Stopped by Ctrl-C before it finished (not an internal error)."""
    comparisons: list[Comparison] = field(default_factory=list)
    baselines: int = 0
    """How many baseline runs were given (none of them may share a channel with this run)."""
    rules: RegressionSettings | None = None
    written: Written | None = None
    """Where the record went (and why not where it was asked for, if so); None: no record asked for."""

    @property
    def scored(self) -> bool:
        return any(e.outcomes for e in self.record.results)

    @property
    def views(self) -> list[RunView]:
        comps = self.comparisons
        return list(dict.fromkeys([*(c.base for c in comps), *(c.current for c in comps)]))
