"""arguments: every matcher of the case holds for the expected tool's call.

Denominator: single-step cases with argument matchers. A reply without a call to the expected
tool fails here too (there are no right arguments without the call)."""

from __future__ import annotations

from ctft_eval.cases import Case
from ctft_eval.dimensions import Dimension
from ctft_eval.reply import Reply
from ctft_eval.scorers.outcome import Outcome, failed, passed
from ctft_eval.scorers.verdicts import argument_check

NAME = "arguments"


def score(case: Case, replies: list[Reply]) -> Outcome:
    failure, reason = argument_check(case.first_expectation, replies[0])
    return failed(NAME, failure, reason) if failure else passed(NAME, reason)


DIMENSION = Dimension(
    NAME, lambda case: not case.is_chain and bool(case.first_expectation.arguments), score,
    threshold=0.90, per_tool=True,
)
