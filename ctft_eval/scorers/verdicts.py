"""Judging one reply against one expectation; shared by the single-step scorers and the chain."""

from __future__ import annotations

from ctft_eval.cases import Case, Expectation
from ctft_eval.channels import CONTINUE
from ctft_eval.continue_reading import difference
from ctft_eval.filecheck.checks import EDITS
from ctft_eval.matchers import MISSING
from ctft_eval.reply import CONTINUE_BLOCK, STRUCTURED, Reply, ToolCall
from ctft_eval.scorers import effect

_SOURCE_WORDS = {STRUCTURED: "a native tool call", CONTINUE_BLOCK: "a ```tool block", "text_json": "JSON in its text"}


def _snippet(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return (flat[:limit] + "…") if len(flat) > limit else flat


def selection(expect: Expectation, reply: Reply) -> tuple[str | None, str]:
    """(failure class or None, reason) for which tool the reply called. On the continue channel a
    failure's reason also says where Continue's reading differs from a lenient one (what the model
    may have meant), e.g. a call whose name is the whole rest of the TOOL_NAME line."""
    failure, reason = _selection(expect, reply)
    if failure and failure != "backend_error" and reply.channel == CONTINUE:
        why = difference(reply.text or "", reply.tool_calls)
        if why:
            reason = f"{reason}; {why}"
    return failure, reason


def _selection(expect: Expectation, reply: Reply) -> tuple[str | None, str]:
    if reply.error:
        return "backend_error", f"the request failed: {reply.error}"
    calls = reply.tool_calls
    if not expect.wants_call:
        if not calls:
            return None, "answered without a tool, as it should"
        return "unexpected_call", f"called {', '.join(c.name for c in calls)} although no tool was needed"
    if not calls:
        return "no_call", f"answered in text, expected a call to {expect.describe()}: {_snippet(reply.text)!r}"
    wanted = [c for c in calls if c.name in expect.tools]
    if not wanted:
        return "wrong_tool", f"called {', '.join(c.name for c in calls)}, expected {expect.describe()}"
    extra = [c.name for c in calls if c.name not in expect.tools]
    if extra:
        return "extra_call", f"called {wanted[0].name} but also {', '.join(extra)}"
    call = wanted[0]
    if reply.channel == CONTINUE and call.source != CONTINUE_BLOCK:
        return "wrong_format", (
            f"wrote the {call.name} call as {_SOURCE_WORDS.get(call.source, call.source)}; "
            "Continue only runs ```tool blocks on this channel"
        )
    if reply.channel != CONTINUE and call.source != STRUCTURED:
        return "call_in_text", (
            f"call in text: wrote the {call.name} call as {_SOURCE_WORDS.get(call.source, call.source)} "
            "instead of a native tool call, so Continue would not run it"
        )
    return None, f"called {call.name}"


def expected_call(expect: Expectation, reply: Reply) -> ToolCall | None:
    return next((c for c in reply.tool_calls if c.name in expect.tools), None)


NOT_RUN = "not_run"
"""argument_check's answer when the only calls to the expected tool are ones Continue would not run
(JSON written in the reply text on the native channel, anything but a ```tool block on the continue
channel): the arguments are not judged (the arguments dimension makes it not applicable)."""


def runs(call: ToolCall, channel: str) -> bool:
    """Whether Continue runs this call: native calls on the native channel, ```tool blocks on the
    continue channel."""
    return call.source == (CONTINUE_BLOCK if channel == CONTINUE else STRUCTURED)


def argument_check(expect: Expectation, reply: Reply, case: Case | None = None) -> tuple[str | None, str]:
    """(failure class or None, reason) for the arguments of the reply's calls to the expected tool.

    Continue runs every call of a reply, in order, so every call it would run is judged: the reply
    passes when one of them does what the case asks (by what it finds on the case's workspace where
    the case says what must be found, else by the argument matchers) and no call it runs finds what
    the case forbids. Where the case says what file must be written, the reply's edit calls run in
    order on one copy and the file they leave is judged."""
    if reply.error:
        return "backend_error", f"the request failed: {reply.error}"
    wanted = [c for c in reply.tool_calls if c.name in expect.tools]
    if not wanted:
        got = ", ".join(c.name for c in reply.tool_calls) or "no tool"
        return "no_call", f"no call to {expect.describe()} to check arguments of (called {got})"
    running = [c for c in wanted if runs(c, reply.channel)]
    if not running:
        how = _SOURCE_WORDS.get(wanted[0].source, wanted[0].source)
        return NOT_RUN, f"the {wanted[0].name} call is {how}, which Continue would not run: arguments not judged"
    if case is not None and case.workspace and expect.writes is not None:
        edits = [c for c in reply.tool_calls if c.name in EDITS and runs(c, reply.channel)]
        if any(c.arguments is None for c in edits):
            bad = next(c for c in edits if c.arguments is None)
            return "invalid_json", f"{bad.name} arguments do not parse: {bad.parse_error}"
        return effect.check_edits(case, expect, edits)
    verdicts = [_one_call(expect, c, case) for c in running]
    good = next((n for n, v in enumerate(verdicts) if v[0] is None), None)
    if good is None:
        return verdicts[0] if len(verdicts) == 1 else (verdicts[0][0], "; ".join(
            f"call {n}: {reason}" for n, (_, reason) in enumerate(verdicts, 1)))
    passing = verdicts[good]
    if case is not None and expect.must_not_find:
        for other in reply.tool_calls:
            if other is running[good] or not runs(other, reply.channel) or other.arguments is None:
                continue
            if effect.judged_by_effect(case, expect, other):
                result = effect.run(case, other)
                touched = [f.describe() for f in expect.must_not_find if effect.found(f, result)]
                if touched:
                    return effect.TOO_MUCH, f"another call ({other.name}) finds {', '.join(touched[:5])}"
    return passing


def call_matches(expect: Expectation, call: ToolCall) -> bool:
    """Whether the call is to one of the expected tools and its arguments pass the matchers (as
    Continue's tool receives them); nothing is run."""
    return call.name in expect.tools and _one_call(expect, call, None)[0] is None


def _one_call(expect: Expectation, call: ToolCall, case: Case | None) -> tuple[str | None, str]:
    if call.arguments is None:
        return "invalid_json", f"{call.name} arguments do not parse: {call.parse_error}"
    if case is not None:
        if effect.judged_by_effect(case, expect, call):
            return effect.check(case, expect, call)
        refusal = effect.refused(call) or (effect.check(case, expect, call) if effect.runs_here(case, call) else None)
        if refusal is not None and refusal[0] is not None:
            return refusal  # Continue answers with an error or a refusal: no matcher makes that right
    # Continue mode judges what the tool receives (ctft_eval.coercion): "10" is 10, defaults filled in.
    from ctft_eval.coercion import received
    from ctft_eval.scorers.judging import judging

    arguments = call.arguments if judging().schema == "strict" else received(call.name, call.arguments).arguments
    problems = []
    for name, matcher in expect.arguments.items():
        problem = matcher.check(arguments.get(name, MISSING))
        if problem and name in arguments and name not in call.arguments:
            problem += " (not sent, so Continue's default)"
        if problem:
            problems.append(f"{name}: {problem}")
    if problems:
        return "wrong_arguments", "; ".join(problems)
    checked = ", ".join(expect.arguments) or "no arguments checked"
    return None, f"{call.name}({checked}) as expected"
