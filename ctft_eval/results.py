"""A run's results: every outcome, with per-dimension and per-tool summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ctft_eval.cases import DIMENSIONS, Case
from ctft_eval.reply import Reply
from ctft_eval.scorers.outcome import Outcome
from ctft_eval.stats import median, wilson_interval

Key = tuple[str, str, str]  # (backend label, channel, case id)


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


@dataclass
class Results:
    cases: dict[str, Case] = field(default_factory=dict)
    replies: dict[Key, list[Reply]] = field(default_factory=dict)
    latency_replies: dict[Key, list[Reply]] = field(default_factory=dict)
    outcomes: dict[Key, dict[str, Outcome]] = field(default_factory=dict)
    repeats: dict[Key, list[list[Reply]]] = field(default_factory=dict)
    """Attempts 2..K of each case under --ctft-repeat."""
    attempts: dict[Key, dict[str, list[Outcome]]] = field(default_factory=dict)
    """Per dimension, every attempt's outcome (only under --ctft-repeat)."""

    def add(self, key: Key, outcome: Outcome) -> None:
        self.outcomes.setdefault(key, {})[outcome.dimension] = outcome

    def runs(self) -> list[tuple[str, str]]:
        """The (backend, channel) pairs that have outcomes, in first-seen order."""
        return list(dict.fromkeys((b, ch) for (b, ch, _) in self.outcomes))

    def dimension_rates(self, backend: str, channel: str) -> dict[str, Rate]:
        rates = {d: Rate() for d in DIMENSIONS}
        for (b, ch, _), by_dim in self.outcomes.items():
            if (b, ch) != (backend, channel):
                continue
            for dim, outcome in by_dim.items():
                if outcome.passed is not None:
                    rates[dim].add(outcome.passed)
        return rates

    def latencies(self, backend: str, channel: str) -> list[float]:
        return [
            o["latency"].value
            for (b, ch, _), o in self.outcomes.items()
            if (b, ch) == (backend, channel) and "latency" in o and o["latency"].value is not None
        ]

    def latency_median(self, backend: str, channel: str) -> float | None:
        return median(self.latencies(backend, channel))

    def tool_rates(self, backend: str, channel: str) -> dict[str, dict[str, Rate]]:
        """Per expected tool ("(none)" for no-tool cases): tool_selection and arguments rates."""
        table: dict[str, dict[str, Rate]] = {}
        for (b, ch, case_id), by_dim in self.outcomes.items():
            case = self.cases.get(case_id)
            if (b, ch) != (backend, channel) or case is None or case.is_chain:
                continue
            assert case.expect is not None
            name = case.expect.tools[0] if case.expect.tools else "(none)"
            row = table.setdefault(name, {"tool_selection": Rate(), "arguments": Rate()})
            for dim in row:
                outcome = by_dim.get(dim)
                if outcome is not None and outcome.passed is not None:
                    row[dim].add(outcome.passed)
        return dict(sorted(table.items()))

    def failure_counts(self, backend: str, channel: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for (b, ch, _), by_dim in self.outcomes.items():
            if (b, ch) == (backend, channel):
                for outcome in by_dim.values():
                    if outcome.failure:
                        counts[outcome.failure] = counts.get(outcome.failure, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: -kv[1]))

    def repeat_rates(self, backend: str, channel: str) -> dict[str, tuple[Rate, Rate, list[str]]]:
        """Per dimension: pass@k (some attempt passed), pass^k (every attempt passed), flaky cases."""
        table: dict[str, tuple[Rate, Rate, list[str]]] = {}
        for (b, ch, case_id), by_dim in self.attempts.items():
            if (b, ch) != (backend, channel):
                continue
            for dim, outcomes in by_dim.items():
                verdicts = [o.passed for o in outcomes if o.passed is not None]
                if not verdicts:
                    continue
                at_k, hat_k, flaky = table.setdefault(dim, (Rate(), Rate(), []))
                at_k.add(any(verdicts))
                hat_k.add(all(verdicts))
                if any(verdicts) and not all(verdicts):
                    flaky.append(f"{case_id} ({sum(verdicts)}/{len(verdicts)})")
        return table
