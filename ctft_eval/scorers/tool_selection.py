"""tool_selection: the right tool, through the channel's own call format; no call for `none` cases.

Denominator: every single-step case (tool cases and no-tool cases)."""

from __future__ import annotations

from ctft_eval.cases import Case
from ctft_eval.dimensions import Dimension
from ctft_eval.reply import Reply
from ctft_eval.scorers.outcome import Outcome, failed, passed
from ctft_eval.scorers.verdicts import selection

NAME = "tool_selection"


def score(case: Case, replies: list[Reply]) -> Outcome:
    failure, reason = selection(case.first_expectation, replies[0])
    return failed(NAME, failure, reason) if failure else passed(NAME, reason)


DIMENSION = Dimension(
    NAME, lambda case: not case.is_chain, score, threshold=0.95, per_tool=True,
)
