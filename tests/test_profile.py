"""The Continue profile (ctft_eval.profile): tool sets, native tools by model name, the system message,
what each provider sends per step, deviations from Continue's sampling, and captured profiles."""

from __future__ import annotations

import json
import re

import pytest

from ctft_eval import continue_prompts as prompts
from ctft_eval import profile_file
from ctft_eval.catalog import TOOLS, function_schemas
from ctft_eval.channels import CONTINUE, NATIVE, tool_instructions
from ctft_eval.profile import (
    BUILTIN,
    CONTINUE_SAMPLING,
    DEFAULT_TOOLS,
    EXPERIMENTAL_TOOLS,
    Profile,
    builtin,
    channel_for,
    from_captured,
    native_tools_for,
    tool_set,
)
from ctft_eval.settings import Settings

FOUR = ("view_repo_map", "view_subdirectory", "codebase", "read_file_range")

# ---- tool sets -------------------------------------------------------------------------------------


def test_the_default_set_is_the_13_tools_in_continues_order():
    assert DEFAULT_TOOLS == (
        "read_file", "create_new_file", "run_terminal_command", "file_glob_search", "view_diff",
        "read_currently_open_file", "ls", "fetch_url_content", "read_skill", "search_web",
        "edit_existing_file", "single_find_and_replace", "grep_search",
    )
    assert tool_set("default") == DEFAULT_TOOLS and builtin().tools == DEFAULT_TOOLS
    assert {"multi_edit", "create_rule_block", "request_rule", *FOUR}.isdisjoint(DEFAULT_TOOLS)


def test_the_experimental_set_adds_the_four_experimental_tools():
    tools = tool_set("experimental")
    assert EXPERIMENTAL_TOOLS == FOUR
    assert len(tools) == 17 == len(set(tools))
    assert set(tools) == set(DEFAULT_TOOLS) | set(FOUR)
    assert [t for t in tools if t in DEFAULT_TOOLS] == list(DEFAULT_TOOLS)  # the default order is kept
    assert builtin(tools="experimental").tools == tools


def test_the_all_set_is_the_catalog():
    assert tool_set("all") == tuple(t.name for t in TOOLS) == builtin(tools="all").tools
    assert len(tool_set("all")) == 20


@pytest.mark.parametrize("provider", ["ollama", "openai"])
@pytest.mark.parametrize("tools", ["default", "experimental", "all"])
def test_builtin_profiles(provider, tools):
    profile = builtin(provider, tools)
    assert (profile.provider, profile.tools_name, profile.tools) == (provider, tools, tool_set(tools))
    assert profile.base_system == prompts.AGENT_RULES and profile.name == BUILTIN
    assert profile.schemas == {} and profile.instructions is None


