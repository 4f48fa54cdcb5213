"""arguments: every matcher of the case holds for the expected tool's call.

Denominator: single-step cases with argument matchers or with what the call must find. A reply
without a call to the expected tool fails here too (there are no right arguments without the
call); a reply whose only such call is one Continue would not run (written as text on the native
channel) is not judged here (tool_selection counts it as a call in text). Every call Continue
would run is judged (ctft_eval.scorers.verdicts.argument_check); where the case names what the call
must find on its workspace, the call is run there and judged by what it finds."""

from __future__ import annotations

from ctft_eval.cases import Case
from ctft_eval.dimensions import Dimension
from ctft_eval.reply import Reply
from ctft_eval.scorers.outcome import Outcome, failed, not_applicable, passed
from ctft_eval.scorers.verdicts import NOT_RUN, argument_check

NAME = "arguments"


def score(case: Case, replies: list[Reply]) -> Outcome:
    failure, reason = argument_check(case.first_expectation, replies[0], case)
    if failure == NOT_RUN:
        return not_applicable(NAME, reason)
    return failed(NAME, failure, reason) if failure else passed(NAME, reason)


DIMENSION = Dimension(
    NAME, lambda case: not case.is_chain and bool(case.first_expectation.arguments
                                                   or case.first_expectation.judged_by_outcome), score,
    threshold=0.90, per_tool=True,
)
