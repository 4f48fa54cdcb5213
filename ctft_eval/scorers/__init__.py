"""Scorers: pure functions of (case, replies) -> Outcome, one module per dimension.

`replies` are the replies of one case on one channel: one reply for a single-step case, one per
step reached for a chain; for latency, the replies of the sequential timing request.
"""

from __future__ import annotations

from collections.abc import Callable

from ctft_eval.cases import Case
from ctft_eval.reply import Reply
from ctft_eval.scorers import arguments, chain, json_validity, latency, tool_selection
from ctft_eval.scorers.outcome import Outcome

Scorer = Callable[[Case, list[Reply]], Outcome]

SCORERS: dict[str, Scorer] = {
    "tool_selection": tool_selection.score,
    "json_validity": json_validity.score,
    "arguments": arguments.score,
    "chain": chain.score,
    "latency": latency.score,
}

__all__ = ["SCORERS", "Outcome", "Scorer"]
