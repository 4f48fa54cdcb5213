"""Asking a backend one case (ctft_eval.conversation): single requests, chains, and the history fed back,
each request built as Continue builds it (ctft_eval.profile)."""

from __future__ import annotations

import copy
import json
from typing import Any, NamedTuple

import pytest
from records import call_reply

from ctft_eval import continue_prompts as prompts
from ctft_eval.cases import Case, Expectation, Step
from ctft_eval.catalog import function_schemas
from ctft_eval.channels import CONTINUE, NATIVE, history_block, tool_instructions
from ctft_eval.conversation import NOT_RUN, ask, feed_back_canned, first_messages, outside_calls
from ctft_eval.profile import Profile, builtin
from ctft_eval.reply import CONTINUE_BLOCK, STRUCTURED, TEXT_JSON, Reply, ToolCall
from ctft_eval.settings import Settings

SETTINGS = Settings()
USER = {"role": "user", "content": "The /users endpoint fails: find its handler, read it, then run the tests."}
OLLAMA, OPENAI = builtin("ollama"), builtin("openai")
CHAIN_TOOLS = ("grep_search", "read_file", "run_terminal_command")


class Request(NamedTuple):
    messages: list[dict]
    tools: list[dict] | None
    settings: Settings
    options: dict[str, Any]


class FakeBackend:
    """Answers with the replies it was given, in order, and keeps a copy of every request."""

    def __init__(self, *replies: Reply):
        self.replies = list(replies)
        self.requests: list[Request] = []
        self.received: list[list[dict]] = []

    def chat(self, messages, tools, settings, **options):
        self.received.append(messages)
        self.requests.append(Request(copy.deepcopy(messages), tools, settings, dict(options)))
        return self.replies.pop(0)

    @property
    def histories(self) -> list[list[dict]]:
        return [r.messages for r in self.requests]


def single(messages=(USER,), tools=("read_file", "ls")) -> Case:
    return Case("read-config", "suites/s.yaml", "s", tuple(messages), tools, Expectation(("read_file",)))


def chain(results=("src/users.ts:12: router.get('/users')", "export function list() {}", "1 failed")) -> Case:
    steps = tuple(Step(Expectation((name,)), result) for name, result in zip(CHAIN_TOOLS, results, strict=False))
    return Case("chain-fix", "suites/s.yaml", "s", (USER,), CHAIN_TOOLS, None, steps)


def chain_replies() -> tuple[Reply, ...]:
    return (call_reply("grep_search", {"query": "users"}), call_reply("read_file", {"filepath": "u.ts"}),
            call_reply("run_terminal_command", {"command": "npm test"}), call_reply("ls", {}))


def text_reply(text: str) -> Reply:
    return Reply(text=text)


def system(channel: str, tools: tuple[str, ...], profile: Profile = OLLAMA, rules: str | None = None) -> dict:
    return {"role": "system", "content": profile.system_message(channel, tools, rules)}


# ---- single requests ---------------------------------------------------------------------------


def test_a_single_step_case_is_one_request():
    backend = FakeBackend(call_reply(), call_reply("ls"))
    replies = ask(backend, single(), NATIVE, SETTINGS)
    assert len(replies) == 1 and len(backend.requests) == 1
    messages, tools, settings, options = backend.requests[0]
    assert messages == [system(NATIVE, ("read_file", "ls")), USER]
    assert tools == function_schemas(("read_file", "ls"))
    assert settings is SETTINGS
    assert options == {}  # the ollama provider sends no parallel_tool_calls
    assert replies[0].channel == NATIVE and replies[0].tool_calls[0].name == "read_file"
    assert replies[0].tools_sent is True


def test_no_profile_means_the_builtin_ollama_default():
    with_default, with_builtin = FakeBackend(call_reply()), FakeBackend(call_reply())
    ask(with_default, single(), CONTINUE, SETTINGS)
    ask(with_builtin, single(), CONTINUE, SETTINGS, builtin())
    assert with_default.requests == with_builtin.requests


@pytest.mark.parametrize("channel", [NATIVE, CONTINUE])
def test_the_first_message_is_the_agent_mode_system_message(channel):
    backend = FakeBackend(call_reply())
    ask(backend, single(), channel, SETTINGS)
    messages = backend.histories[0]
    assert messages[0]["role"] == "system" and messages[0]["content"].startswith(prompts.AGENT_RULES)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[0] == system(channel, ("read_file", "ls"))


