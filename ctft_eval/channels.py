"""The two ways Continue offers tools to a model.

native:   the request's `tools` field; the server returns structured tool calls.
continue: no `tools` field; Continue describes the tools in the system message and expects a
          ```tool block with TOOL_NAME / BEGIN_ARG / END_ARG in the reply text (what Continue does
          for model names it does not recognise as tool-capable, e.g. a fine-tune called
          continue-assistant without `capabilities: [tool_use]`).
auto:     the channel Continue itself would use for the provider and the model's name
          (ctft_eval.profile.native_tools_for).
"""

from __future__ import annotations

import json

from ctft_eval import continue_prompts as prompts
from ctft_eval.catalog import tool

NATIVE = "native"
CONTINUE = "continue"
CHANNELS = (NATIVE, CONTINUE)

def _example_call(name: str, arguments: list[tuple[str, str]]) -> str:
    lines = ["```tool", f"TOOL_NAME: {name}"]
    for key, value in arguments:
        lines += [f"BEGIN_ARG: {key}", value, "END_ARG"]
    return "\n".join([*lines, "```"])


def tool_definition(schema: dict) -> str:
    """A `tool_definition` block for a tool without a hand-written example (an OpenAI-style schema)."""
    function = schema.get("function", schema)
    lines = ["```tool_definition", f"TOOL_NAME: {function.get('name', '')}"]
    if function.get("description"):
        lines += ["TOOL_DESCRIPTION:", str(function["description"])]
    parameters = function.get("parameters") or {}
    required = set(parameters.get("required") or [])
    for key, spec in (parameters.get("properties") or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        lines.append(f"TOOL_ARG: {key} ({spec.get('type', 'string')}, {'required' if key in required else 'optional'})")
        if spec.get("description"):
            lines.append(str(spec["description"]))
        lines.append("END_ARG")
    return "\n".join([*lines, "```"])


def tool_instructions(names: tuple[str, ...] | list[str], schemas: dict[str, dict] | None = None) -> str:
    """The system-message text that describes the tools and the call format, as Continue lays it out
    (see ctft_eval.continue_prompts). `schemas` gives the schemas of tools outside the catalog."""
    schemas = schemas or {}
    with_example = [n for n in names if n in prompts.EXAMPLES]  # a built-in keeps its example
    others = [n for n in names if n not in with_example]
    parts = [prompts.TOOLS_TAG, prompts.PREAMBLE]
    if with_example:
        parts.append("\n" + prompts.WITH_EXAMPLES)
        for name in with_example:
            paragraph, arguments = prompts.EXAMPLES[name]
            parts.append("\n" + paragraph + "\n" + _example_call(name, arguments))
    if others:
        parts.append("\n" + prompts.WITH_DEFINITIONS)
        for name in others:
            parts.append("\n" + tool_definition(schemas.get(name) or tool(name).function_schema()))
        parts += ["\n" + prompts.MAPPING_INTRO + "\n", prompts.GENERIC_DEFINITION, "\n" + prompts.MAPPING_OUTRO + "\n",
                  prompts.GENERIC_CALL]
    parts += ["\n" + prompts.RULES, prompts.TOOLS_CLOSE]
    return "\n".join(parts)


def history_block(name: str, arguments: dict) -> str:
    """A call as Continue writes it back into the history: every value JSON-encoded (strings quoted,
    newlines escaped), as JavaScript's JSON.stringify writes it."""
    lines = ["```tool", f"TOOL_NAME: {name}"]
    for key, value in arguments.items():
        lines += [f"BEGIN_ARG: {key}", json.dumps(value, ensure_ascii=False, separators=(",", ":")), "END_ARG"]
    return "\n".join([*lines, "```"])
