"""chain: a multi-step case.

A live chain (one with milestones, ctft_eval.chains) is judged by what it achieved
(ctft_eval.chains.judge). A chain without milestones, or a record made before chains ran live,
passes only if, at every step, the model called the expected tool (through the channel's own
format) with matching arguments.

Denominator: every chain case, less those the client stopped (stopped_by_client)."""

from __future__ import annotations

from ctft_eval.cases import Case
from ctft_eval.chains.judge import is_live_record, judge
from ctft_eval.channels import CONTINUE
from ctft_eval.dimensions import Dimension
from ctft_eval.reply import Reply
from ctft_eval.scorers.outcome import Outcome, failed, passed
from ctft_eval.scorers.verdicts import argument_check, selection

NAME = "chain"


def score(case: Case, replies: list[Reply]) -> Outcome:
    if case.live and is_live_record(replies):
        return judge(case, replies)
    return step_by_step(case, replies)


def step_by_step(case: Case, replies: list[Reply]) -> Outcome:
    total = len(case.steps)
    for number, step in enumerate(case.steps, 1):
        if number > len(replies):
            return failed(NAME, "stopped", f"step {number}/{total} was never reached")
        reply = replies[number - 1]
        failure, reason = selection(step.expect, reply)
        if not failure and (step.expect.arguments or step.expect.judged_by_outcome):
            failure, reason = argument_check(step.expect, reply, case)
        if failure:
            if reply.channel != CONTINUE and reply.tools_sent is False and number > 1:
                reason += ("; Continue's ollama provider sends no tools after a tool result, so the model "
                           "could not call one natively here")
            return failed(NAME, failure, f"step {number}/{total} ({step.expect.describe()}): {reason}")
    names = " -> ".join(s.expect.tools[0] for s in case.steps)
    return passed(NAME, f"all {total} steps held: {names}")


DIMENSION = Dimension(
    NAME, lambda case: case.is_chain, score, order=-1,
)
