"""Calls written in reply text: every format models use, and never a crash."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ctft_eval.parsing import calls_in_text
from ctft_eval.reply import CONTINUE_BLOCK, TEXT_JSON


def test_continue_block_with_typed_arguments():
    text = (
        "I'll read that range.\n\n```tool\nTOOL_NAME: read_file_range\nBEGIN_ARG: filepath\nsrc/app.ts\nEND_ARG\n"
        "BEGIN_ARG: startLine\n10\nEND_ARG\nBEGIN_ARG: endLine\n40\nEND_ARG\n```"
    )
    [call] = calls_in_text(text)
    assert call.source == CONTINUE_BLOCK
    assert call.name == "read_file_range"
    assert call.arguments == {"filepath": "src/app.ts", "startLine": 10, "endLine": 40}


def test_continue_block_is_case_insensitive_and_accepts_a_bare_tool_name_line():
    [call] = calls_in_text("tool_name: ls\nbegin_arg: dirPath\nsrc\nend_arg")
    assert (call.name, call.arguments) == ("ls", {"dirPath": "src"})


def test_continue_block_multiline_value_stays_a_string():
    text = "```tool\nTOOL_NAME: create_new_file\nBEGIN_ARG: filepath\na.py\nEND_ARG\nBEGIN_ARG: contents\nx = 1\nprint(x)\nEND_ARG\n```"
    [call] = calls_in_text(text)
    assert call.arguments == {"filepath": "a.py", "contents": "x = 1\nprint(x)"}


def test_tool_call_tags_qwen_style():
    text = '<tool_call>\n{"name": "grep_search", "arguments": {"query": "TODO|FIXME"}}\n</tool_call>'
    [call] = calls_in_text(text)
    assert call.source == TEXT_JSON
    assert (call.name, call.arguments) == ("grep_search", {"query": "TODO|FIXME"})


def test_unclosed_tool_call_tag_still_parses():
    [call] = calls_in_text('<tool_call>{"name": "view_diff", "arguments": {}}')
    assert call.name == "view_diff" and call.arguments == {}


def test_json_fence_and_bare_json_and_parameters_key():
    fenced = 'Sure:\n```json\n{"name": "read_file", "arguments": {"filepath": "a.go"}}\n```'
    assert calls_in_text(fenced)[0].arguments == {"filepath": "a.go"}
    bare = '{"name": "ls", "parameters": {"dirPath": "cmd"}}'
    assert calls_in_text(bare)[0].arguments == {"dirPath": "cmd"}
    prose = 'I will call {"name": "search_web", "arguments": {"query": "rust 2024 edition"}} now'
    assert calls_in_text(prose)[0].name == "search_web"


def test_json_array_of_calls_and_openai_shape():
    text = json.dumps([
        {"type": "function", "function": {"name": "read_file", "arguments": '{"filepath": "a.rb"}'}},
        {"name": "ls", "arguments": {}},
    ])
    calls = calls_in_text(text)
    assert [c.name for c in calls] == ["read_file", "ls"]
    assert calls[0].arguments == {"filepath": "a.rb"}


def test_broken_call_becomes_a_call_with_a_parse_error():
    [call] = calls_in_text('<tool_call>{"name": "read_file", "arguments": {"filepath": "a.ts"</tool_call>')
    assert call.name == "read_file" and call.arguments is None and call.parse_error


def test_arguments_that_are_not_an_object_are_a_parse_error():
    [call] = calls_in_text('{"name": "read_file", "arguments": ["a.ts"]}')
    assert call.arguments is None and "list" in call.parse_error


def test_plain_prose_and_unrelated_json_are_not_calls():
    assert calls_in_text("REST stands for Representational State Transfer.") == []
    assert calls_in_text('{"name": "Alice", "age": 3}') == []
    assert calls_in_text("") == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
call_like = st.fixed_dictionaries({"name": st.text(max_size=12), "arguments": json_values})
fragments = st.sampled_from(["```tool\n", "TOOL_NAME:", "BEGIN_ARG:", "END_ARG", "<tool_call>", "</tool_call>",
                             "```json\n", "```", "{", "}", "[", '"name":', '"arguments":', "\n"])


@settings(max_examples=300)
@given(st.lists(st.text(max_size=30) | fragments, max_size=25).map("".join))
def test_parser_never_raises_on_arbitrary_text(text):
    for call in calls_in_text(text):
        assert isinstance(call.name, str)
        assert call.arguments is None or isinstance(call.arguments, dict)


@settings(max_examples=200)
@given(json_values | call_like | st.lists(call_like, max_size=3))
def test_parser_never_raises_on_arbitrary_json(value):
    text = json.dumps(value)
    for wrapped in (text, f"<tool_call>{text}</tool_call>", f"```json\n{text}\n```", f"prefix {text} suffix"):
        calls_in_text(wrapped)


def test_deep_nesting_does_not_crash():
    assert calls_in_text("[" * 100000) == []
    assert calls_in_text('{"name": "ls", "arguments": ' + "[" * 50000) is not None


def test_a_tool_definition_echoed_back_is_not_a_call():
    # Real output of Qwen2.5-Coder-0.5B (llamacpp backend, native channel): it repeated the schema.
    text = (
        '```json\n{\n  "type": "function",\n  "function": {\n    "name": "read_file",\n    "description": '
        '"Return the full text of one file.",\n    "parameters": {"type": "object", "properties": {"filepath": '
        '{"type": "string"}}, "required": ["filepath"]}\n  }\n}\n```'
    )
    assert calls_in_text(text) == []


def test_real_qwen_call_in_a_json_fence_is_found():
    # Real output of Qwen2.5-Coder-0.5B through llama_cpp.server (Jinja template, native channel).
    text = '```json\n{\n  "name": "read_file",\n  "arguments": {\n    "filepath": "/workspace/src/config.ts"\n  }\n}\n```'
    [call] = calls_in_text(text)
    assert (call.name, call.arguments, call.source) == ("read_file", {"filepath": "/workspace/src/config.ts"}, TEXT_JSON)


def test_a_truncated_invented_definition_is_not_a_call():
    # Real output of SmolLM2-135M (llamacpp backend, native channel), cut off by max_tokens.
    text = (
        "Here's a sample of the JSON data that contains the idempotent methods:\n\n```json\n{\n  \"idempotent\": {\n"
        "    \"type\": \"function\",\n    \"name\": \"idempotent\",\n    \"description\": \"Returns the idempotent "
        "value of a function.\",\n    \"parameters\": {\n      \"type\": \"object\",\n      \"properties\": {\n"
        "        \"idempotent\": {\n          \"type\": \"function\",\n          \"name\": \"idem"
    )
    assert calls_in_text(text) == []


def test_a_truncated_call_to_an_invented_tool_is_still_a_failed_call():
    # Real output of SmolLM2-135M: an invented tool, its JSON cut off. Scored as a wrong tool.
    text = '```ruby\ndef calc_tax(amount)\n  return {\n    "calc_tax": {\n      "name": "calc_tax",\n      "arguments": {\n        "amount": {\n'
    [call] = calls_in_text(text)
    assert call.name == "calc_tax" and call.arguments is None