@pytest.mark.parametrize(("provider", "tools", "message"), [
    ("lmstudio", "default", "unknown provider 'lmstudio'; known: ollama, openai"),
    ("ollama", "minimal", "unknown tool set 'minimal'; known: default, experimental, all"),
    ("OpenAI", "default", "unknown provider 'OpenAI'"),
])
def test_builtin_rejects_an_unknown_provider_or_tool_set(provider, tools, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        builtin(provider, tools)


def test_offered_is_the_suites_list_when_it_declares_one():
    profile = builtin()
    assert profile.offered(None) == DEFAULT_TOOLS
    assert profile.offered(("read_file_range",)) == ("read_file_range",)
    assert profile.offered(()) == ()


# ---- native tools by model name ----------------------------------------------------------------------


@pytest.mark.parametrize(("provider", "model", "native"), [
    ("ollama", "qwen2.5-coder", True),
    ("ollama", "qwen2.5-coder:7b", True),
    ("ollama", "llama3.1:8b", True),
    ("ollama", "smollm2", True),
    ("ollama", "smollm2:135m", True),
    ("ollama", "Qwen3:4B", True),
    ("ollama", "mistral-nemo", True),
    ("ollama", "hf.co/x/qwen2.5", True),  # a registry prefix: the name after the last "/"
    ("ollama", "hf.co/bartowski/Qwen2.5-Coder-7B-Instruct-GGUF:Q4_K_M", True),
    ("ollama", "continue-assistant", False),
    ("ollama", "continue-assistant:latest", False),
    ("ollama", "llava-vision", False),
    ("ollama", "llama3.2-vision", False),  # an exclusion wins over a native name
    ("ollama", "qwen2-math", False),
    ("ollama", "llama-guard3", False),
    ("ollama", "mistrallite", False),
    ("ollama", "gemma3", False),
    ("ollama", "phi4", False),
    ("ollama", "qwen2/continue-assistant", False),  # only the last part counts
    ("openai", "gpt-4o", True),
    ("openai", "gpt-5-mini", True),
    ("openai", "o3-mini", True),
    ("openai", "gemma", True),
    ("openai", "gemma-3-27b-it", True),
    ("openai", "gpt-oss-20b", True),
    ("openai", "qwen2.5-coder", False),
    ("openai", "llama3.1:8b", False),
    ("openai", "gpt-3.5-turbo", False),
    ("openai", "continue-assistant", False),
])
def test_native_tools_for(provider, model, native):
    assert native_tools_for(provider, model) is native


@pytest.mark.parametrize(("requested", "provider", "model", "channels"), [
    ("auto", "ollama", "qwen2.5-coder:7b", (NATIVE,)),
    ("auto", "ollama", "continue-assistant", (CONTINUE,)),
    ("auto", "openai", "qwen2.5-coder", (CONTINUE,)),
    ("auto", "openai", "gpt-4o", (NATIVE,)),
    ("both", "ollama", "continue-assistant", (NATIVE, CONTINUE)),
    ("both", "openai", "gpt-4o", (NATIVE, CONTINUE)),
    ("native", "ollama", "continue-assistant", (NATIVE,)),
    ("continue", "ollama", "qwen2.5-coder", (CONTINUE,)),
])
def test_channel_for(requested, provider, model, channels):
    assert channel_for(requested, builtin(provider), model) == channels


# ---- the system message ------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["ollama", "openai"])
def test_the_native_system_message_is_the_agent_mode_rules(provider):
    assert builtin(provider).system_message(NATIVE, DEFAULT_TOOLS) == prompts.AGENT_RULES
    assert prompts.AGENT_RULES.startswith("<important_rules>")
    assert prompts.AGENT_RULES.endswith("</important_rules>")


def test_the_continue_system_message_adds_the_instructions_after_a_blank_line():
    text = builtin().system_message(CONTINUE, DEFAULT_TOOLS)
    assert text == prompts.AGENT_RULES + "\n\n" + tool_instructions(DEFAULT_TOOLS)


def test_the_offered_tools_decide_the_instructions():
    text = builtin().system_message(CONTINUE, ("read_file", "ls"))
    assert text == prompts.AGENT_RULES + "\n\n" + tool_instructions(("read_file", "ls"))


@pytest.mark.parametrize("channel", [NATIVE, CONTINUE])
def test_no_tools_offered_gives_the_no_tools_warning(channel):
    text = builtin().system_message(channel, ())
    assert text == prompts.AGENT_RULES + prompts.NO_TOOLS_WARNING
    assert "<tool_use_instructions>" not in text
    assert prompts.NO_TOOLS_WARNING not in builtin().system_message(channel, ("ls",))


@pytest.mark.parametrize("channel", [NATIVE, CONTINUE])
def test_the_users_rules_come_last(channel):
    profile = builtin()
    assert profile.system_message(channel, ("ls",), "Answer in French.") == (
        profile.system_message(channel, ("ls",)) + "\n\nAnswer in French.")
    assert profile.system_message(channel, (), "Answer in French.") == (
        prompts.AGENT_RULES + prompts.NO_TOOLS_WARNING + "\n\nAnswer in French.")
    assert profile.system_message(channel, ("ls",), "") == profile.system_message(channel, ("ls",))


# ---- what each provider sends per step -------------------------------------------------------------


def test_tools_for_step():
    assert [builtin("ollama").tools_for_step(n) for n in (1, 2, 3)] == [True, False, False]
    assert [builtin("openai").tools_for_step(n) for n in (1, 2, 3)] == [True, True, True]
    assert [Profile("ollama", after_result=True).tools_for_step(n) for n in (1, 2)] == [True, True]
    assert [Profile("openai", after_result=False).tools_for_step(n) for n in (1, 2)] == [True, False]


def test_parallel_tool_calls():
    assert builtin("ollama").parallel_tool_calls is None
    assert builtin("openai").parallel_tool_calls is False
    assert Profile("openai", parallel=True).parallel_tool_calls is True
    assert Profile("ollama", parallel=False).parallel_tool_calls is False


def test_native_tools_are_the_catalog_schemas_unless_the_profile_has_its_own():
    assert builtin().native_tools(("read_file", "ls")) == function_schemas(("read_file", "ls"))
    own = {"type": "function", "function": {"name": "ls", "description": "mine", "parameters": {}}}
    assert Profile(schemas={"ls": own}).native_tools(("read_file", "ls")) == [*function_schemas(("read_file",)), own]


# ---- deviations from Continue's own sampling ---------------------------------------------------------


def test_the_default_settings_deviate_in_max_tokens_temperature_and_seed():
    assert builtin("ollama").deviations(Settings().request_settings()) == [
        "max_tokens 512 (Continue: 4096)",
        "temperature 0.0 (Continue: not sent unless configured)",
        "seed 42 (Continue: not sent unless configured)",
    ]


@pytest.mark.parametrize("provider", ["ollama", "openai"])
def test_continues_own_sampling_lists_nothing(provider):
    settings = {"max_tokens": 4096, "temperature": None, "seed": None, "num_ctx": 8192}
    assert builtin(provider).deviations(settings) == []
    assert builtin(provider).deviations(dict(CONTINUE_SAMPLING)) == []


def test_max_tokens_4096_without_temperature_or_seed_lists_only_num_ctx_on_ollama():
    settings = Settings(max_tokens=4096, num_ctx=4096).request_settings()
    settings.update(temperature=None, seed=None)
    assert builtin("ollama").deviations(settings) == ["num_ctx 4096 (Continue: 8192)"]
    assert builtin("openai").deviations(settings) == []  # num_ctx is Ollama's alone


def test_a_zero_temperature_is_still_a_deviation():
    out = builtin("openai").deviations({"max_tokens": 4096, "temperature": 0, "seed": 0})
    assert out == ["temperature 0 (Continue: not sent unless configured)",
                   "seed 0 (Continue: not sent unless configured)"]


# ---- the fingerprint ---------------------------------------------------------------------------------


def test_the_fingerprint_names_the_profile():
    fp = builtin().fingerprint()
    assert set(fp) == {"name", "provider", "tools", "sha256", "continue_behaviour"}
    assert fp["continue_behaviour"] == "released"
    assert (fp["name"], fp["provider"], fp["tools"]) == (BUILTIN, "ollama", "default")
    assert re.fullmatch(r"[0-9a-f]{64}", fp["sha256"])
    assert builtin().fingerprint() == fp  # stable


def test_the_fingerprint_differs_between_providers_and_tool_sets():
    prints = [builtin(p, t).fingerprint() for p in ("ollama", "openai") for t in ("default", "experimental", "all")]
    assert len({json.dumps(f, sort_keys=True) for f in prints}) == 6
    assert len({builtin("ollama", t).fingerprint()["sha256"] for t in ("default", "experimental", "all")}) == 3


def test_the_fingerprint_follows_the_system_message():
    other = Profile(base_system="<important_rules>other</important_rules>")
    assert other.fingerprint()["sha256"] != builtin().fingerprint()["sha256"]


# ---- captured profiles -------------------------------------------------------------------------------

RULES = "<important_rules>\n  Agent mode: small code blocks, one tool at a time.\n</important_rules>"
JIRA = {"type": "function", "function": {
    "name": "jira_search", "description": "Search the issue tracker.",
    "parameters": {"type": "object", "required": ["jql"], "properties": {"jql": {"type": "string"}}}}}
READ = {"type": "function", "function": {"name": "read_file", "description": "Read one file of the workspace.",
                                         "parameters": {"type": "object", "required": ["filepath"],
                                                        "properties": {"filepath": {"type": "string"}}}}}
BLOCK = ("<tool_use_instructions>\nCall a tool with a tool block.\n\nTo read a file:\n```tool\nTOOL_NAME: read_file\n"
         "BEGIN_ARG: filepath\nsrc/app.ts\nEND_ARG\n```\n\n```tool_definition\nTOOL_NAME: jira_search\n"
         "TOOL_DESCRIPTION:\nSearch the issue tracker.\nTOOL_ARG: jql (string, required)\nEND_ARG\n```\n"
         "</tool_use_instructions>")
ASK = {"role": "user", "content": "What does src/app.ts export?"}


def ollama_native(tools_after_result: bool | None = None) -> list[tuple[str, dict, str]]:
    first = {"model": "qwen2.5-coder:7b", "messages": [{"role": "system", "content": RULES}, ASK],
             "tools": [READ, JIRA], "options": {"num_ctx": 8192, "num_predict": 4096}, "keep_alive": 1800}
    chats = [("ollama", first, "ua/1")]
    if tools_after_result is not None:
        after = {**first, "messages": [*first["messages"], {"role": "assistant", "content": ""},
                                       {"role": "tool", "content": "export {}"}]}
        if not tools_after_result:
            after.pop("tools")
        chats.append(("ollama", after, "ua/1"))
    return chats


def openai_native() -> list[tuple[str, dict, str]]:
    body = {"model": "gpt-4o", "messages": [{"role": "system", "content": RULES}, ASK], "tools": [READ],
            "parallel_tool_calls": False, "max_tokens": 4096, "stream": True}
    return [("openai", body, "ua/2")]


def system_message_mode() -> list[tuple[str, dict, str]]:
    body = {"model": "continue-assistant", "messages": [{"role": "system", "content": RULES + "\n\n" + BLOCK}, ASK]}
    return [("ollama", body, "ua/3")]


def write_profile(tmp_path, chats, name: str = "profile.json"):
    captured = profile_file.build(chats, upstream="http://127.0.0.1:11434", chat_requests=len(chats), skipped=0)
    path = tmp_path / name
    profile_file.write(path, captured)
    return str(path), captured


def test_a_captured_native_profile(tmp_path):
    path, captured = write_profile(tmp_path, ollama_native())
    profile = from_captured(path)
    assert (profile.provider, profile.tools_name, profile.name) == ("ollama", "captured", "captured:profile.json")
    assert profile.base_system == RULES
    assert profile.tools == ("read_file", "jira_search")
    assert profile.schemas == {"read_file": READ, "jira_search": JIRA}
    assert profile.instructions is None
    assert profile.options == {"num_ctx": 8192, "num_predict": 4096, "keep_alive": 1800}
    assert profile.native_tools(profile.tools) == [READ, JIRA]  # the schemas the user's Continue sent
    assert profile.system_message(NATIVE, profile.tools) == RULES
    assert profile.fingerprint() == {"name": "captured:profile.json", "provider": "ollama", "tools": "captured",
                                     "sha256": captured.captured.sha256, "continue_behaviour": "released"}


@pytest.mark.parametrize(("after", "steps"), [(None, [True, False]), (False, [True, False]), (True, [True, True])])
def test_a_captured_profile_knows_whether_tools_follow_a_result(tmp_path, after, steps):
    profile = from_captured(write_profile(tmp_path, ollama_native(after))[0])
    assert profile.after_result is after
    assert [profile.tools_for_step(n) for n in (1, 2)] == steps


def test_a_captured_openai_profile(tmp_path):
    profile = from_captured(write_profile(tmp_path, openai_native())[0])
    assert (profile.provider, profile.tools, profile.parallel_tool_calls) == ("openai", ("read_file",), False)
    assert profile.options == {"max_tokens": 4096}
    assert [profile.tools_for_step(n) for n in (1, 2)] == [True, True]


def test_a_captured_system_message_profile_uses_its_instructions_verbatim(tmp_path):
    profile = from_captured(write_profile(tmp_path, system_message_mode())[0])
    assert profile.base_system == RULES and profile.instructions == BLOCK
    assert profile.tools == ("read_file", "jira_search") and profile.schemas == {}
    assert profile.system_message(CONTINUE, profile.tools) == RULES + "\n\n" + BLOCK
    assert profile.system_message(CONTINUE, profile.tools, "Be brief.") == RULES + "\n\n" + BLOCK + "\n\nBe brief."
    # a suite that declares other tools gets instructions built for them
    assert profile.system_message(CONTINUE, ("ls",)) == RULES + "\n\n" + tool_instructions(("ls",))


def test_a_captured_tool_outside_the_catalog_is_described_by_its_schema(tmp_path):
    profile = from_captured(write_profile(tmp_path, ollama_native())[0])
    text = profile.system_message(CONTINUE, ("jira_search",))
    assert "```tool_definition\nTOOL_NAME: jira_search\nTOOL_DESCRIPTION:\nSearch the issue tracker.\n" in text
    assert "TOOL_ARG: jql (string, required)\nEND_ARG" in text


def test_a_captured_native_profile_on_the_continue_channel_gives_builtins_their_example(tmp_path):
    profile = from_captured(write_profile(tmp_path, ollama_native())[0])
    text = profile.system_message(CONTINUE, profile.tools)
    paragraph, _ = prompts.EXAMPLES["read_file"]
    assert f"{paragraph}\n```tool\nTOOL_NAME: read_file\n" in text
    assert "```tool_definition\nTOOL_NAME: read_file\n" not in text


def test_a_bad_profile_file_is_one_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "ctft-eval-profile/0"}), encoding="utf-8")
    with pytest.raises(profile_file.ProfileError, match=re.escape(f"{path}: field 'format'")):
        from_captured(str(path))