@pytest.mark.parametrize("channel", [NATIVE, CONTINUE])
def test_a_case_system_text_comes_after_the_agent_mode_system_message(channel):
    case = single(messages=({"role": "system", "content": "Be brief."}, USER))
    backend = FakeBackend(call_reply())
    ask(backend, case, channel, SETTINGS)
    messages = backend.histories[0]
    assert messages == [system(channel, case.tools, rules="Be brief."), USER]  # one system message, not two
    content = messages[0]["content"]
    assert content.startswith(prompts.AGENT_RULES) and content.endswith("\n\nBe brief.")
    assert content == OLLAMA.system_message(channel, case.tools) + "\n\nBe brief."


def test_a_system_message_later_in_the_case_stays_where_it_is():
    late = {"role": "system", "content": "late"}
    messages = first_messages(single(messages=(USER, late)), NATIVE, OLLAMA)
    assert messages == [system(NATIVE, ("read_file", "ls")), USER, late]


@pytest.mark.parametrize("channel", [NATIVE, CONTINUE])
def test_the_case_messages_are_not_changed(channel):
    case = single(messages=({"role": "system", "content": "Be brief."}, USER))
    backend = FakeBackend(call_reply())
    ask(backend, case, channel, SETTINGS)
    assert case.messages == ({"role": "system", "content": "Be brief."}, USER)
    assert not any(sent is original for sent in backend.received[0] for original in case.messages)


def test_the_continue_channel_sends_no_tools_and_describes_them_in_the_system_message():
    backend = FakeBackend(text_reply("```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath\na.py\nEND_ARG\n```"))
    (reply,) = ask(backend, single(), CONTINUE, SETTINGS, OPENAI)
    messages, tools, _, options = backend.requests[0]
    assert tools is None and options == {}  # no tools, so no parallel_tool_calls either
    assert messages == [{"role": "system", "content": prompts.AGENT_RULES + "\n\n" + tool_instructions(
        ("read_file", "ls"))}, USER]
    assert reply.channel == CONTINUE and reply.tools_sent is False
    assert [(c.name, c.arguments, c.source) for c in reply.tool_calls] == [("read_file", {"filepath": "a.py"},
                                                                           CONTINUE_BLOCK)]


def test_the_native_channel_keeps_the_instructions_out_of_the_system_message():
    backend = FakeBackend(call_reply())
    ask(backend, single(), NATIVE, SETTINGS)
    assert backend.histories[0][0]["content"] == prompts.AGENT_RULES


@pytest.mark.parametrize("profile", [OLLAMA, OPENAI], ids=["ollama", "openai"])
@pytest.mark.parametrize("channel", [NATIVE, CONTINUE])
def test_a_case_without_tools_sends_none_and_warns_in_the_system_message(channel, profile):
    case = Case("explain", "suites/s.yaml", "s", (USER,), (), Expectation(()))
    backend = FakeBackend(text_reply("REST is an architectural style."))
    (reply,) = ask(backend, case, channel, SETTINGS, profile)
    request = backend.requests[0]
    assert request.tools is None and request.options == {} and reply.tools_sent is False
    assert request.messages[0]["content"] == prompts.AGENT_RULES + prompts.NO_TOOLS_WARNING


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


# ---- chains on the native channel ----------------------------------------------------------------


def test_a_chain_replays_the_canned_results_step_by_step():
    case = chain()
    backend = FakeBackend(*chain_replies())
    replies = ask(backend, case, NATIVE, SETTINGS)
    assert [r.tool_calls[0].name for r in replies] == list(CHAIN_TOOLS)
    assert len(backend.requests) == 3  # the last step's reply is not fed back
    first, second, third = backend.histories
    start = [system(NATIVE, CHAIN_TOOLS), USER]
    assert first == start
    assert second[:2] == start and third[:len(second)] == second
    assert second[2:] == [
        {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1_0", "name": "grep_search",
                                                             "arguments": {"query": "users"}}]},
        {"role": "tool", "content": case.steps[0].result, "tool_call_id": "call_1_0"},
    ]
    assert third[len(second):] == [
        {"role": "assistant", "content": "", "tool_calls": [{"id": "call_2_0", "name": "read_file",
                                                             "arguments": {"filepath": "u.ts"}}]},
        {"role": "tool", "content": case.steps[1].result, "tool_call_id": "call_2_0"},
    ]


def test_an_ollama_chain_sends_tools_on_the_first_step_only():
    case = chain()
    backend = FakeBackend(*chain_replies())
    replies = ask(backend, case, NATIVE, SETTINGS, OLLAMA)
    assert [r.tools for r in backend.requests] == [function_schemas(case.tools), None, None]
    assert [r.options for r in backend.requests] == [{}, {}, {}]  # never parallel_tool_calls
    assert [r.tools_sent for r in replies] == [True, False, False]


