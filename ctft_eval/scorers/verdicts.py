"""Judging one reply against one expectation; shared by the single-step scorers and the chain."""

from __future__ import annotations

from ctft_eval.cases import Expectation
from ctft_eval.channels import CONTINUE
from ctft_eval.continue_reading import difference
from ctft_eval.matchers import MISSING
from ctft_eval.reply import CONTINUE_BLOCK, STRUCTURED, Reply, ToolCall

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


def argument_check(expect: Expectation, reply: Reply) -> tuple[str | None, str]:
    """(failure class or None, reason) for the arguments of the expected call."""
    if reply.error:
        return "backend_error", f"the request failed: {reply.error}"
    call = expected_call(expect, reply)
    if call is None:
        got = ", ".join(c.name for c in reply.tool_calls) or "no tool"
        return "no_call", f"no call to {expect.describe()} to check arguments of (called {got})"
    if call.arguments is None:
        return "invalid_json", f"{call.name} arguments do not parse: {call.parse_error}"
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
