"""The requests Continue really sends, end to end through the plugin and the official clients:
the ollama provider sends no tools after a tool result, the openai provider sends them on every
request with parallel_tool_calls false, and every request starts with the agent-mode system message."""

import json

import pytest
from conftest import SMALL_SUITE
from doubles.ollama_server import OllamaDouble, model_entry
from doubles.openai_server import OpenAIDouble
from doubles.oracle import Oracle

from ctft_eval.continue_prompts import AGENT_RULES, TOOLS_TAG
from ctft_eval.profile import DEFAULT_TOOLS


@pytest.fixture
def project(pytester):
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    pytester.makefile(".toml", pyproject="[tool.ctft_eval]\ntimeout = 10.0\nretries = 0\n")
    return pytester


def run(pytester, *args):
    return pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", "-rf", *args, timeout=120)


def chain_requests(bodies: list[dict]) -> list[dict]:
    return [b for b in bodies if "Find its handler" in json.dumps(b["messages"])]


def test_the_ollama_provider_sends_no_tools_after_a_tool_result(project, small_cases):
    with OllamaDouble(Oracle(small_cases)) as server:
        result = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", "-k", "chain-fix",
                     "--ctft-record=run.json")
        bodies = server.chat_requests()
    first, second = chain_requests(bodies)
    assert [t["function"]["name"] for t in first["tools"]] == list(DEFAULT_TOOLS)
    # the last message is a tool result: Continue's Ollama adapter sends no tools. (The official client
    # always writes the field, as an empty list, which Ollama's server treats as no tools at all.)
    assert not second.get("tools")
    assert second["messages"][-1] == {"role": "tool", "content": small_cases[-1].steps[0].result}
    for body in (first, second):
        assert body["messages"][0]["role"] == "system" and body["messages"][0]["content"].startswith(AGENT_RULES)
    out = result.stdout.str()
    # the oracle, seeing no tools, writes its call in text: on the native channel Continue would not run it
    assert "sends no tools after a tool result" in out
    data = json.loads((project.path / "run.json").read_text())
    assert data["profile"]["provider"] == "ollama" and data["profile"]["tools"] == "default"
    entry = next(e for e in data["results"] if e["case"] == "chain-fix")
    assert [r["tools_sent"] for r in entry["replies"]] == [True, False]


def test_the_openai_provider_sends_tools_on_every_request_without_parallel_calls(project, small_cases):
    with OpenAIDouble(Oracle(small_cases)) as server:
        result = run(project, f"--backend=openai:m@{server.base_url}", "--ctft-provider=openai", "-k", "chain-fix")
        bodies = server.chat_requests()
    assert result.ret == 0, result.stdout.str()
    requests = chain_requests(bodies)
    assert len(requests) == 2
    for body in requests:
        assert [t["function"]["name"] for t in body["tools"]] == list(DEFAULT_TOOLS)
        assert body["parallel_tool_calls"] is False
        assert body["messages"][0]["content"].startswith(AGENT_RULES)
    assert requests[1]["messages"][-1]["role"] == "tool" and requests[1]["messages"][-1]["tool_call_id"]
    result.assert_outcomes(passed=2)


def test_the_continue_channel_sends_the_agent_rules_then_the_tool_instructions(project, small_cases):
    with OllamaDouble(Oracle(small_cases)) as server:
        result = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", "--ctft-channel=continue",
                     "-k", "chain-fix")
        bodies = server.chat_requests()
    assert result.ret == 0, result.stdout.str()
    first, second = chain_requests(bodies)
    system = first["messages"][0]["content"]
    assert system.startswith(AGENT_RULES + "\n\n" + TOOLS_TAG) and not first.get("tools")
    assert second["messages"][-1]["content"].startswith("Tool output for grep_search tool call:\n\n")
    assert "BEGIN_ARG: query\n\"users\"\nEND_ARG" in second["messages"][-2]["content"]  # values JSON-encoded


def test_cases_needing_tools_the_profile_lacks_are_left_out_and_counted(project, small_cases):
    with OllamaDouble(Oracle(small_cases)) as server:
        default = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", "-rs")
        experimental = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", "--ctft-tools=experimental",
                           "-k", "range-parser")
    out = default.stdout.str()
    assert "1 case(s) left out, expecting tools this profile does not offer" in out and "range-parser" in out
    assert "left out: expects read_file_range, which the default tool set does not offer" in out
    default.assert_outcomes(passed=13, failed=1, skipped=3)  # the chain: see the ollama-provider test
    experimental.assert_outcomes(passed=3)


