"""Tools a suite declares beside Continue's built-ins: an MCP server's tools, say, as a captured
profile would list them. Declared once per suite file under `custom_tools:`, offered to every
case of that file, sent with their own schemas, and judged against them."""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator, SchemaError

from ctft_eval.catalog import TOOLS_BY_NAME

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
        try:
            Draft202012Validator.check_schema(parameters)
        except SchemaError as exc:
            raise fail(f"custom tool {name!r}: `parameters` is not a valid JSON schema: {exc.message}") from None
        description = function.get("description", "")
        if not isinstance(description, str):
            raise fail(f"custom tool {name!r}: `description` must be text")
        out[name] = {"type": "function", "function": {"name": name, "description": description,
                                                      "parameters": parameters}}
    return out


def param_names(schema: dict) -> set[str]:
    return set((schema["function"].get("parameters") or {}).get("properties") or {})


def problems(schema: dict, arguments: dict) -> list[str]:
    """What the tool's own schema rejects (an MCP server validates its arguments against it)."""
    validator = Draft202012Validator(schema["function"].get("parameters") or {})
    found = sorted(validator.iter_errors(arguments), key=lambda e: list(e.path))
    return [(".".join(str(p) for p in e.path) + ": " if e.path else "") + e.message for e in found[:3]]
