"""Asking a backend one case (ctft_eval.conversation): single requests, chains, and the history fed back."""

from __future__ import annotations

import copy
import json

import pytest
from records import call_reply

from ctft_eval.cases import Case, Expectation, Step
from ctft_eval.catalog import function_schemas
from ctft_eval.channels import CONTINUE, NATIVE, block_text, tool_instructions
from ctft_eval.conversation import NOT_RUN, _feed_back, ask
from ctft_eval.reply import CONTINUE_BLOCK, STRUCTURED, TEXT_JSON, Reply, ToolCall
from ctft_eval.settings import Settings

SETTINGS = Settings()
USER = {"role": "user", "content": "The /users endpoint fails: find its handler, read it, then run the tests."}


class FakeBackend:
    """Answers with the replies it was given, in order, and keeps a copy of every request."""

    def __init__(self, *replies: Reply):
        self.replies = list(replies)
        self.requests: list[tuple[list[dict], list[dict] | None, Settings]] = []
        self.received: list[list[dict]] = []

    def chat(self, messages, tools, settings):
        self.received.append(messages)
        self.requests.append((copy.deepcopy(messages), tools, settings))
        return self.replies.pop(0)

    @property
    def histories(self) -> list[list[dict]]:
        return [messages for messages, _, _ in self.requests]


def single(messages=(USER,), tools=("read_file", "ls")) -> Case:
    return Case("read-config", "suites/s.yaml", "s", tuple(messages), tools, Expectation(("read_file",)))


def chain(results=("src/users.ts:12: router.get('/users')", "export function list() {}", "1 failed")) -> Case:
    steps = tuple(Step(Expectation((name,)), result)
                  for name, result in zip(("grep_search", "read_file", "run_terminal_command"), results, strict=False))
    return Case("chain-fix", "suites/s.yaml", "s", (USER,), ("grep_search", "read_file", "run_terminal_command"),
                None, steps)


def text_reply(text: str) -> Reply:
    return Reply(text=text)


def test_a_single_step_case_is_one_request():
    backend = FakeBackend(call_reply(), call_reply("ls"))
    replies = ask(backend, single(), NATIVE, SETTINGS)
    assert len(replies) == 1 and len(backend.requests) == 1
    messages, tools, settings = backend.requests[0]
    assert messages == [USER]
    assert tools == function_schemas(("read_file", "ls"))
    assert settings is SETTINGS
    assert replies[0].channel == NATIVE and replies[0].tool_calls[0].name == "read_file"


@pytest.mark.parametrize("channel", [NATIVE, CONTINUE])
def test_the_case_messages_are_not_changed(channel):
    system = {"role": "system", "content": "Be brief."}
    case = single(messages=(system, USER))
    backend = FakeBackend(call_reply())
    ask(backend, case, channel, SETTINGS)
    assert case.messages == ({"role": "system", "content": "Be brief."}, USER)
    assert not any(sent is original for sent in backend.received[0] for original in case.messages)
    assert backend.histories[0][0]["content"].startswith("Be brief.")


def test_the_continue_channel_sends_no_tools_and_describes_them_in_the_system_message():
    backend = FakeBackend(text_reply("```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath\na.py\nEND_ARG\n```"))
    (reply,) = ask(backend, single(), CONTINUE, SETTINGS)
    messages, tools, _ = backend.requests[0]
    assert tools is None
    assert messages == [{"role": "system", "content": tool_instructions(("read_file", "ls"))}, USER]
    assert reply.channel == CONTINUE
    assert [(c.name, c.arguments, c.source) for c in reply.tool_calls] == [("read_file", {"filepath": "a.py"},
                                                                           CONTINUE_BLOCK)]


def test_a_call_written_in_text_is_parsed_when_there_is_no_native_call():
    written = json.dumps({"name": "read_file", "arguments": {"filepath": "a.py"}})
    (reply,) = ask(FakeBackend(text_reply(written)), single(), NATIVE, SETTINGS)
    assert [(c.name, c.arguments, c.source) for c in reply.tool_calls] == [("read_file", {"filepath": "a.py"},
                                                                           TEXT_JSON)]


def test_a_native_call_is_kept_over_one_in_the_text():
    written = json.dumps({"name": "ls", "arguments": {}})
    (reply,) = ask(FakeBackend(call_reply(text=written)), single(), NATIVE, SETTINGS)
    assert [(c.name, c.source) for c in reply.tool_calls] == [("read_file", STRUCTURED)]


def test_a_failed_request_is_not_parsed_for_calls():
    failed = Reply(text=json.dumps({"name": "ls", "arguments": {}}), error="HTTP 500", error_kind="http")
    (reply,) = ask(FakeBackend(failed), single(), NATIVE, SETTINGS)
    assert reply.tool_calls == [] and reply.error == "HTTP 500"


def test_a_chain_replays_the_canned_results_step_by_step():
    case = chain()
    backend = FakeBackend(call_reply("grep_search", {"query": "users"}), call_reply("read_file", {"filepath": "u.ts"}),
                          call_reply("run_terminal_command", {"command": "npm test"}), call_reply("ls", {}))
    replies = ask(backend, case, NATIVE, SETTINGS)
    assert [r.tool_calls[0].name for r in replies] == ["grep_search", "read_file", "run_terminal_command"]
    assert len(backend.requests) == 3  # the last step's reply is not fed back
    first, second, third = backend.histories
    assert first == [USER]
    assert second[:1] == [USER] and third[:len(second)] == second
    assert second[1:] == [
        {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1_0", "name": "grep_search",
                                                             "arguments": {"query": "users"}}]},
        {"role": "tool", "content": case.steps[0].result, "tool_name": "grep_search", "tool_call_id": "call_1_0"},
    ]
    assert third[len(second):] == [
        {"role": "assistant", "content": "", "tool_calls": [{"id": "call_2_0", "name": "read_file",
                                                             "arguments": {"filepath": "u.ts"}}]},
        {"role": "tool", "content": case.steps[1].result, "tool_name": "read_file", "tool_call_id": "call_2_0"},
    ]
    assert all(tools == function_schemas(case.tools) for _, tools, _ in backend.requests)