def test_auto_picks_the_channel_continue_would_use_for_the_model_name(project, small_cases):
    models = {name: model_entry(name) for name in ("qwen2.5-coder:7b", "continue-assistant")}
    with OllamaDouble(Oracle(small_cases), models) as server:
        native = run(project, "--backend=ollama:qwen2.5-coder:7b", f"--ollama-host={server.url}",
                     "--ctft-channel=auto", "-k", "read-config")
        text = run(project, "--backend=ollama:continue-assistant", f"--ollama-host={server.url}",
                   "--ctft-channel=auto", "-k", "read-config")
    assert "ollama:qwen2.5-coder:7b on the native channel" in native.stdout.str()
    assert "ollama:continue-assistant on the continue channel" in text.stdout.str()


def test_the_summary_says_how_the_run_deviates_from_continue(project, small_cases):
    with OllamaDouble(Oracle(small_cases)) as server:
        result = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", "-k", "read-config",
                     "--ctft-schema=strict")
    out = result.stdout.str()
    assert "requests built as Continue's ollama provider builds them" in out
    assert "arguments judged by the strict JSON schema" in out
    assert "max_tokens 512 (Continue: 4096)" in out


MCP_TOOL = {"type": "function", "function": {
    "name": "jira_search", "description": "Search the team's Jira issues",
    "parameters": {"type": "object", "properties": {"jql": {"type": "string"}}, "required": ["jql"]}}}
USER_RULES = "<important_rules>\n  You are in agent mode. Our house rule: answer in British English.\n</important_rules>"


def test_a_captured_profile_is_what_the_next_run_sends(project, small_cases, tmp_path):
    import ollama

    from ctft_eval.capture import Proxy
    from ctft_eval.catalog import function_schemas

    captured_tools = [*function_schemas(["read_file", "grep_search", "run_terminal_command"]), MCP_TOOL]
    profile = tmp_path / "mine.json"
    with OllamaDouble(Oracle(small_cases)) as upstream:
        proxy = Proxy("127.0.0.1:0", upstream.url, profile, requests=1).start()
        client = ollama.Client(host=proxy.url)
        list(client.chat(model="m", stream=True, tools=captured_tools, options={"num_predict": 4096},
                         messages=[{"role": "system", "content": USER_RULES},
                                   {"role": "user", "content": "What's in src/config.ts?"}]))
        proxy.wait(10)
        proxy.finish()
    with OllamaDouble(Oracle(small_cases)) as server:
        result = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", f"--ctft-profile={profile}",
                     "-k", "read-config", "--ctft-record=run.json")
        (body,) = server.chat_requests()
    assert result.ret == 0, result.stdout.str()
    assert body["messages"][0] == {"role": "system", "content": USER_RULES}
    assert [t["function"]["name"] for t in body["tools"]] == ["read_file", "grep_search", "run_terminal_command",
                                                             "jira_search"]
    assert body["tools"][3]["function"]["parameters"]["required"] == ["jql"]
    data = json.loads((project.path / "run.json").read_text())
    assert data["profile"]["name"] == "captured:mine.json" and len(data["profile"]["sha256"]) == 64


def test_comparing_runs_of_different_profiles_warns_above_the_table(project, small_cases):
    with OllamaDouble(Oracle(small_cases)) as server:
        for provider in ("ollama", "openai"):
            run(project, "--backend=ollama:m", f"--ollama-host={server.url}", f"--ctft-provider={provider}",
                f"--ctft-record={provider}.json")
    out = project.run(__import__("sys").executable, "-m", "ctft_eval", "compare", "ollama.json", "openai.json")
    text = out.stdout.str()
    assert text.index("WARNING: these runs were built with different Continue profiles") < text.index("Pass rates")
    assert "PROFILES DIFFER" in text


