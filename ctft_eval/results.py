"""Tallies of a run record: pass rates per dimension and per tool, failure classes, repeats.

Everything here reads a RunRecord (the one model of a run); the summary, the gates and the
comparison all count through these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ctft_eval import dimensions
from ctft_eval.record import Entry, RunRecord, RunSummary
from ctft_eval.stats import median, wilson_interval


@dataclass
class Rate:
    passed: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.passed += int(ok)

    @property
    def rate(self) -> float | None:
        return self.passed / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.passed, self.total)

    def to_dict(self) -> dict[str, Any]:
        low, high = self.interval
        return {"passed": self.passed, "total": self.total, "rate": self.rate, "ci95": [low, high]}


def verdicts(entries: list[Entry]) -> dict[str, dict[str, bool]]:
    """case id -> dimension -> passed, for the outcomes that were scored (not-applicable and
    missing ones are left out)."""
    out: dict[str, dict[str, bool]] = {}
    for entry in entries:
        for dim, outcome in entry.outcomes.items():
            if outcome.passed is not None:
                out.setdefault(entry.case, {})[dim] = outcome.passed
    return out


def dimension_rates(record: RunRecord, backend: str, channel: str, cases: set[str] | None = None) -> dict[str, Rate]:
    """Every registered dimension's pass rate (over `cases` only, when given)."""
    rates = {name: Rate() for name in dimensions.names()}
    for case, by_dim in verdicts(record.entries(backend, channel)).items():
        if cases is not None and case not in cases:
            continue
        for dim, ok in by_dim.items():
            rates.setdefault(dim, Rate()).add(ok)
    return rates


def values(record: RunRecord, backend: str, channel: str, dimension: str) -> list[float]:
    return [e.outcomes[dimension].value for e in record.entries(backend, channel)
            if dimension in e.outcomes and e.outcomes[dimension].value is not None]  # type: ignore[misc]


def statistic(record: RunRecord, backend: str, channel: str, dimension: str) -> float | None:
    """The figure a dimension's non-rate gate reads: the median of its outcomes' values."""
    return median(values(record, backend, channel, dimension))


def chain_progress(record: RunRecord, backend: str, channel: str) -> tuple[float | None, int, int]:
    """Live chains: the mean progress (milestones reached / milestones, over every judged chain, the
    ones the client stopped included), how many chains were judged, and how many the client stopped."""
    from ctft_eval.chains.judge import STOPPED_BY_CLIENT

    outcomes = [e.outcomes["chain"] for e in record.entries(backend, channel) if "chain" in e.outcomes]
    judged = [o for o in outcomes if o.value is not None and (o.passed is not None or o.failure == STOPPED_BY_CLIENT)]
    stopped = sum(1 for o in judged if o.failure == STOPPED_BY_CLIENT)
    mean = sum(o.value for o in judged) / len(judged) if judged else None  # type: ignore[misc]
    return mean, len(judged), stopped


def statistics(record: RunRecord, backend: str, channel: str) -> dict[str, float | None]:
    return {d.gate_name: statistic(record, backend, channel, d.name) for d in dimensions.registered()
            if d.gate != "rate"}


def tool_rates(record: RunRecord, backend: str, channel: str) -> dict[str, dict[str, Rate]]:
    """Per expected tool ("(none)" for no-tool cases; chains left out): the per-tool dimensions' rates."""
    per_tool = [d.name for d in dimensions.registered() if d.per_tool]
    table: dict[str, dict[str, Rate]] = {}
    for entry in record.entries(backend, channel):
        info = record.cases.get(entry.case)
        if info is None or info.tool is None or not entry.outcomes:
            continue
        row = table.setdefault(info.tool, {name: Rate() for name in per_tool})
        for dim in per_tool:
            outcome = entry.outcomes.get(dim)
            if outcome is not None and outcome.passed is not None:
                row[dim].add(outcome.passed)
    return dict(sorted(table.items()))


def failure_counts(record: RunRecord, backend: str, channel: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in record.entries(backend, channel):
        for outcome in entry.outcomes.values():
            if outcome.failure and outcome.passed is False:  # (a missing case or a suite's problem is no failure)
                counts[outcome.failure] = counts.get(outcome.failure, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def repeat_rates(record: RunRecord, backend: str, channel: str) -> dict[str, tuple[Rate, Rate, list[str]]]:
    """Per dimension: pass@k (some attempt passed), pass^k (every attempt passed), flaky cases."""
    table: dict[str, tuple[Rate, Rate, list[str]]] = {}
    for entry in record.entries(backend, channel):
        for dim, attempts in entry.attempts.items():
            passes = [v for v in attempts if v is not None]
            if not passes:
                continue
            at_k, hat_k, flaky = table.setdefault(dim, (Rate(), Rate(), []))
            at_k.add(any(passes))
            hat_k.add(all(passes))
            if any(passes) and not all(passes):
                flaky.append(f"{entry.case} ({sum(passes)}/{len(passes)})")
    return table


def suite_problems(record: RunRecord) -> list[str]:
    """'case (dimension)' of every verdict a suite's own matcher could not give (matcher_timeout)."""
    return sorted({f"{e.case} ({d})" for e in record.results for d, o in e.outcomes.items() if o.suite_problem})


def missing_cases(record: RunRecord) -> list[str]:
    """Cases the reply source had no replies for (not scored, never passed)."""
    return sorted({e.case for e in record.results for o in e.outcomes.values() if o.missing})


def case_count(record: RunRecord, backend: str, channel: str) -> int:
    return len({e.case for e in record.entries(backend, channel) if e.outcomes})


def summaries(record: RunRecord) -> list[RunSummary]:
    return [
        RunSummary(
            backend, channel,
            {d: r.to_dict() for d, r in dimension_rates(record, backend, channel).items()},
            statistics(record, backend, channel),
            {t: {d: r.to_dict() for d, r in v.items()} for t, v in tool_rates(record, backend, channel).items()},
        )
        for backend, channel in record.run_keys()
    ]
