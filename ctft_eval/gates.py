"""Gates: thresholds from [tool.ctft_eval.gates] (and the regression rules) that decide a run's exit
status, decided here in one place and explained from the same data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ctft_eval import dimensions
from ctft_eval.record import Gate, RunRecord
from ctft_eval.results import dimension_rates, statistic

if TYPE_CHECKING:
    from ctft_eval.compare import Comparison

__all__ = ["Gate", "Verdict", "decide", "evaluate", "regression_gates"]

# pytest's exit codes, as numbers (this module does not import pytest)
OK, TESTS_FAILED = 0, 1


def evaluate(record: RunRecord, thresholds: dict[str, float]) -> list[Gate]:
    """Every configured gate for every (backend, channel) run. A rate gate holds when the pass rate
    is at least its threshold; a median gate (latency_median) when the median value is at most it.
    A gate with no cases to count holds, and says so."""
    gates: list[Gate] = []
    for backend, channel in record.run_keys():
        rates = dimension_rates(record, backend, channel)
        for name, threshold in thresholds.items():
            dim = dimensions.by_gate_name(name)
            if dim is None:
                continue
            if dim.gate == "rate":
                rate = rates[dim.name]
                observed = rate.rate
                holds = observed is None or observed >= threshold
                detail = "no cases" if observed is None else f"{rate.passed}/{rate.total} >= {threshold:.0%}?"
            else:
                observed = statistic(record, backend, channel, dim.name)
                holds = observed is None or observed <= threshold
                detail = (f"no {dim.name} cases" if observed is None
                          else f"median {observed:.2f} {dim.unit} <= {threshold:g} {dim.unit}?")
            gates.append(Gate(backend, channel, name, observed, threshold, holds, detail))
    return gates


def regression_gates(comparisons: list[Comparison], rules: dict) -> list[Gate]:
    """One gate per gated dimension and comparison: it fails when the dimension dropped
    significantly (exact McNemar p < alpha) or by more than max_drop_points."""
    from ctft_eval.compare import regression_settings

    settings = regression_settings(rules)
    gates = []
    for comp in comparisons:
        for dim in settings.dimensions:
            d = comp.deltas.get(dim)
            if d is None or not d.pairs:
                continue
            gates.append(Gate(
                comp.current.backend, comp.current.channel, f"regression {dim}", d.delta,
                settings.max_drop_points, not d.regressed(settings),
                f"vs {comp.base.label}: {d.delta * 100:+.1f} pts over {d.pairs} paired cases, "
                f"{len(d.broken)} broken / {len(d.fixed)} fixed, McNemar p={d.p_value:.4f}",
                observed_text=f"{d.delta * 100:+.1f} pts, p={d.p_value:.3f} vs {comp.base.backend}",
                needed_text=f"no drop with p<{settings.alpha:g} or >{settings.max_drop_points:g} pts",
            ))
    return gates


@dataclass(frozen=True)
class Verdict:
    """The exit status a finished run gets, and why."""

    exit_status: int
    failed: tuple[Gate, ...]
    strict: bool
    case_failures: int
    """Scored failures of single cases (that the gates may tolerate)."""

    def explanation(self) -> str:
        if self.failed:
            names = ", ".join(f"{g.name} ({g.backend}, {g.channel})" for g in self.failed)
            return f"GATE FAILED: {names}: exit status {self.exit_status}"
        if self.strict:
            return "all gates hold; --ctft-strict: failing cases decide the exit status"
        note = f" ({self.case_failures} single case failure(s) are listed above)" if self.case_failures else ""
        return f"all gates hold: exit status {self.exit_status}{note}"


def decide(status: int, gates: list[Gate], *, scored: bool, strict: bool, other_failures: int,
           case_failures: int) -> Verdict:
    """The exit status of a session that pytest would end with `status`.

    When cases were scored and pytest's status is OK or TESTS_FAILED, the gates decide: a failing
    gate makes it 1; otherwise it is 0, unless --ctft-strict is on or a test failed for another
    reason than a model's scored failure (an error in setup, a plain test, ctft-eval itself).
    Every other status (usage error, interrupted, internal error) is left as it is."""
    failed = tuple(g for g in gates if not g.holds)
    if scored and status in (OK, TESTS_FAILED):
        if failed:
            status = TESTS_FAILED
        elif not strict and other_failures == 0:
            status = OK
    return Verdict(int(status), failed, strict, case_failures)
