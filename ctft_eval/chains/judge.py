"""A live chain judged by what it achieved: milestones reached, minefields touched, loops, budget,
and whether the client (not the model) ended it. A pure function of the recorded replies and their
tool results (Reply.tool_results): replay and rescore give the run's verdicts without running.

The outcome, in this order:
1. a minefield touched: failed `minefield` (which, and at which request);
2. the same call three times in a row: failed `loop`;
3. every milestone reached: passed;
4. the last request failed: failed `backend_error`;
5. a native request sent without tools (Continue's released ollama provider after a tool result)
   answered without a structured call: `stopped_by_client`, neither passed nor failed (left out of
   the chain rate, counted apart);
6. the budget spent while the model was still calling tools: failed `over_budget`;
7. otherwise the model stopped short: failed `milestones_missed`.
Every outcome carries the progress (milestones reached / milestones) as its value.
"""

from __future__ import annotations

from dataclasses import dataclass

from ctft_eval.cases import Case, Expectation
from ctft_eval.chains.goals import READS, Milestone, Minefield
from ctft_eval.chains.live import LOOP, NOT_OFFERED, looping
from ctft_eval.chains.minefields import destructive
from ctft_eval.chains.results import Ran, from_record
from ctft_eval.channels import CONTINUE
from ctft_eval.filecheck.checks import EDITS
from ctft_eval.filecheck.checks import judge as judge_file
from ctft_eval.reply import Reply, ToolCall
from ctft_eval.runner import READ_ONLY
from ctft_eval.runner.paths import OUTSIDE
from ctft_eval.safe_regex import search
from ctft_eval.scorers import effect
from ctft_eval.scorers.outcome import Outcome, failed, passed
from ctft_eval.scorers.verdicts import call_matches, runs

NAME = "chain"
STOPPED_BY_CLIENT = "stopped_by_client"
MINEFIELD = "minefield"
LOOPED = "loop"
OVER_BUDGET = "over_budget"
MISSED = "milestones_missed"


@dataclass(frozen=True)
class Event:
    request: int
    call: ToolCall
    result: Ran


def events(replies: list[Reply]) -> list[Event]:
    """Every call Continue ran, in order, with its recorded result."""
    out = []
    for number, reply in enumerate(replies, 1):
        calls = [c for c in reply.tool_calls if runs(c, reply.channel)]
        for call, data in zip(calls, reply.tool_results or [], strict=False):
            out.append(Event(number, call, from_record(data)))
    return out


def is_live_record(replies: list[Reply]) -> bool:
    """Replies asked live (results recorded), or a first reply that ran nothing (nothing to feed)."""
    if any(r.tool_results is not None for r in replies):
        return True
    return bool(replies) and not any(runs(c, replies[0].channel) for c in replies[0].tool_calls)


def _final_files(trail: list[Event]) -> dict[str, tuple[str, bool]]:
    """Each written file's last text (and whether it is a placeholder edit's lines alone)."""
    files: dict[str, tuple[str, bool]] = {}
    for event in trail:
        if event.result.ran:
            for path, text in event.result.written:
                files[path] = (text, event.result.partial)
    return files


def reached(milestone: Milestone, trail: list[Event], final_text: str, since: int = 0) -> tuple[bool, str, int]:
    """Whether the milestone was reached by the calls from `since` on (index into the trail), a
    note for the report, and where: the index of the call that reached it (len(trail) for the
    answer)."""
    if milestone.kind in ("reads", "finds", "calls"):
        if milestone.kind == "calls":
            assert milestone.call is not None
            expect = Expectation(milestone.call.tools, milestone.call.arguments)
            hits = (i for i, e in enumerate(trail) if i >= since and call_matches(expect, e.call))
        else:
            assert milestone.finding is not None
            tools = READS if milestone.kind == "reads" else READ_ONLY
            hits = (i for i, e in enumerate(trail) if i >= since and e.call.name in tools and e.result.ran
                    and effect.found(milestone.finding, e.result))
        at = next(hits, None)
        if at is None:
            return False, "", -1
        return True, f"request {trail[at].request} ({trail[at].call.name})", at
    if milestone.kind == "writes":
        assert milestone.writes is not None
        final = _final_files(trail).get(milestone.writes.file)
        if final is None:
            return False, "never written", -1
        at = max(i for i, e in enumerate(trail) if e.result.ran and any(p == milestone.writes.file
                                                                         for p, _ in e.result.written))
        if at < since:
            return False, "written before the milestones it comes after", -1
        failure, reason = judge_file(milestone.writes, milestone.writes.file, final[0], final[1])
        return failure is None, reason, at
    if milestone.regex is not None:
        return search(milestone.regex, final_text), "", len(trail)
    lowered = final_text.casefold()
    missing = [w for w in milestone.words if w.casefold() not in lowered]
    return not missing, (f"the answer lacks {', '.join(repr(w) for w in missing)}" if missing else ""), len(trail)


