"""Reading a dataset file and checking every example: JSON, structure, tool names, arguments, and that
the system message and tool list are what Continue sends (ctft_eval.profile) for the example's channel
and tool set; on the continue channel, that Continue reads every call turn as the intended call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from ctft_eval.catalog import TOOLS_BY_NAME, strict_schema
from ctft_eval.channels import CHANNELS, NATIVE, history_block
from ctft_eval.dataset.expected import (
    DATASET_TOOL_SETS,
    channel_of,
    native_tools,
    offered,
    result_of,
    system_message,
    tool_set_of,
)
from ctft_eval.parsing import calls_for_channel

ERROR_CLASSES = (
    "json_error",
    "structure",
    "invalid_tool_name",
    "missing_required",
    "invalid_arguments",
    "inconsistent_system_prompt",
    "inconsistent_tools",
    "unreadable_call",
)
"""inconsistent_system_prompt / inconsistent_tools: the system message / `tools` list is not what the
profile sends for the example's channel and tool set; unreadable_call: on the continue channel,
Continue does not read a call turn as exactly the one call written there."""


@dataclass(frozen=True)
class Problem:
    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.kind}: {self.message}"


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(strict_schema(name))


def argument_errors(name: str, arguments: Any) -> list[tuple[str, str]]:
    """How `arguments` fails the strict schema of the tool `name` (one of Continue's tools): a list of
    (error class, "tool.field: message"), the class being `missing_required` or `invalid_arguments`."""
    errors = []
    for error in _validator(name).iter_errors(arguments):
        kind = "missing_required" if error.validator == "required" else "invalid_arguments"
        path = ".".join(str(p) for p in error.path)
        errors.append((kind, f"{name}{'.' + path if path else ''}: {error.message}"))
    return errors


def read_lines(path: Path) -> list[tuple[int, str]]:
    with Path(path).open(encoding="utf-8") as fh:
        return [(n, line) for n, line in enumerate(fh, 1) if line.strip()]


def validate(path: Path) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Parse and check every example; returns the examples that parsed and every problem found."""
    examples: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for n, line in read_lines(path):
        try:
            example = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(n, "json_error", f"not valid JSON: {exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(example, dict):
            problems.append(Problem(n, "json_error", "a line must be one JSON object"))
            continue
        example["_line"] = n
        examples.append(example)
        problems += _check_example(n, example)
    return examples, sorted(problems, key=lambda p: p.line)


def _check_example(n: int, example: dict[str, Any]) -> list[Problem]:
    messages = example.get("messages")
    if not isinstance(messages, list) or not messages:
        return [Problem(n, "structure", "`messages` must be a non-empty list")]
    meta = example.get("meta")
    if meta is not None and not isinstance(meta, dict):
        return [Problem(n, "structure", "`meta` must be a mapping")]
    meta = meta or {}
    for key, known in (("channel", CHANNELS), ("tool_set", DATASET_TOOL_SETS)):
        if key in meta and meta[key] not in known:
            return [Problem(n, "structure", f"meta.{key} {meta[key]!r} is not one of {', '.join(known)}")]
    channel = channel_of(example)
    if channel == NATIVE and not isinstance(example.get("tools"), list):
        return [Problem(n, "structure", "`tools` must be a list of function schemas (a native-channel example)")]
    if channel != NATIVE and "tools" in example:
        return [Problem(n, "structure", "a continue-channel example has no `tools`: Continue describes the tools "
                                        "in the system message")]
    problems = _check_profile(n, example, channel)
    tool_set = tool_set_of(example)
    names = set(offered(tool_set)) if tool_set else set(TOOLS_BY_NAME)
    if not all(isinstance(m, dict) and m.get("role") in ("system", "user", "assistant", "tool") for m in messages):
        bad = next(i for i, m in enumerate(messages)
                   if not (isinstance(m, dict) and m.get("role") in ("system", "user", "assistant", "tool")))
        return [*problems, Problem(n, "structure", f"message {bad}: needs a role of system/user/assistant/tool")]
    problems += (_check_native if channel == NATIVE else _check_continue)(n, example, messages, names)
    if messages[-1].get("role") == "user":
        problems.append(Problem(n, "structure", "ends with a user message: nothing to learn"))
    return problems


def _check_profile(n: int, example: dict[str, Any], channel: str) -> list[Problem]:
    """The system message and tool list against what the profile sends for the channel and tool set."""
    messages = example["messages"]
    if not isinstance(messages[0], dict) or messages[0].get("role") != "system":
        return [Problem(n, "inconsistent_system_prompt", "the first message is not the system message")]
    tool_set = tool_set_of(example)
    where = f"the {channel} channel with the {tool_set} tools"
    if tool_set is None:
        what = "tool list" if channel == NATIVE else "system message"
        kind = "inconsistent_tools" if channel == NATIVE else "inconsistent_system_prompt"
        return [Problem(n, kind, f"the {what} is not what Continue sends on the {channel} channel with any tool set "
                                 f"({', '.join(DATASET_TOOL_SETS)})")]
    problems = []
    if messages[0].get("content") != system_message(channel, tool_set):
        problems.append(Problem(n, "inconsistent_system_prompt", f"differs from the system message Continue sends on "
                                                                 f"{where} (ctft_eval.profile)"))
    if channel == NATIVE and example.get("tools") != native_tools(tool_set):
        problems.append(Problem(n, "inconsistent_tools", f"`tools` differs from the tool list Continue sends on "
                                                         f"{where}"))
    return problems


def _check_native(n: int, example: dict[str, Any], messages: list[dict], names: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    tools = example["tools"]
    offered_here = {t.get("function", {}).get("name") for t in tools if isinstance(t, dict)} & names
    pending: dict[str, str] = {}
    for i, m in enumerate(messages):
        where = f"message {i}"
        if m["role"] == "tool":
            call_id = m.get("tool_call_id")
            if call_id not in pending:
                problems.append(Problem(n, "structure", f"{where}: tool result answers no earlier call ({call_id!r})"))
            pending.pop(call_id, None)
            continue
        for c, call in enumerate(m.get("tool_calls") or []):
            problems += _check_call(n, f"{where} call {c}", call, offered_here)
            if isinstance(call, dict):
                pending[call.get("id")] = call.get("function", {}).get("name")
    return problems


def _check_continue(n: int, example: dict[str, Any], messages: list[dict], names: set[str]) -> list[Problem]:
    """Each call turn holds one call that Continue reads as written, and the next message is its result
    as Continue sends it back; no structured calls, no `tool` messages; the answer holds no call."""
    problems: list[Problem] = []
    intended = (example.get("meta") or {}).get("tools")
    read: list[str] = []
    expecting: str | None = None  # the tool whose result must come next
    for i, m in enumerate(messages[1:], 1):
        where = f"message {i}"
        if m["role"] == "tool" or m.get("tool_calls"):
            problems.append(Problem(n, "structure", f"{where}: a continue-channel example has no structured calls or "
                                                    "`tool` messages"))
            continue
        result = result_of(m.get("content")) if m["role"] == "user" else None
        if expecting is not None:
            if result is None or result[0] != expecting:
                problems.append(Problem(n, "structure", f"{where}: the result of the {expecting} call must come next, "
                                                        f"as a user message 'Tool output for {expecting} tool call:' "
                                                        "and a blank line"))
            elif not result[1]:
                problems.append(Problem(n, "structure", f"{where}: the {expecting} result is empty"))
            expecting = None
            continue
        if result is not None:
            problems.append(Problem(n, "structure", f"{where}: a tool result that answers no call"))
            continue
        if m["role"] != "assistant":
            continue
        text = str(m.get("content") or "")
        calls = calls_for_channel(text, "continue")
        if not calls:
            continue
        if i == len(messages) - 1:
            problems.append(Problem(n, "unreadable_call", f"{where}: the final answer holds a call Continue would run "
                                                          f"({calls[0].name})"))
            continue
        expecting = calls[0].name
        read.append(calls[0].name)
        problems += _check_block(n, where, text, calls, names)
    if expecting is not None:
        problems.append(Problem(n, "structure", f"the last {expecting} call has no result"))
    if isinstance(intended, list) and read != intended:
        problems.append(Problem(n, "unreadable_call", f"Continue reads the calls {read}, meta.tools says {intended}"))
    return problems


def _check_block(n: int, where: str, text: str, calls: list, names: set[str]) -> list[Problem]:
    if len(calls) != 1:
        return [Problem(n, "unreadable_call", f"{where}: Continue reads {len(calls)} calls "
                                              f"({', '.join(c.name for c in calls)}); a call turn holds one")]
    call = calls[0]
    if call.name not in TOOLS_BY_NAME:
        return [Problem(n, "invalid_tool_name", f"{where}: {call.name!r} is not one of Continue's tools")]
    if call.name not in names:
        return [Problem(n, "invalid_tool_name", f"{where}: {call.name!r} is not among the example's tools")]
    if call.arguments is None or call.parse_error:
        return [Problem(n, "unreadable_call", f"{where}: Continue cannot read the arguments of {call.name}: "
                                              f"{call.parse_error or 'not an object'}")]
    if not text.endswith("\n" + history_block(call.name, call.arguments)):
        return [Problem(n, "unreadable_call", f"{where}: the turn does not end with the block Continue would write "
                                              f"back for the call it reads ({call.name} {call.raw_arguments[:80]}): "
                                              "text, a newline, then the block with every value JSON-encoded")]
    return [Problem(n, kind, f"{where}: {message}") for kind, message in argument_errors(call.name, call.arguments)]


def _check_call(n: int, where: str, call: Any, offered: set[str]) -> list[Problem]:
    if not isinstance(call, dict) or not isinstance(call.get("function"), dict):
        return [Problem(n, "structure", f"{where}: a tool call is {{id, type, function: {{name, arguments}}}}")]
    name, args = call["function"].get("name"), call["function"].get("arguments")
    if name not in TOOLS_BY_NAME:
        return [Problem(n, "invalid_tool_name", f"{where}: {name!r} is not one of Continue's tools")]
    if name not in offered:
        return [Problem(n, "invalid_tool_name", f"{where}: {name!r} is not among the example's tools")]
    if not isinstance(args, dict):
        kind = "a JSON string" if isinstance(args, str) else type(args).__name__
        return [Problem(n, "invalid_arguments", f"{where}: {name} arguments are {kind}, not an object")]
    return [Problem(n, kind, f"{where}: {message}") for kind, message in argument_errors(name, args)]