@pytest.mark.parametrize("stopper", [
    Reply(text="", error="connection reset", error_kind="stream"),
    Reply(text="The handler is probably in src/routes."),
])
def test_a_chain_stops_at_an_error_or_a_reply_without_a_call(stopper):
    backend = FakeBackend(call_reply("grep_search", {"query": "users"}), stopper, call_reply())
    replies = ask(backend, chain(), NATIVE, SETTINGS)
    assert len(replies) == 2 and replies[1] is stopper
    assert len(backend.requests) == 2


def test_a_chain_stops_at_its_first_reply_without_a_call():
    backend = FakeBackend(text_reply("I cannot help with that."), call_reply())
    assert len(ask(backend, chain(), NATIVE, SETTINGS)) == 1
    assert len(backend.requests) == 1


def test_a_call_written_in_text_is_fed_back_as_a_call():
    written = "<tool_call>" + json.dumps({"name": "grep_search", "arguments": {"query": "users"}}) + "</tool_call>"
    backend = FakeBackend(text_reply(written), text_reply("no further call"))
    assert len(ask(backend, chain(), NATIVE, SETTINGS)) == 2
    assistant = backend.histories[1][1]
    assert assistant["content"] == written
    assert assistant["tool_calls"] == [{"id": "call_1_0", "name": "grep_search", "arguments": {"query": "users"}}]


def test_native_feed_back_answers_one_call_and_not_the_others():
    reply = Reply(text="two at once", tool_calls=[
        ToolCall.from_raw("grep_search", {"query": "users"}, STRUCTURED),
        ToolCall.from_raw("read_file", "{not json", STRUCTURED),
        ToolCall.from_raw("ls", {}, STRUCTURED),
    ])
    history = _feed_back(reply, "RESULT", NATIVE, 3)
    assert history[0] == {"role": "assistant", "content": "two at once", "tool_calls": [
        {"id": "call_3_0", "name": "grep_search", "arguments": {"query": "users"}},
        {"id": "call_3_1", "name": "read_file", "arguments": {}},
        {"id": "call_3_2", "name": "ls", "arguments": {}},
    ]}
    assert history[1:] == [
        {"role": "tool", "content": "RESULT", "tool_name": "grep_search", "tool_call_id": "call_3_0"},
        {"role": "tool", "content": NOT_RUN, "tool_name": "read_file", "tool_call_id": "call_3_1"},
        {"role": "tool", "content": NOT_RUN, "tool_name": "ls", "tool_call_id": "call_3_2"},
    ]


def test_continue_feed_back_keeps_the_reply_text_and_answers_in_a_user_message():
    said = "Let me search.\n```tool\nTOOL_NAME: grep_search\nBEGIN_ARG: query\nusers\nEND_ARG\n```"
    reply = Reply(text=said, tool_calls=[ToolCall.from_raw("grep_search", {"query": "users"}, CONTINUE_BLOCK),
                                         ToolCall.from_raw("ls", {}, CONTINUE_BLOCK)])
    assert _feed_back(reply, "src/users.ts:12", CONTINUE, 1) == [
        {"role": "assistant", "content": said},
        {"role": "user", "content": "Output of the grep_search tool call:\n\nsrc/users.ts:12"},
    ]


def test_continue_feed_back_writes_the_call_when_the_reply_has_no_text():
    reply = Reply(text="  \n", tool_calls=[ToolCall.from_raw("read_file", {"filepath": "u.ts"}, STRUCTURED)])
    history = _feed_back(reply, "code", CONTINUE, 2)
    assert history[0] == {"role": "assistant", "content": block_text("read_file", {"filepath": "u.ts"})}
    assert history[1] == {"role": "user", "content": "Output of the read_file tool call:\n\ncode"}


def test_a_chain_on_the_continue_channel():
    first = "```tool\nTOOL_NAME: grep_search\nBEGIN_ARG: query\nusers\nEND_ARG\n```"
    backend = FakeBackend(text_reply(first), text_reply("```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath\n"
                                                        "src/users.ts\nEND_ARG\n```"), text_reply("done"))
    case = chain()
    replies = ask(backend, case, CONTINUE, SETTINGS)
    assert len(replies) == 3 and replies[-1].tool_calls == []
    system = {"role": "system", "content": tool_instructions(case.tools)}
    assert backend.histories[1] == [system, USER, {"role": "assistant", "content": first},
                                    {"role": "user", "content": f"Output of the grep_search tool call:\n\n"
                                                                f"{case.steps[0].result}"}]
    assert all(tools is None for _, tools, _ in backend.requests)


def test_a_request_is_not_changed_by_later_steps():
    backend = FakeBackend(call_reply("grep_search", {"query": "users"}), call_reply("read_file", {"filepath": "u"}),
                          call_reply("run_terminal_command", {"command": "npm test"}))
    ask(backend, chain(), NATIVE, SETTINGS)
    assert [len(m) for m in backend.received] == [len(m) for m in backend.histories]
