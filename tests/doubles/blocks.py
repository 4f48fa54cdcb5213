"""A call written the way a model writes one in Continue's system-message format: a ```tool block with
TOOL_NAME, then BEGIN_ARG / value / END_ARG per argument (strings as they are, other values as
JSON). Written here, apart from ctft_eval, so that a scripted model's text does not share a bug
with the parser and the history writer it is used to check."""

from __future__ import annotations

import json
from typing import Any


def block_text(name: str, arguments: dict[str, Any]) -> str:
    out = "```tool\nTOOL_NAME: " + name + "\n"
    for key, value in arguments.items():
        shown = value if isinstance(value, str) else json.dumps(value)
        out += f"BEGIN_ARG: {key}\n{shown}\nEND_ARG\n"
    return out + "```"
