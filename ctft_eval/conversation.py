"""Ask a backend one case on one channel: a single request, or a chain replayed step by step, each
request built as Continue builds it (ctft_eval.profile).

Nothing the model proposes is executed: a chain's tool results are the canned texts the case
supplies, fed back in order, in the shape Continue feeds results back:
- native channel: the assistant's calls as structured tool_calls, each result a `tool` message;
  the ollama provider sends no `tools` after a tool result, the openai provider sends them again
  with parallel_tool_calls false (core/llm/llms/Ollama.ts, OpenAI.ts);
- continue channel: the assistant's turn is its text outside the call plus the call rewritten with
  every value JSON-encoded, and the results go back in one user message, each starting
  "Tool output for NAME tool call:" and a blank line
  (core/tools/systemMessageTools/convertSystemTools.ts, toolCodeblocks/index.ts).
"""

from __future__ import annotations

import re
from typing import Any

from ctft_eval.backends import Backend
from ctft_eval.cases import Case
from ctft_eval.channels import CONTINUE, history_block
from ctft_eval.parsing import calls_for_channel
from ctft_eval.profile import Profile, builtin
from ctft_eval.reply import Reply, ToolCall
from ctft_eval.settings import Settings

NOT_RUN = "(not run: this evaluation answers one tool call per turn)"
_CALL_START = re.compile(r"```tool[ \t]*(?:\n|$)|^[ \t]*tool_name:", re.I | re.M)


def first_messages(case: Case, channel: str, profile: Profile) -> list[dict]:
    """The first request's messages: Continue's system message (the case's own system text
    appended as the user's rules), then the conversation."""
    messages = [dict(m) for m in case.messages]
    rules = messages.pop(0)["content"] if messages and messages[0]["role"] == "system" else None
    return [{"role": "system", "content": profile.system_message(channel, case.tools, rules, case.custom)}, *messages]


def request(backend: Backend, messages: list[dict], tools: list[dict] | None, number: int, channel: str,
            settings: Settings, profile: Profile) -> Reply:
    """Request `number` of a conversation as Continue sends it (tools or not, parallel_tool_calls),
    its reply's calls read as Continue reads them on the channel."""
    sent = tools if profile.tools_for_step(number) else None
    options: dict[str, Any] = {}
    if sent and profile.parallel_tool_calls is not None:
        options["parallel_tool_calls"] = profile.parallel_tool_calls
    reply = backend.chat(messages, sent, settings, **options)
    reply.channel, reply.tools_sent = channel, bool(sent)
    if not reply.tool_calls and not reply.error:
        reply.tool_calls = calls_for_channel(reply.text, channel)
    return reply


def ask(backend: Backend, case: Case, channel: str, settings: Settings, profile: Profile | None = None) -> list[Reply]:
    """The replies of one case: one per step reached (one for a single-step case)."""
    profile = profile or builtin()
    messages = first_messages(case, channel, profile)
    tools = profile.native_tools(case.tools, case.custom) if channel != CONTINUE and case.tools else None
    replies: list[Reply] = []
    steps = case.steps or (None,)
    for number, step in enumerate(steps, 1):
        reply = request(backend, messages, tools, number, channel, settings, profile)
        replies.append(reply)
        stream_error = any(not c.name and c.arguments is None for c in reply.tool_calls)
        if step is None or number == len(steps) or reply.error or not reply.tool_calls or stream_error:
            break  # (a stream error: Continue stops the reply and runs none of its calls)
        messages = messages + feed_back_canned(reply, step.result, channel, number, profile)  # a new list
    return replies


def outside_calls(text: str) -> str:
    """The reply's text before its first call block: what Continue keeps as the message's text."""
    match = _CALL_START.search(text)
    return (text[: match.start()] if match else text).rstrip()


def feed_back_canned(reply: Reply, result: str, channel: str, step: int, profile: Profile) -> list[dict]:
    """A canned chain's history: the step's canned result answers the reply's first call, the others
    are not run."""
    outputs = [result if i == 0 else NOT_RUN for i in range(len(reply.tool_calls))]
    return feed_back(reply, reply.tool_calls, outputs, channel, step, profile)


def feed_back(reply: Reply, calls: list[ToolCall], outputs: list[str], channel: str, step: int,
              profile: Profile) -> list[dict]:
    """The assistant's calls and their outputs (one per call, in order), as the next request's history."""
    if channel == CONTINUE:
        blocks = [history_block(c.name, c.arguments or {}) for c in calls]
        shown = [f"Tool output for {c.name} tool call:\n\n{output}" for c, output in zip(calls, outputs, strict=True)]
        return [
            {"role": "assistant", "content": "\n".join([outside_calls(reply.text), *blocks])},
            {"role": "user", "content": "\n".join(shown)},
        ]
    ids = [f"call_{step}_{i}" for i in range(len(calls))]
    content = reply.text
    if profile.provider == "openai" and not content:
        content = " "  # Continue's OpenAI adapter never sends an empty assistant content
    out: list[dict] = [{"role": "assistant", "content": content,
                        "tool_calls": [_history_call(ids[i], c) for i, c in enumerate(calls)]}]
    # Continue's Ollama adapter sends a result as role and content only; the OpenAI wire format
    # adds its tool_call_id (the backends write the wire shape)
    out += [{"role": "tool", "content": output, "tool_call_id": ids[i]} for i, output in enumerate(outputs)]
    return out


def _history_call(call_id: str, call: ToolCall) -> dict:
    return {"id": call_id, "name": call.name, "arguments": call.arguments or {}}