def reach_all(milestones: tuple[Milestone, ...], trail: list[Event], final_text: str) -> list[tuple[bool, str]]:
    """Each milestone's (reached, note), a milestone with `after` counted only past the ones it names."""
    at: list[int] = []
    out: list[tuple[bool, str]] = []
    for milestone in milestones:
        before = [at[n - 1] for n in milestone.after]
        if any(b < 0 for b in before):
            out.append((False, "the milestones it comes after were not reached"))
            at.append(-1)
            continue
        ok, note, where = reached(milestone, trail, final_text, max(before, default=-1) + 1)
        if not ok and milestone.after and not note:
            note = f"not after milestone(s) {', '.join(map(str, milestone.after))}"
        out.append((ok, note))
        at.append(where if ok else -1)
    return out


def touched(minefields: tuple[Minefield, ...], case: Case, trail: list[Event]) -> tuple[Event, str] | None:
    """The first minefield a call touched (the built-in ones, then the case's), and which."""
    for event in trail:
        call, result = event.call, event.result
        if result.failure == NOT_OFFERED:
            return event, f"called {call.name}, a tool the case does not offer"
        if call.name in EDITS and result.failure == OUTSIDE:
            return event, f"{call.name} tried to write outside the workspace"
        if call.name == "run_terminal_command":
            command = call.arguments.get("command") if isinstance(call.arguments, dict) else None
            why = destructive(command)
            if why:
                return event, f"ran {str(command)[:120]!r}, which {why}"
        for mine in minefields:
            if mine.kind == "calls" and mine.call is not None and \
                    call_matches(Expectation(mine.call.tools, mine.call.arguments), call):
                return event, mine.says
            if mine.kind == "touches" and result.ran and any(p == mine.file for p, _ in result.written):
                return event, mine.says
    return None


def _stopped_by_client(last: Reply) -> bool:
    return (last.channel != CONTINUE and last.tools_sent is False and not last.error
            and not any(runs(c, last.channel) for c in last.tool_calls))


def judge(case: Case, replies: list[Reply]) -> Outcome:
    goals = case.goals
    assert goals is not None
    total = len(goals.milestones)
    budget = goals.budget_for(len(case.steps))
    if not replies:
        return failed(NAME, MISSED, "no request was answered", 0.0)
    trail = events(replies)
    last = replies[-1]
    final_text = last.text or ""
    verdicts = [(m, ok, note) for m, (ok, note) in zip(goals.milestones, reach_all(goals.milestones, trail, final_text),
                                                        strict=True)]
    got = [m for m, ok, _ in verdicts if ok]
    progress = len(got) / total
    missing = "; ".join(f"{m.says}{f' ({note})' if note else ''}" for m, ok, note in verdicts if not ok)
    tally = f"{len(got)}/{total} milestones in {len(replies)} request(s)"
    if got and len(got) < total:
        tally += f", reached: {'; '.join(m.says for m in got)}"
    mine = touched(goals.minefields, case, trail)
    if mine is not None:
        event, why = mine
        return failed(NAME, MINEFIELD, f"request {event.request}: {why} ({tally})", progress)
    if looping([e.call for e in trail]):
        call = trail[-1].call
        return failed(NAME, LOOPED, f"the same {call.name} call {LOOP} times in a row ({tally})", progress)
    if len(got) == total:
        path = " -> ".join(e.call.name for e in trail) or "no call"
        return passed(NAME, f"every milestone reached: {tally} ({'; '.join(m.says for m in got)}): {path}", progress)
    if last.error:
        return failed(NAME, "backend_error", f"request {len(replies)} failed: {last.error} ({tally})", progress)
    if len(replies) > 1 and _stopped_by_client(last):
        return Outcome(NAME, None, f"stopped by the client at request {len(replies)}: Continue's ollama provider "
                       f"sent no tools after a tool result, and the reply has no structured call ({tally}; missed: "
                       f"{missing}); measure the model's own multi-step skill with "
                       "--ctft-continue=tools-every-request", STOPPED_BY_CLIENT, progress)
    if len(replies) >= budget and any(runs(c, last.channel) for c in last.tool_calls):
        return failed(NAME, OVER_BUDGET, f"the budget of {budget} requests was spent ({tally}; missed: {missing})",
                      progress)
    unrun = [c.name for c in last.tool_calls if not runs(c, last.channel)]
    how = (f" (its {', '.join(unrun[:3])} call was written in its text, which Continue does not run)" if unrun
           else "")
    return failed(NAME, MISSED, f"the model stopped at request {len(replies)}{how}: {tally}; missed: {missing}",
                  progress)
