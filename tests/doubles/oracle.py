"""A scripted model that knows the suites' answers: right by default, wrong in chosen ways.

It finds the case by the request's last original user message, counts the tool results already in
the conversation to know the chain step, and answers natively (when the request carries `tools`)
or in Continue's ```tool block (when it does not).

Its answers are built apart from the code they check: the expected tools and argument matchers are
read from the suite file with PyYAML (not through ctft_eval's suite loader and matchers), a value
that matches is made here, and a call in text is written by the tests' own writer (doubles.blocks).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from doubles.blocks import block_text
from doubles.scripted import Call, Scripted
from hypothesis import Phase, find, settings
from hypothesis import strategies as st

from ctft_eval.cases import Case, load_suite
from ctft_eval.catalog import Param, tool

# Mistakes a case can be given: how the oracle goes wrong on it.
MISTAKES = ("wrong_tool", "no_call", "call_in_text", "bad_json", "wrong_argument", "unexpected_call", "slow",
            "server_error")
DEFAULTS = {"string": "x", "number": 1, "integer": 1, "boolean": True, "array": []}


def load_cases(paths: list[Path]) -> list[Case]:
    return [c for p in paths for c in load_suite(p).cases]


@cache
def raw_steps(file: str) -> dict[str, list[dict[str, Any]]]:
    """case id -> each step's {tool, arguments, example} as the suite file writes them (a single-step case: one)."""
    data = yaml.safe_load(Path(file).read_text(encoding="utf-8"))
    return {raw["id"]: [{"tool": s.get("tool"), "arguments": s.get("arguments") or {}, "example": s.get("example")}
                        for s in (raw.get("steps") or [raw])] for raw in data["cases"]}


def tool_of(step: dict[str, Any]) -> str | None:
    """The first acceptable tool of a raw step; None when it expects no call."""
    named = step["tool"]
    if named is None or named == "none":
        return None
    return named if isinstance(named, str) else named[0]


def example_value(spec: Any, json_type: str) -> Any:
    """A value the suite's matcher spec accepts (a plain value is matched exactly)."""
    if not isinstance(spec, dict):
        return DEFAULTS.get(json_type, "x") if spec is None else spec
    ((kind, expected),) = spec.items()
    values = expected if isinstance(expected, list) else [expected]
    if kind == "exact" and expected is not None:
        return expected
    if kind in ("one_of", "path", "glob", "command"):
        return values[0]
    if kind == "contains":
        return " ".join(str(v) for v in values)
    if kind == "regex":
        return regex_example(values[0])
    if kind == "runs":
        commands = expected["command"] if isinstance(expected["command"], list) else [expected["command"]]
        needs = expected.get("needs") or []
        return " ".join([commands[0], *(needs[:1] if isinstance(needs, list) else [needs])])
    return DEFAULTS.get(json_type, "x")  # any (and an exact null)


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


def ideal_arguments(step: dict[str, Any], custom: dict[str, dict] | None = None) -> dict[str, Any]:
    if isinstance(step.get("example"), dict):  # the suite's own right call (where matchers show none)
        return dict(step["example"])
    wanted = step["arguments"]
    out: dict[str, Any] = {}
    for param in _params(tool_of(step) or "", custom or {}):
        spec = wanted.get(param.name)
        if isinstance(spec, dict) and "absent" in spec:
            continue
        if param.name not in wanted and not param.required:
            continue
        out[param.name] = example_value(spec, param.type)
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
        steps = raw_steps(case.file)[case.id]
        done = sum(1 for m in messages if m.get("role") == "tool" or _is_result(m))
        if done >= len(steps):  # (a live chain after its last step: the final answer)
            return Scripted(content=case.example_answer or "Done.")
        step = steps[done]
        name = tool_of(step)
        mistake = self.mistakes.get(case.id)
        if mistake == "server_error":
            return Scripted(status=500, error="an error was encountered while running the model")
        if mistake == "slow":
            return self._answer(step, native, delay=self.slow_seconds, custom=case.custom)
        if mistake == "unexpected_call" and name is None:
            return self._call("read_file", {"filepath": "README.md"}, native)
        if name is None:
            return Scripted(content="Here is a short answer, no tool needed.")
        args = ideal_arguments(step, case.custom)
        if mistake == "no_call":
            return Scripted(content="You could look at the file yourself.")
        if mistake == "wrong_tool":
            return self._call("ls" if name != "ls" else "view_diff", {} if name == "ls" else {"dirPath": "."}, native)
        if mistake == "call_in_text":
            return Scripted(content=json.dumps({"name": name, "arguments": args}))
        if mistake == "bad_json":
            return Scripted(content=f'<tool_call>{{"name": "{name}", "arguments": {{"broken": </tool_call>')
        if mistake == "wrong_argument":
            first = next(iter(step["arguments"]), None)
            if first is not None:
                args[first] = "zz-definitely-wrong-zz"
        return self._call(name, args, native)

    def _answer(self, step: dict[str, Any], native: bool, delay: float, custom: dict | None = None) -> Scripted:
        name = tool_of(step)
        if name is None:
            return Scripted(content="Short answer.", delay=delay)
        scripted = self._call(name, ideal_arguments(step, custom), native)
        scripted.delay = delay
        return scripted

    @staticmethod
    def _call(name: str, args: dict[str, Any], native: bool) -> Scripted:
        if native:
            return Scripted(calls=[Call(name, args)])
        return Scripted(content=f"Let me do that.\n\n{block_text(name, args)}")
