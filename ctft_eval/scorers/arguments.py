"""arguments: every matcher of the case holds for the expected tool's call.

Denominator: single-step cases with argument matchers. A reply without a call to the expected
tool fails here too (there are no right arguments without the call)."""

from __future__ import annotations

from ctft_eval.cases import Case
from ctft_eval.reply import Reply
from ctft_eval.scorers.outcome import Outcome, failed, passed
from ctft_eval.scorers.verdicts import argument_check

DIMENSION = "arguments"


def score(case: Case, replies: list[Reply]) -> Outcome:
    failure, reason = argument_check(case.first_expectation, replies[0])
    return failed(DIMENSION, failure, reason) if failure else passed(DIMENSION, reason)
