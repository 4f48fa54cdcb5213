"""Tools a suite declares beside Continue's built-ins: an MCP server's tools, say, as a captured
profile would list them. Declared once per suite file under `custom_tools:`, offered to every
case of that file, sent with their own schemas, and judged against them."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator, SchemaError

from ctft_eval.catalog import TOOLS_BY_NAME
from ctft_eval.safe_regex import regex_problem
from ctft_eval.suite_fields import short

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


def parse(raw: Any, fail) -> dict[str, dict]:
    """name -> OpenAI-style function schema. Each entry is such a schema ({type: function,
    function: {...}}) or its inner {name, description, parameters}; `fail(message)` makes the error."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise fail("`custom_tools` must be a list of tool schemas")
    out: dict[str, dict] = {}
    for n, entry in enumerate(raw, 1):
        function = entry.get("function", entry) if isinstance(entry, dict) else None
        if not isinstance(function, dict):
            raise fail(f"custom tool {n} must be a mapping with name, description and parameters")
        name = function.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise fail(f"custom tool {n} needs a `name` (letters, digits, _ . -; up to 64)")
        if name in TOOLS_BY_NAME or name in out:
            raise fail(f"custom tool {name!r} is already a tool")
        parameters = function.get("parameters", {"type": "object", "properties": {}})
        if not isinstance(parameters, dict) or not isinstance(parameters.get("properties", {}), dict):
            raise fail(f"custom tool {name!r}: `parameters` must be a JSON schema object with `properties`")
        problem = _schema_problem(parameters)
        if problem:
            raise fail(f"custom tool {name!r}: {problem}")
        description = function.get("description", "")
        if not isinstance(description, str):
            raise fail(f"custom tool {name!r}: `description` must be text")
        out[name] = {"type": "function", "function": {"name": name, "description": description,
                                                      "parameters": parameters}}
    return out


def _schema_problem(parameters: dict) -> str | None:
    """Why a tool's parameters schema cannot judge arguments here (None: it can). Beyond the meta-schema:
    its regexes within safe_regex's bounds, and every `$ref` local (no fetching) and resolving."""
    stack: list[Any] = [parameters]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if key in ("$id", "$dynamicRef", "$dynamicAnchor") and isinstance(value, str):
                return f"`{key}` is not supported in `parameters` (only local `$ref`s)"
            if key == "$ref" and isinstance(value, str):
                if not value.startswith("#"):
                    return f"only local `$ref`s (#/...) are supported, got {short(value)}"
                if not _resolves(parameters, value[1:]):
                    return f"`$ref` {short(value)} points at nothing in `parameters`"
            patterns = [value] if key == "pattern" else list(value) if key == "patternProperties" else []
            for pattern in patterns:
                reason = regex_problem(pattern) if isinstance(pattern, str) else None
                if reason:
                    return f"bad regex {short(pattern)} in `parameters`: {reason}"
            stack.append(value)
    try:
        Draft202012Validator.check_schema(parameters)
        Draft202012Validator(parameters).is_valid({})
    except SchemaError as exc:
        return f"`parameters` is not a valid JSON schema: {short(exc.message)}"
    except Exception as exc:  # the schema is suite input: any way it fails is its error, never a crash
        return f"`parameters` cannot be used to validate arguments: {short(exc)}"
    return None


def _resolves(root: Any, pointer: str) -> bool:
    if pointer and not pointer.startswith("/"):
        return False  # a plain-name fragment (#name) needs an $anchor; not supported
    node = root
    for part in pointer.split("/")[1:]:
        part = unquote(part).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def param_names(schema: dict) -> set[str]:
    return set((schema["function"].get("parameters") or {}).get("properties") or {})


def problems(schema: dict, arguments: dict) -> list[str]:
    """What the tool's own schema rejects (an MCP server validates its arguments against it)."""
    validator = Draft202012Validator(schema["function"].get("parameters") or {})
    try:
        found = sorted(validator.iter_errors(arguments), key=lambda e: [str(p) for p in e.path])
    except (RecursionError, ValueError, TypeError, OverflowError) as exc:  # a reply too deep for the schema, say
        return [f"the tool's schema could not judge these arguments: {short(exc)}"]
    return [(".".join(str(p) for p in e.path) + ": " if e.path else "") + e.message for e in found[:3]]
