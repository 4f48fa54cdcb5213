"""What Continue sends for an example: its channel, its tool set, and the system message and tool list
the profile (ctft_eval.profile) gives that pair; how a continue-channel example writes calls and results.

An example's `meta` names its `channel` ("native" | "continue") and `tool_set` ("default" |
"experimental"). Without `meta` (the split files mlx-lm reads) both are read from the example itself:
a native example carries `tools`, a continue one does not; the tool set is the one whose tool list
(native) or system message (continue) the example holds.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ctft_eval.channels import CHANNELS, CONTINUE, NATIVE
from ctft_eval.parsing import calls_for_channel
from ctft_eval.profile import builtin
from ctft_eval.reply import ToolCall

DATASET_TOOL_SETS = ("default", "experimental")
"""The tool sets a dataset example is rendered with (ctft_eval.profile.TOOL_SETS less "all")."""
RESULT_START = "Tool output for {name} tool call:\n\n"
"""How a tool result starts on the continue channel: a user message (Continue's convertSystemTools.ts)."""


def result_message(name: str, result: str) -> str:
    """A tool's result as the user message Continue sends back on the continue channel."""
    return RESULT_START.format(name=name) + result


def result_of(content: Any) -> tuple[str, str] | None:
    """(tool name, result) of a continue-channel result message, or None when `content` is not one."""
    if not isinstance(content, str) or not content.startswith("Tool output for "):
        return None
    head, sep, result = content.partition(" tool call:\n\n")
    if not sep:
        return None
    return head[len("Tool output for "):], result


@cache
def system_message(channel: str, tool_set: str) -> str:
    profile = builtin(tools=tool_set)
    return profile.system_message(channel, profile.tools)


@cache
def _native_tools(tool_set: str) -> tuple[dict, ...]:
    profile = builtin(tools=tool_set)
    return tuple(profile.native_tools(profile.tools))


def native_tools(tool_set: str) -> list[dict]:
    """The `tools` list the profile sends on the native channel for the tool set."""
    return list(_native_tools(tool_set))


def offered(tool_set: str) -> tuple[str, ...]:
    return builtin(tools=tool_set).tools


def channel_of(example: dict[str, Any]) -> str:
    """The example's channel: `meta.channel`, else native when it carries `tools`."""
    meta = example.get("meta") if isinstance(example.get("meta"), dict) else {}
    if meta.get("channel") in CHANNELS:
        return meta["channel"]
    return NATIVE if "tools" in example else CONTINUE


def tool_set_of(example: dict[str, Any]) -> str | None:
    """The example's tool set: `meta.tool_set`, else the set whose tools (native) or system message
    (continue) the example holds; None when it holds neither's."""
    meta = example.get("meta") if isinstance(example.get("meta"), dict) else {}
    if meta.get("tool_set") in DATASET_TOOL_SETS:
        return meta["tool_set"]
    channel = channel_of(example)
    for name in DATASET_TOOL_SETS:
        if channel == NATIVE and example.get("tools") == native_tools(name):
            return name
        if channel == CONTINUE and _system_text(example) == system_message(CONTINUE, name):
            return name
    return None


def _system_text(example: dict[str, Any]) -> Any:
    messages = example.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        return messages[0].get("content")
    return None


def continue_calls(example: dict[str, Any]) -> list[ToolCall]:
    """The calls of a continue-channel example, as Continue reads its assistant messages."""
    return [call for m in example.get("messages") or [] if isinstance(m, dict) and m.get("role") == "assistant"
            for call in calls_for_channel(str(m.get("content") or ""), CONTINUE)]
