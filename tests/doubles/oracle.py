"""A scripted model that knows the suites' answers: right by default, wrong in chosen ways.

It finds the case by the request's last original user message, counts the tool results already in
the conversation to know the chain step, and answers natively (when the request carries `tools`)
or in Continue's ```tool block (when it does not).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from doubles.scripted import Call, Scripted
from hypothesis import Phase, find, settings
from hypothesis import strategies as st

from ctft_eval.cases import Case, Expectation, load_suite
from ctft_eval.catalog import Param, tool
from ctft_eval.channels import block_text

# Mistakes a case can be given: how the oracle goes wrong on it.
MISTAKES = ("wrong_tool", "no_call", "call_in_text", "bad_json", "wrong_argument", "unexpected_call", "slow",
            "server_error")


def load_cases(paths: list[Path]) -> list[Case]:
    return [c for p in paths for c in load_suite(p).cases]


def example_value(matcher: Any, json_type: str) -> Any:
    value = matcher.example() if matcher is not None else None
    if value is not None:
        return value
    if matcher is not None and matcher.kind == "regex":
        return regex_example(matcher.expected[0])
    return {"string": "x", "number": 1, "boolean": True, "array": []}.get(json_type, "x")


@cache
def regex_example(pattern: str) -> str:
    """Some text the pattern matches (the first one generated; no shrinking, no example database)."""
    quick = settings(database=None, max_examples=50, phases=[Phase.generate], deadline=None)
    return find(st.from_regex(pattern), lambda s: "\n" not in s, settings=quick)


def _params(name: str, custom: dict[str, dict]) -> list[Param]:
    if name not in custom:
        return list(tool(name).params)
    parameters = custom[name]["function"].get("parameters") or {}
    required = set(parameters.get("required") or [])
    return [Param(key, spec.get("type", "string"), "", key in required)
            for key, spec in (parameters.get("properties") or {}).items()]


def ideal_arguments(expect: Expectation, custom: dict[str, dict] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for param in _params(expect.tools[0], custom or {}):
        matcher = expect.arguments.get(param.name)
        if matcher is not None and matcher.kind == "absent":
            continue
        if matcher is None and not param.required:
            continue
        out[param.name] = example_value(matcher, param.type)
    # what Continue's edit tools refuse although the schema allows it: a replacement that changes
    # nothing, an empty list of edits
    if out.get("old_string") == out.get("new_string") and "new_string" in out:
        out["new_string"] = f"{out['new_string']} (changed)"
    if out.get("edits") == []:
        out["edits"] = [{"old_string": "a", "new_string": "b"}]
    return out


def _is_result(message: dict[str, Any]) -> bool:
    """A tool result fed back as a user message (Continue's system-message tools)."""
    return message.get("role") == "user" and str(message.get("content", "")).startswith("Tool output for ")


class Oracle:
    def __init__(self, cases: list[Case], mistakes: dict[str, str] | None = None, slow_seconds: float = 0.3):
        self.by_prompt = {c.prompt: c for c in cases}
        self.mistakes = mistakes or {}
        self.slow_seconds = slow_seconds

    def __call__(self, request: dict[str, Any]) -> Scripted:
        messages = request.get("messages") or []
        native = bool(request.get("tools"))
        users = [m for m in messages if m.get("role") == "user" and not _is_result(m)]
        case = self.by_prompt.get(users[-1]["content"]) if users else None
        if case is None:
            return Scripted(content="I do not know this conversation.")
        step = sum(1 for m in messages if m.get("role") == "tool" or _is_result(m))
        expect = case.steps[step].expect if case.is_chain else case.expect
        assert expect is not None
        mistake = self.mistakes.get(case.id)
        if mistake == "server_error":
            return Scripted(status=500, error="an error was encountered while running the model")
        if mistake == "slow":
            return self._answer(expect, native, delay=self.slow_seconds, custom=case.custom)
        if mistake == "unexpected_call" and not expect.wants_call:
            return self._call("read_file", {"filepath": "README.md"}, native)
        if not expect.wants_call:
            return Scripted(content="Here is a short answer, no tool needed.")
        args = ideal_arguments(expect, case.custom)
        name = expect.tools[0]
        if mistake == "no_call":
            return Scripted(content="You could look at the file yourself.")
        if mistake == "wrong_tool":
            return self._call("ls" if name != "ls" else "view_diff", {} if name == "ls" else {"dirPath": "."}, native)
        if mistake == "call_in_text":
            return Scripted(content=json.dumps({"name": name, "arguments": args}))
        if mistake == "bad_json":
            return Scripted(content=f'<tool_call>{{"name": "{name}", "arguments": {{"broken": </tool_call>')
        if mistake == "wrong_argument":
            first = next(iter(expect.arguments), None)
            if first is not None:
                args[first] = "zz-definitely-wrong-zz"
        return self._call(name, args, native)

    def _answer(self, expect: Expectation, native: bool, delay: float, custom: dict | None = None) -> Scripted:
        if not expect.wants_call:
            return Scripted(content="Short answer.", delay=delay)
        scripted = self._call(expect.tools[0], ideal_arguments(expect, custom), native)
        scripted.delay = delay
        return scripted

    @staticmethod
    def _call(name: str, args: dict[str, Any], native: bool) -> Scripted:
        if native:
            return Scripted(calls=[Call(name, args)])
        return Scripted(content=f"Let me do that.\n\n{block_text(name, args)}")
