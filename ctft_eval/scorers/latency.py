"""latency: the wall time of one request, sent alone after a warm-up request, within the case's
budget (or the run's, ctft_eval.plan.bind).

Denominator: cases whose latency is measured. The gate on the median is computed over the same set."""

from __future__ import annotations

from ctft_eval.cases import Case
from ctft_eval.dimensions import Dimension
from ctft_eval.reply import Reply
from ctft_eval.scorers.outcome import Outcome, failed, passed

NAME = "latency"


def score(case: Case, replies: list[Reply]) -> Outcome:
    reply = replies[0]
    wall = reply.timings.wall_s
    budget = case.latency_budget or 0.0
    if reply.error:
        return failed(NAME, "backend_error", f"the request failed: {reply.error}", wall)
    ttft = f", first token {reply.timings.ttft_s:.2f} s" if reply.timings.ttft_s is not None else ""
    if wall > budget:
        return failed(NAME, "too_slow", f"{wall:.2f} s > budget {budget:g} s{ttft}", wall)
    return passed(NAME, f"{wall:.2f} s within {budget:g} s{ttft}", wall)


DIMENSION = Dimension(
    NAME, lambda case: not case.is_chain and case.latency, score, gate="median", threshold=2.0, unit="s", timed=True,
    regression=False,
)
