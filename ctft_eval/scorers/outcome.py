"""The verdict of one dimension on one case."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def passed(dimension: str, reason: str, value: float | None = None) -> Outcome:
    return Outcome(dimension, True, reason, None, value)


def failed(dimension: str, failure: str, reason: str, value: float | None = None) -> Outcome:
    return Outcome(dimension, False, reason, failure, value)


def not_applicable(dimension: str, reason: str) -> Outcome:
    return Outcome(dimension, None, reason)