def test_a_malformed_profile_is_one_clear_error(project, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ctft-eval-profile/1"}')
    result = run(project, "--backend=ollama:m", "--ollama-host=http://127.0.0.1:9", f"--ctft-profile={bad}")
    assert result.ret == 4 and str(bad) in result.stderr.str() and "Traceback" not in result.stderr.str()


CUSTOM_SUITE = """\
suite: mcp
custom_tools:
  - name: jira_search
    description: Search the team's Jira issues with JQL
    parameters:
      type: object
      properties:
        jql: {type: string, description: the JQL query}
        limit: {type: integer}
      required: [jql]
cases:
  - id: jira-open-bugs
    prompt: "Which open bugs are assigned to me in Jira?"
    tool: jira_search
    arguments:
      jql: {contains: bug}
  - id: jira-not-needed
    prompt: "What does JQL stand for?"
    tool: none
"""


def test_a_suite_declares_its_own_tools_and_they_are_sent_and_judged_by_their_schema(pytester):
    from ctft_eval.cases import load_suite

    pytester.makefile(".yaml", **{"suites/mcp": CUSTOM_SUITE})
    pytester.makefile(".toml", pyproject="[tool.ctft_eval]\ntimeout = 10.0\nretries = 0\n")
    cases = list(load_suite(pytester.path / "suites" / "mcp.yaml").cases)
    with OllamaDouble(Oracle(cases)) as server:
        result = run(pytester, "--backend=ollama:m", f"--ollama-host={server.url}", "--ctft-channel=both")
        bodies = server.chat_requests()
    assert result.ret == 0, result.stdout.str()
    native = next(b for b in bodies if b.get("tools"))
    assert [t["function"]["name"] for t in native["tools"]] == [*DEFAULT_TOOLS, "jira_search"]
    text = next(b for b in bodies if not b.get("tools"))["messages"][0]["content"]
    assert "TOOL_NAME: jira_search" in text and "TOOL_ARG: jql (string, required)" in text
    result.assert_outcomes(passed=2 * 4)


def test_a_custom_tool_call_is_judged_by_its_own_schema():
    from ctft_eval.reply import ToolCall
    from ctft_eval.scorers.json_validity import call_problem

    custom = {"jira_search": {"type": "function", "function": {"name": "jira_search", "parameters": {
        "type": "object", "properties": {"jql": {"type": "string"}}, "required": ["jql"]}}}}
    good = ToolCall.from_raw("jira_search", {"jql": "type = bug"}, "native")
    bad = ToolCall.from_raw("jira_search", {"limit": 3}, "native")
    assert call_problem(good, ("jira_search",), custom) is None
    assert call_problem(bad, ("jira_search",), custom) == ("schema", "jira_search: 'jql' is a required property")


@pytest.mark.parametrize("behaviour, tools_after_result", [("released", False), ("tools-every-request", True)])
def test_the_continue_behaviour_decides_tools_after_a_tool_result_on_ollama(project, small_cases, behaviour,
                                                                           tools_after_result):
    with OllamaDouble(Oracle(small_cases)) as server:
        result = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", "-k", "chain-fix",
                     f"--ctft-continue={behaviour}", "--ctft-record=run.json")
        bodies = server.chat_requests()
    first, second = chain_requests(bodies)
    assert [t["function"]["name"] for t in first["tools"]] == list(DEFAULT_TOOLS)
    assert second["messages"][-1]["role"] == "tool"  # the request after a tool result
    if tools_after_result:
        assert [t["function"]["name"] for t in second["tools"]] == list(DEFAULT_TOOLS)
    else:
        assert not second.get("tools")  # (the official client writes an empty list: no tools to Ollama)
    out = result.stdout.str()
    assert f"Continue behaviour {behaviour}: " in out
    data = json.loads((project.path / "run.json").read_text())
    assert data["profile"]["continue_behaviour"] == behaviour
    entry = next(e for e in data["results"] if e["case"] == "chain-fix")
    assert [r["tools_sent"] for r in entry["replies"]] == [True, tools_after_result]
    # under tools-every-request the oracle, offered tools, answers the second step natively: the chain passes
    assert entry["outcomes"]["chain"]["passed"] is tools_after_result


def test_runs_of_different_continue_behaviours_compare_loudly(project, small_cases):
    with OllamaDouble(Oracle(small_cases)) as server:
        for behaviour in ("released", "tools-every-request"):
            run(project, "--backend=ollama:m", f"--ollama-host={server.url}", f"--ctft-continue={behaviour}",
                f"--ctft-record={behaviour}.json")
    out = project.run(__import__("sys").executable, "-m", "ctft_eval", "compare", "released.json",
                      "tools-every-request.json")
    text = out.stdout.str()
    assert "WARNING: these runs were built with different Continue profiles" in text
    assert "Continue released" in text and "Continue tools-every-request" in text and "PROFILES DIFFER" in text


def test_a_behaviour_that_contradicts_a_captured_profile_is_one_clear_error(project, tmp_path):
    from ctft_eval import profile_file
    from ctft_eval.catalog import function_schemas

    # Continue as released: the request after a tool result carries no tools
    ask = [{"role": "system", "content": USER_RULES}, {"role": "user", "content": "Read a.py"}]
    result_turn = [*ask, {"role": "assistant", "content": "", "tool_calls": [
        {"function": {"name": "read_file", "arguments": {"filepath": "a.py"}}}]}, {"role": "tool", "content": "x"}]
    chats = [("ollama", {"model": "m", "messages": ask, "tools": function_schemas(["read_file"])}, "ua"),
             ("ollama", {"model": "m", "messages": result_turn}, "ua")]
    captured = profile_file.build(chats, upstream="http://h", chat_requests=2, skipped=0)
    assert captured.tools_after_tool_result is False
    profile = tmp_path / "mine.json"
    profile.write_text(json.dumps(captured.to_json()))
    result = run(project, "--backend=ollama:m", "--ollama-host=http://127.0.0.1:9", f"--ctft-profile={profile}",
                 "--ctft-continue=tools-every-request")
    assert result.ret == 4
    err = result.stderr.str()
    assert "--ctft-continue tools-every-request: the captured profile" in err and "shows released" in err
