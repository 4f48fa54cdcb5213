"""The two ways Continue offers tools to a model.

native:   the request's `tools` field; the server returns structured tool calls.
continue: no `tools` field; Continue describes the tools in the system message and expects a
          ```tool block with TOOL_NAME / BEGIN_ARG / END_ARG in the reply text (what Continue does
          for model names it does not recognise as tool-capable, e.g. a fine-tune called
          continue-assistant without `capabilities: [tool_use]`).
"""

from __future__ import annotations

import json

from ctft_eval.catalog import tool

NATIVE = "native"
CONTINUE = "continue"
CHANNELS = (NATIVE, CONTINUE)

_RULES = """\
You can call tools. To call one, end your reply with a tool block in exactly this form:

```tool
TOOL_NAME: <the tool's name>
BEGIN_ARG: <argument name>
<argument value>
END_ARG
```

Repeat the BEGIN_ARG / END_ARG lines for each argument and leave out optional ones you do not
need. Call at most one tool per reply; the tool block must be the last thing in the reply.
Do not use XML tags or JSON to call a tool. Answer without a tool when none is needed.
"""


def tool_instructions(names: tuple[str, ...] | list[str]) -> str:
    """The system-message text that describes the tools and the call format."""
    parts = ["<tool_use_instructions>", _RULES, "The tools:"]
    for name in names:
        t = tool(name)
        lines = ["```tool_definition", f"TOOL_NAME: {t.name}", f"TOOL_DESCRIPTION: {t.description}"]
        for p in t.params:
            need = "required" if p.required else "optional"
            lines.append(f"TOOL_ARG: {p.name} ({p.type}, {need})")
            lines.append(p.description)
            lines.append("END_TOOL_ARG")
        lines.append("```")
        parts.append("\n".join(lines))
    parts.append("</tool_use_instructions>")
    return "\n\n".join(parts)


def with_tool_instructions(messages: list[dict], names: tuple[str, ...] | list[str]) -> list[dict]:
    """Messages with the tool instructions appended to the system message (one is added if absent)."""
    text = tool_instructions(names)
    out = [dict(m) for m in messages]
    if out and out[0]["role"] == "system":
        out[0]["content"] = f"{out[0]['content']}\n\n{text}"
    else:
        out.insert(0, {"role": "system", "content": text})
    return out


def block_text(name: str, arguments: dict) -> str:
    """A call written in Continue's block format (how the assistant's earlier call reads in history)."""
    lines = ["```tool", f"TOOL_NAME: {name}"]
    for key, value in arguments.items():
        text = value if isinstance(value, str) else json.dumps(value)
        lines += [f"BEGIN_ARG: {key}", text, "END_ARG"]
    lines.append("```")
    return "\n".join(lines)