def test_an_openai_chain_sends_tools_on_every_step_without_parallel_calls():
    case = chain()
    backend = FakeBackend(*chain_replies())
    replies = ask(backend, case, NATIVE, SETTINGS, OPENAI)
    assert [r.tools for r in backend.requests] == [function_schemas(case.tools)] * 3
    assert [r.options for r in backend.requests] == [{"parallel_tool_calls": False}] * 3
    assert [r.tools_sent for r in replies] == [True, True, True]
    # Continue's OpenAI adapter never sends an empty assistant content
    assert [m["content"] for m in backend.histories[2] if m["role"] == "assistant"] == [" ", " "]


def test_a_profile_of_its_own_decides_tools_after_a_result_and_parallel_calls():
    profile = Profile(provider="ollama", after_result=True, parallel=True)
    backend = FakeBackend(*chain_replies())
    ask(backend, chain(), NATIVE, SETTINGS, profile)
    assert all(r.tools == function_schemas(CHAIN_TOOLS) for r in backend.requests)
    assert [r.options for r in backend.requests] == [{"parallel_tool_calls": True}] * 3


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
    assistant = backend.histories[1][2]
    assert assistant["content"] == written
    assert assistant["tool_calls"] == [{"id": "call_1_0", "name": "grep_search", "arguments": {"query": "users"}}]


def test_a_request_is_not_changed_by_later_steps():
    backend = FakeBackend(*chain_replies()[:3])
    ask(backend, chain(), NATIVE, SETTINGS)
    assert [len(m) for m in backend.received] == [len(m) for m in backend.histories]


# ---- feeding results back --------------------------------------------------------------------------


def three_calls(source: str = STRUCTURED, text: str = "two at once") -> Reply:
    return Reply(text=text, tool_calls=[
        ToolCall.from_raw("grep_search", {"query": "users"}, source),
        ToolCall.from_raw("read_file", "{not json", source),
        ToolCall.from_raw("ls", {}, source),
    ])


@pytest.mark.parametrize("profile", [OLLAMA, OPENAI], ids=["ollama", "openai"])
def test_native_feed_back_answers_one_call_and_not_the_others(profile):
    history = feed_back_canned(three_calls(), "RESULT", NATIVE, 3, profile)
    assert history[0] == {"role": "assistant", "content": "two at once", "tool_calls": [
        {"id": "call_3_0", "name": "grep_search", "arguments": {"query": "users"}},
        {"id": "call_3_1", "name": "read_file", "arguments": {}},
        {"id": "call_3_2", "name": "ls", "arguments": {}},
    ]}
    assert history[1:] == [
        {"role": "tool", "content": "RESULT", "tool_call_id": "call_3_0"},
        {"role": "tool", "content": NOT_RUN, "tool_call_id": "call_3_1"},
        {"role": "tool", "content": NOT_RUN, "tool_call_id": "call_3_2"},
    ]


@pytest.mark.parametrize(("profile", "content"), [(OLLAMA, ""), (OPENAI, " ")], ids=["ollama", "openai"])
def test_native_feed_back_of_a_reply_without_text(profile, content):
    (assistant, _) = feed_back_canned(call_reply("ls", {}), "a.py", NATIVE, 1, profile)
    assert assistant["content"] == content


def test_continue_feed_back_keeps_the_text_before_the_call_and_answers_in_one_user_message():
    said = "Let me search.\n```tool\nTOOL_NAME: grep_search\nBEGIN_ARG: query\nusers\nEND_ARG\n```\nthen more"
    reply = three_calls(CONTINUE_BLOCK, said)
    assert feed_back_canned(reply, "src/users.ts:12", CONTINUE, 1, OLLAMA) == [
        {"role": "assistant", "content": "Let me search.\n" + "\n".join([
            history_block("grep_search", {"query": "users"}), history_block("read_file", {}),
            history_block("ls", {})])},
        {"role": "user", "content": "Tool output for grep_search tool call:\n\nsrc/users.ts:12\n"
                                    f"Tool output for read_file tool call:\n\n{NOT_RUN}\n"
                                    f"Tool output for ls tool call:\n\n{NOT_RUN}"},
    ]


@pytest.mark.parametrize("profile", [OLLAMA, OPENAI], ids=["ollama", "openai"])
def test_continue_feed_back_writes_the_call_when_the_reply_has_no_text(profile):
    reply = Reply(text="  \n", tool_calls=[ToolCall.from_raw("read_file", {"filepath": "u.ts"}, STRUCTURED)])
    assistant, user = feed_back_canned(reply, "code", CONTINUE, 2, profile)
    assert assistant["role"] == "assistant" and "tool_calls" not in assistant
    assert assistant["content"].strip() == history_block("read_file", {"filepath": "u.ts"})
    assert user == {"role": "user", "content": "Tool output for read_file tool call:\n\ncode"}


