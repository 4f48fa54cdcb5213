"""Ask a backend one case on one channel: a single request, or a chain replayed step by step.

Nothing the model proposes is executed: a chain's tool results are the canned texts the case
supplies, fed back in order.
"""

from __future__ import annotations

from ctft_eval.backends import Backend
from ctft_eval.cases import Case
from ctft_eval.catalog import function_schemas
from ctft_eval.channels import CONTINUE, block_text, with_tool_instructions
from ctft_eval.parsing import calls_for_channel
from ctft_eval.reply import Reply
from ctft_eval.settings import Settings

NOT_RUN = "(not run: this evaluation answers one tool call per turn)"


def ask(backend: Backend, case: Case, channel: str, settings: Settings) -> list[Reply]:
    """The replies of one case: one per step reached (one for a single-step case)."""
    messages = [dict(m) for m in case.messages]
    tools: list[dict] | None = function_schemas(case.tools)
    if channel == CONTINUE:
        messages = with_tool_instructions(messages, case.tools)
        tools = None
    replies: list[Reply] = []
    steps = case.steps or (None,)
    for number, step in enumerate(steps, 1):
        reply = backend.chat(messages, tools, settings)
        reply.channel = channel
        if not reply.tool_calls and not reply.error:
            reply.tool_calls = calls_for_channel(reply.text, channel)
        replies.append(reply)
        if step is None or number == len(steps) or reply.error or not reply.tool_calls:
            break
        messages = messages + _feed_back(reply, step.result, channel, number)  # a new list: the sent one stays
    return replies


def _feed_back(reply: Reply, result: str, channel: str, step: int) -> list[dict]:
    """The assistant's calls and the canned results, as the next request's history."""
    calls = reply.tool_calls
    if channel == CONTINUE:
        first = calls[0]
        said = reply.text if reply.text.strip() else block_text(first.name, first.arguments or {})
        return [
            {"role": "assistant", "content": said},
            {"role": "user", "content": f"Output of the {first.name} tool call:\n\n{result}"},
        ]
    ids = [f"call_{step}_{i}" for i in range(len(calls))]
    out: list[dict] = [
        {
            "role": "assistant",
            "content": reply.text,
            "tool_calls": [
                {"id": ids[i], "name": c.name, "arguments": c.arguments or {}} for i, c in enumerate(calls)
            ],
        }
    ]
    for i, call in enumerate(calls):
        out.append(
            {"role": "tool", "content": result if i == 0 else NOT_RUN, "tool_name": call.name, "tool_call_id": ids[i]}
        )
    return out
