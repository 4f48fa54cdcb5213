"""Reading a dataset file and checking every example: JSON, structure, tool names, arguments, system prompt."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from ctft_eval.catalog import TOOLS_BY_NAME, strict_schema

ERROR_CLASSES = (
    "json_error",
    "structure",
    "invalid_tool_name",
    "missing_required",
    "invalid_arguments",
    "inconsistent_system_prompt",
)


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
    systems: Counter[str] = Counter()
    system_lines: dict[str, list[int]] = defaultdict(list)
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
        messages = example.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            if messages[0].get("role") == "system":
                text = str(messages[0].get("content"))
                systems[text] += 1
                system_lines[text].append(n)
    if len(systems) > 1:
        usual, _ = systems.most_common(1)[0]
        for text, lines in system_lines.items():
            if text != usual:
                for n in lines:
                    problems.append(Problem(n, "inconsistent_system_prompt", "differs from the system prompt of the "
                                            f"other {systems[usual]} examples"))
    return examples, sorted(problems, key=lambda p: p.line)


def _check_example(n: int, example: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    messages, tools = example.get("messages"), example.get("tools")
    if not isinstance(messages, list) or not messages:
        return [Problem(n, "structure", "`messages` must be a non-empty list")]
    if not isinstance(tools, list):
        return [Problem(n, "structure", "`tools` must be a list of function schemas")]
    offered = {t.get("function", {}).get("name") for t in tools if isinstance(t, dict)}
    if messages[0].get("role") != "system":
        problems.append(Problem(n, "inconsistent_system_prompt", "the first message is not the system prompt"))
    pending: dict[str, str] = {}
    for i, m in enumerate(messages):
        where = f"message {i}"
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant", "tool"):
            problems.append(Problem(n, "structure", f"{where}: needs a role of system/user/assistant/tool"))
            continue
        if m["role"] == "tool":
            call_id = m.get("tool_call_id")
            if call_id not in pending:
                problems.append(Problem(n, "structure", f"{where}: tool result answers no earlier call ({call_id!r})"))
            pending.pop(call_id, None)
            continue
        for c, call in enumerate(m.get("tool_calls") or []):
            problems += _check_call(n, f"{where} call {c}", call, offered)
            if isinstance(call, dict):
                pending[call.get("id")] = call.get("function", {}).get("name")
    if messages[-1].get("role") == "user":
        problems.append(Problem(n, "structure", "ends with a user message: nothing to learn"))
    return problems


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
