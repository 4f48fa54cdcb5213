"""A chain asked live: every call Continue would run is run on one copy of the case's workspace, and
its real output goes back to the model, until the model answers without a call.

Per request, as Continue does (ctft_eval.conversation builds the messages, ctft_eval.profile says
whether tools go with a request): the reply's calls that Continue runs (native calls on the native
channel, ```tool blocks on the continue channel; ctft_eval.scorers.verdicts.runs) run in order, each
seeing what the ones before it wrote. What each gives:

- read-only and edit tools: the tool runner's output on the copy (ctft_eval.runner), Continue's own
  words for a missing file, a refusal or an error;
- a terminal command, a web search, a URL fetch, or a suite's own tool (nothing here runs them):
  the `result` of the case's first unused step that expects that tool and whose argument matchers
  accept the call (`canned`); else an empty output (`default`). Natively, Continue sends a terminal
  command's result as its output and a status line (renderContextItemsWithStatus,
  core/util/messageContent.ts; runTerminalCommand.ts), so the default is that of a command that
  printed nothing and completed, "\n[Status: Command completed]"; any other call without output is
  "No tool output" (gui/src/redux/util/constructMessages.ts). A canned output goes as the case wrote
  it, with no status line: the case does not say the command's exit code;
- a tool the case does not offer: Continue's error, `Tool "NAME" not found` (core/tools/callTool.ts:228),
  wrapped as its GUI wraps a thrown error.

It stops at a reply without a call Continue runs, a failed request, a stream error, the step budget
(ctft_eval.chains.goals), or the same call (tool and arguments) three times in a row (a loop).
"""

from __future__ import annotations

import json

from ctft_eval.backends import Backend
from ctft_eval.cases import Case, Expectation
from ctft_eval.chains.results import CANNED, DEFAULT, RAN, to_record
from ctft_eval.channels import CONTINUE
from ctft_eval.conversation import feed_back, first_messages, request
from ctft_eval.profile import Profile
from ctft_eval.reply import Reply, ToolCall
from ctft_eval.runner import READ_ONLY, Place, run_tool
from ctft_eval.runner.result import NOT_RUN, ToolResult, failed
from ctft_eval.scorers import effect
from ctft_eval.scorers.verdicts import call_matches, runs
from ctft_eval.settings import Settings

LOOP = 3
"""The same call this many times in a row is a loop."""
NOT_OFFERED = "not_offered"
NO_OUTPUT = "No tool output"
COMPLETED = "\n[Status: Command completed]"
"""A native terminal result of a command that printed nothing and exited 0, as Continue sends it."""
"""What Continue's native tool message says for a call without output (core/tools/constants.ts)."""


def signature(call: ToolCall) -> tuple[str, str]:
    return call.name, json.dumps(call.arguments, sort_keys=True, default=str)


def looping(calls: list[ToolCall]) -> bool:
    """The last LOOP calls are the same tool with the same arguments."""
    return len(calls) >= LOOP and len({signature(c) for c in calls[-LOOP:]}) == 1


class Canned:
    """The case's own outputs for calls nothing here runs: each step's result used once, in order."""

    def __init__(self, case: Case):
        self.steps = [(s.expect, s.result) for s in case.steps]
        self.used: set[int] = set()

    def output(self, call: ToolCall) -> tuple[str, str]:
        for n, (expect, result) in enumerate(self.steps):
            if n not in self.used and call.name in expect.tools and \
                    call_matches(Expectation(expect.tools, expect.arguments), call):
                self.used.add(n)
                return result, CANNED
        return "", DEFAULT


def run_call(call: ToolCall, case: Case, place: Place, canned: Canned) -> tuple[ToolResult, str]:
    """What Continue's running of the call gives, and where the output came from."""
    offered = set(case.tools) | set(case.custom)
    if call.name not in offered:
        message = f'Tool "{call.name}" not found'
        return failed(call.name, message, NOT_OFFERED, "the case does not offer this tool"), RAN
    if call.name in READ_ONLY or call.name in effect.EDITS:
        return run_tool(call.name, call.arguments, place), RAN
    refusal = run_tool(call.name, call.arguments, place)  # (a URL without a scheme is refused first)
    if refusal.failure is not None and refusal.failure != NOT_RUN:
        return refusal, RAN
    text, source = canned.output(call)
    return ToolResult(text), source


def shown(call: ToolCall, result: ToolResult, channel: str, source: str = RAN) -> str:
    """The output text the model is given for the call (before the channel's framing)."""
    if source == DEFAULT and channel != CONTINUE and call.name == "run_terminal_command":
        return COMPLETED
    text = result.output
    if not text and result.failure is not None:
        text = failed(call.name, result.detail or result.failure, result.failure).output
    if not text and channel != CONTINUE:
        return NO_OUTPUT
    return text


def ask_live(backend: Backend, case: Case, channel: str, settings: Settings, profile: Profile) -> list[Reply]:
    """The replies of one live chain on one channel, each with its calls' results (Reply.tool_results)."""
    assert case.goals is not None
    messages = first_messages(case, channel, profile)
    tools = profile.native_tools(case.tools, case.custom) if channel != CONTINUE and case.tools else None
    budget = case.goals.budget_for(len(case.steps))
    canned = Canned(case)
    replies: list[Reply] = []
    made: list[ToolCall] = []
    with effect.place_for(case) as place:
        for number in range(1, budget + 1):
            reply = request(backend, messages, tools, number, channel, settings, profile)
            replies.append(reply)
            stream_error = any(not c.name and c.arguments is None for c in reply.tool_calls)
            calls = [c for c in reply.tool_calls if runs(c, channel)]
            if reply.error or stream_error or not calls:
                break  # (a stream error: Continue stops the reply and runs none of its calls)
            outputs, results = [], []
            for call in calls:
                result, source = run_call(call, case, place, canned)
                text = shown(call, result, channel, source)
                outputs.append(text)
                results.append(to_record(call.name, result, text, source))
            reply.tool_results = results
            made += calls
            if looping(made) or number == budget:
                break
            messages = messages + feed_back(reply, calls, outputs, channel, number, profile)
    return replies
