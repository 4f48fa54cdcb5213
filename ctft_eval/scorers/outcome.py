"""The verdict of one dimension on one case."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

MISSING = "missing"
"""The failure class of a case the reply source has no replies for: neither passed nor failed."""
MATCHER_TIMEOUT = "matcher_timeout"
"""The failure class of a verdict a suite's regex could not give in time (ctft_eval.safe_regex): a
problem of the suite, neither passed nor failed, so it stays out of the model's rates."""


@dataclass(frozen=True)
class Outcome:
    dimension: str
    passed: bool | None
    """None: the dimension does not apply to this reply (it is left out of the denominator)."""
    reason: str
    failure: str | None = None
    """A short failure class, e.g. wrong_tool, call_in_text, invalid_json, backend_error."""
    value: float | None = None
    """A measured figure, where the dimension has one (latency: seconds)."""

    @property
    def suite_problem(self) -> bool:
        """Not scored because the suite's own matcher could not decide (matcher_timeout)."""
        return self.failure == MATCHER_TIMEOUT

    @property
    def missing(self) -> bool:
        """Not scored because the reply source has no replies for the case (a replay's record lacks it)."""
        return self.failure == MISSING

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], dimension: str | None = None) -> Outcome:
        passed = data.get("passed")
        value = data.get("value")
        return cls(str(data.get("dimension", dimension)), None if passed is None else bool(passed),
                   str(data.get("reason", "")), data.get("failure"), None if value is None else float(value))


def passed(dimension: str, reason: str, value: float | None = None) -> Outcome:
    return Outcome(dimension, True, reason, None, value)


def failed(dimension: str, failure: str, reason: str, value: float | None = None) -> Outcome:
    return Outcome(dimension, False, reason, failure, value)


def not_applicable(dimension: str, reason: str) -> Outcome:
    return Outcome(dimension, None, reason)


def not_recorded(dimension: str, reason: str) -> Outcome:
    return Outcome(dimension, None, reason, MISSING)


def matcher_timed_out(dimension: str, reason: str) -> Outcome:
    return Outcome(dimension, None, reason, MATCHER_TIMEOUT)


def combine(outcomes: list[Outcome]) -> Outcome:
    """One verdict from repeated attempts: passed only if every applicable attempt passed (pass^k)."""
    if len(outcomes) == 1:
        return outcomes[0]
    applicable = [o for o in outcomes if o.passed is not None]
    if not applicable:
        return outcomes[0]
    passes = sum(1 for o in applicable if o.passed)
    first_failure = next((o for o in applicable if not o.passed), None)
    values = sorted(o.value for o in applicable if o.value is not None)
    value = values[len(values) // 2] if values else None
    summary = f"{passes}/{len(applicable)} attempts passed"
    if first_failure is None:
        return Outcome(outcomes[0].dimension, True, f"{summary}: {applicable[0].reason}", None, value)
    return Outcome(outcomes[0].dimension, False, f"{summary}; first failure: {first_failure.reason}",
                   first_failure.failure, value)