def test_the_continue_history_block_json_encodes_every_value():
    arguments = {"filepath": "src/a.py", "changes": "line one\nline two", "startLine": 3, "recursive": False}
    reply = Reply(text="Editing.", tool_calls=[ToolCall.from_raw("edit_existing_file", arguments, CONTINUE_BLOCK)])
    assistant, _ = feed_back_canned(reply, "done", CONTINUE, 1, OLLAMA)
    assert assistant["content"] == (
        'Editing.\n```tool\nTOOL_NAME: edit_existing_file\n'
        'BEGIN_ARG: filepath\n"src/a.py"\nEND_ARG\n'
        'BEGIN_ARG: changes\n"line one\\nline two"\nEND_ARG\n'
        'BEGIN_ARG: startLine\n3\nEND_ARG\n'
        'BEGIN_ARG: recursive\nfalse\nEND_ARG\n```'
    )


def test_a_chain_on_the_continue_channel():
    first = "```tool\nTOOL_NAME: grep_search\nBEGIN_ARG: query\nusers\nEND_ARG\n```"
    backend = FakeBackend(text_reply(first), text_reply("I will read it.\n```tool\nTOOL_NAME: read_file\n"
                                                        "BEGIN_ARG: filepath\nsrc/users.ts\nEND_ARG\n```"),
                          text_reply("done"))
    case = chain()
    replies = ask(backend, case, CONTINUE, SETTINGS)
    assert len(replies) == 3 and replies[-1].tool_calls == []
    start = [system(CONTINUE, case.tools), USER]
    grep = [{"role": "assistant", "content": '\n```tool\nTOOL_NAME: grep_search\nBEGIN_ARG: query\n"users"\n'
                                             'END_ARG\n```'},
            {"role": "user", "content": f"Tool output for grep_search tool call:\n\n{case.steps[0].result}"}]
    read = [{"role": "assistant", "content": "I will read it.\n" + history_block("read_file",
                                                                                 {"filepath": "src/users.ts"})},
            {"role": "user", "content": f"Tool output for read_file tool call:\n\n{case.steps[1].result}"}]
    assert backend.histories == [start, start + grep, start + grep + read]
    assert all(r.tools is None and r.options == {} for r in backend.requests)
    assert [r.tools_sent for r in replies] == [False, False, False]


def test_an_openai_chain_on_the_continue_channel_sends_no_tools_and_no_parallel_option():
    first = "```tool\nTOOL_NAME: grep_search\nBEGIN_ARG: query\nusers\nEND_ARG\n```"
    backend = FakeBackend(text_reply(first), text_reply("done"))
    ask(backend, chain(), CONTINUE, SETTINGS, OPENAI)
    assert [(r.tools, r.options) for r in backend.requests] == [(None, {}), (None, {})]


# ---- the text Continue keeps ---------------------------------------------------------------------

BLOCK = "```tool\nTOOL_NAME: ls\nBEGIN_ARG: dirPath\nsrc\nEND_ARG\n```"


@pytest.mark.parametrize(("text", "kept"), [
    ("Let me look.\n" + BLOCK, "Let me look."),
    ("Let me look.\n\n" + BLOCK + "\nAnd after it.", "Let me look."),
    (BLOCK, ""),
    ("First.\n" + BLOCK + "\nSecond.\n" + BLOCK, "First."),
    ("No call here, just an answer.  \n", "No call here, just an answer."),
    ("Sure.\nTOOL_NAME: ls\nBEGIN_ARG: dirPath\nsrc\nEND_ARG", "Sure."),
    ("Sure.\ntool_name: ls", "Sure."),
    ('Calling:\n```tool_call\n{"name": "ls"}\n```', 'Calling:\n```tool_call\n{"name": "ls"}\n```'),
    ("Steps:\n1. look\n2. read\n```tool   \nTOOL_NAME: ls\n```", "Steps:\n1. look\n2. read"),
])
def test_outside_calls_keeps_the_text_before_the_first_call(text, kept):
    assert outside_calls(text) == kept


def test_outside_calls_keeps_text_before_a_mid_line_fence():
    assert outside_calls("I will list it: " + BLOCK) == "I will list it:"


def test_a_chain_stops_at_a_stream_error_as_continue_does():
    broken = Reply(text="```tool\n\nTOOL_NAME: grep_search\n```")  # a blank line after the fence
    backend = FakeBackend(broken, call_reply("read_file"))
    replies = ask(backend, chain(), CONTINUE, SETTINGS)
    assert len(replies) == 1 and len(backend.requests) == 1
    assert replies[0].tool_calls and replies[0].tool_calls[0].arguments is None
