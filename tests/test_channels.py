"""The two ways tools are offered (ctft_eval.channels): instructions in the system message, laid out as
Continue lays them out (ctft_eval.continue_prompts), and the call blocks written into the history."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from doubles.blocks import block_text
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ctft_eval import continue_prompts as prompts
from ctft_eval.catalog import TOOLS, TOOLS_BY_NAME, strict_schema, tool
from ctft_eval.channels import (
    CHANNELS,
    CONTINUE,
    NATIVE,
    history_block,
    tool_definition,
    tool_instructions,
)
from ctft_eval.parsing import calls_in_text
from ctft_eval.profile import DEFAULT_TOOLS
from ctft_eval.reply import CONTINUE_BLOCK

WITH_EXAMPLE = tuple(n for n in DEFAULT_TOOLS if n in prompts.EXAMPLES)
JIRA = {"type": "function", "function": {
    "name": "jira_search", "description": "Search the issue tracker.",
    "parameters": {"type": "object", "required": ["jql"], "properties": {
        "jql": {"type": "string", "description": "The query, in JQL."},
        "limit": {"type": "number", "description": "At most this many issues."},
        "fields": {"type": "array", "items": {"type": "string"}},
        "expand": {"type": "boolean"},
    }}}}


def test_the_channels():
    assert CHANNELS == (NATIVE, CONTINUE) == ("native", "continue")


def definitions(text: str) -> dict[str, str]:
    """tool name -> its ```tool_definition block."""
    blocks = re.findall(r"```tool_definition\n(.*?)\n```", text, re.S)
    return {re.match(r"TOOL_NAME: (\S+)", b).group(1): b for b in blocks}


def example_names(text: str) -> list[str]:
    """The TOOL_NAME of every ```tool block (an example call), in order."""
    blocks = re.findall(r"^```tool\n(.*?)^```$", text, re.S | re.M)
    return [name for b in blocks for name in re.findall(r"^TOOL_NAME: (\S+)$", b, re.M)]


def example_block(text: str, name: str) -> str:
    (block,) = re.findall(rf"^```tool\nTOOL_NAME: {name}\n.*?^```$", text, re.S | re.M)
    return block


def arguments_of(block: str) -> list[tuple[str, str, bool, str]]:
    """(name, type, required, description) of each TOOL_ARG of a tool_definition block."""
    lines, out = block.splitlines(), []
    for i, line in enumerate(lines):
        match = re.fullmatch(r"TOOL_ARG: (\S+) \((\w+), (required|optional)\)", line)
        if match:
            end = lines.index("END_ARG", i)
            out.append((match[1], match[2], match[3] == "required", "\n".join(lines[i + 1:end])))
    return out


# ---- the layout of the instructions --------------------------------------------------------------


def test_the_default_tools_get_one_example_each_and_read_skill_a_definition():
    text = tool_instructions(DEFAULT_TOOLS)
    assert len(DEFAULT_TOOLS) == 13 and "read_skill" not in WITH_EXAMPLE and len(WITH_EXAMPLE) == 12
    assert example_names(text) == [*WITH_EXAMPLE, "sample_tool"]  # sample_tool: the generic mapping example
    assert Counter(re.findall(r"^TOOL_NAME: (\S+)$", text, re.M))["read_skill"] == 1  # in its definition only
    assert list(definitions(text)) == ["read_skill", "sample_tool"]


def test_each_example_follows_its_paragraph_in_the_order_of_the_tools():
    text = tool_instructions(DEFAULT_TOOLS)
    positions = []
    for name in WITH_EXAMPLE:
        paragraph, _ = prompts.EXAMPLES[name]
        positions.append(text.index(f"\n{paragraph}\n```tool\nTOOL_NAME: {name}\n"))
    assert positions == sorted(positions)


def test_read_skill_is_described_by_its_schema():
    block = definitions(tool_instructions(DEFAULT_TOOLS))["read_skill"]
    t = tool("read_skill")
    assert block.startswith(f"TOOL_NAME: read_skill\nTOOL_DESCRIPTION:\n{t.description}\n")
    assert arguments_of(block) == [(p.name, p.type, p.required, p.description) for p in t.params]
    assert arguments_of(block)[0][:3] == ("skillName", "string", True)


@pytest.mark.parametrize("names", [DEFAULT_TOOLS, tuple(t.name for t in TOOLS)], ids=["default", "all"])
def test_arguments_end_with_end_arg_never_end_tool_arg(names):
    text = tool_instructions(names)
    assert "END_ARG" in text and "END_TOOL_ARG" not in text


def test_the_instructions_open_with_the_tag_and_the_preamble():
    text = tool_instructions(DEFAULT_TOOLS)
    assert text.startswith(f"{prompts.TOOLS_TAG}\n{prompts.PREAMBLE}\n")
    assert text.count(prompts.TOOLS_TAG) == text.count(prompts.TOOLS_CLOSE) == 1
    assert prompts.TOOLS_TAG == "<tool_use_instructions>"


@pytest.mark.parametrize("names", [DEFAULT_TOOLS, ("read_file",), ("read_skill",), ()],
                         ids=["default", "examples-only", "definitions-only", "none"])
def test_the_nine_numbered_rules_close_the_instructions(names):
    text = tool_instructions(names)
    lines = text.splitlines()
    assert lines[-1] == "</tool_use_instructions>"
    assert [re.match(r"(\d+)\. \S", line).group(1) for line in lines[-10:-1]] == [str(n) for n in range(1, 10)]
    assert text.endswith(f"\n{prompts.RULES}\n{prompts.TOOLS_CLOSE}")
    assert len(re.findall(r"^\d+\. ", text, re.M)) == 9  # no other numbered line in the instructions


def test_the_sections_come_in_order():
    text = tool_instructions(DEFAULT_TOOLS)
    marks = [prompts.PREAMBLE, prompts.WITH_EXAMPLES, prompts.WITH_DEFINITIONS, "TOOL_NAME: read_skill",
             prompts.MAPPING_INTRO, prompts.GENERIC_DEFINITION, prompts.MAPPING_OUTRO, prompts.GENERIC_CALL,
             prompts.RULES]
    assert [text.index(m) for m in marks] == sorted(text.index(m) for m in marks)
    assert all(text.count(m) == 1 for m in marks)


def test_tools_that_all_have_examples_get_no_definitions():
    text = tool_instructions(("read_file", "ls"))
    assert example_names(text) == ["read_file", "ls"]
    assert "```tool_definition" not in text and prompts.WITH_DEFINITIONS not in text
    assert prompts.MAPPING_INTRO not in text and "sample_tool" not in text


def test_tools_without_examples_get_no_example_section():
    text = tool_instructions(("read_skill",))
    assert prompts.WITH_EXAMPLES not in text and example_names(text) == ["sample_tool"]
    assert list(definitions(text)) == ["read_skill", "sample_tool"]


def test_no_tools_still_gives_the_preamble_and_the_rules():
    text = tool_instructions(())
    assert text == "\n".join([prompts.TOOLS_TAG, prompts.PREAMBLE, "\n" + prompts.RULES, prompts.TOOLS_CLOSE])
    assert "```" not in text.replace(prompts.PREAMBLE, "").replace(prompts.RULES, "")


def test_every_builtin_tool_but_read_skill_has_an_example():
    assert set(TOOLS_BY_NAME) - set(prompts.EXAMPLES) == {"read_skill"}
    assert set(prompts.EXAMPLES) <= set(TOOLS_BY_NAME)


@pytest.mark.parametrize("name", sorted(prompts.EXAMPLES))
def test_every_example_is_a_call_continue_can_read_and_run(name):
    text = tool_instructions([name])
    (call,) = calls_in_text(example_block(text, name))
    assert (call.name, call.parse_error, call.source) == (name, None, CONTINUE_BLOCK)
    errors = [e.message for e in Draft202012Validator(strict_schema(name)).iter_errors(call.arguments)]
    assert errors == []
    assert prompts.EXAMPLES[name][0].strip()  # a paragraph, not an empty line


@pytest.mark.parametrize("name", [t.name for t in TOOLS])
def test_every_catalog_tool_is_described_once(name):
    text = tool_instructions([name])
    if name in prompts.EXAMPLES:
        assert example_names(text) == [name] and name not in definitions(text)
    else:
        block = definitions(text)[name]
        assert block.count("TOOL_ARG:") == block.count("END_ARG") == len(tool(name).params)
        assert example_names(text) == ["sample_tool"]


def test_an_unknown_tool_is_refused():
    with pytest.raises(KeyError, match="unknown tool 'nope'"):
        tool_instructions(["nope"])


# ---- tools outside the catalog ---------------------------------------------------------------------


def test_a_tool_outside_the_catalog_gets_a_definition_from_its_schema():
    text = tool_instructions(("read_file", "jira_search"), {"jira_search": JIRA})
    assert example_names(text) == ["read_file", "sample_tool"]
    block = definitions(text)["jira_search"]
    assert block.startswith("TOOL_NAME: jira_search\nTOOL_DESCRIPTION:\nSearch the issue tracker.\n")
    assert arguments_of(block) == [
        ("jql", "string", True, "The query, in JQL."),
        ("limit", "number", False, "At most this many issues."),
        ("fields", "array", False, ""),
        ("expand", "boolean", False, ""),
    ]


def test_a_tool_definition_block_layout():
    assert tool_definition(JIRA) == (
        "```tool_definition\nTOOL_NAME: jira_search\nTOOL_DESCRIPTION:\nSearch the issue tracker.\n"
        "TOOL_ARG: jql (string, required)\nThe query, in JQL.\nEND_ARG\n"
        "TOOL_ARG: limit (number, optional)\nAt most this many issues.\nEND_ARG\n"
        "TOOL_ARG: fields (array, optional)\nEND_ARG\n"
        "TOOL_ARG: expand (boolean, optional)\nEND_ARG\n```"
    )


def test_a_bare_schema_without_description_or_types():
    schema = {"name": "ping", "parameters": {"properties": {"host": {}, "odd": "not a mapping"}}}
    assert tool_definition(schema) == (
        "```tool_definition\nTOOL_NAME: ping\n"
        "TOOL_ARG: host (string, optional)\nEND_ARG\n"
        "TOOL_ARG: odd (string, optional)\nEND_ARG\n```"
    )
    assert tool_definition({"type": "function", "function": {"name": "noop"}}) == (
        "```tool_definition\nTOOL_NAME: noop\n```")


# ---- a model's call block (the tests' own writer, doubles.blocks) reads back as written -----------------


def test_block_text_layout():
    assert block_text("read_file_range", {"filepath": "a.py", "startLine": 3, "strict": True}) == (
        "```tool\nTOOL_NAME: read_file_range\n"
        "BEGIN_ARG: filepath\na.py\nEND_ARG\n"
        "BEGIN_ARG: startLine\n3\nEND_ARG\n"
        "BEGIN_ARG: strict\ntrue\nEND_ARG\n```"
    )
    assert block_text("view_diff", {}) == "```tool\nTOOL_NAME: view_diff\n```"


_MARKERS = re.compile(r"end_?arg|begin_?arg|tool_?name|```", re.I)


def plain(text: str) -> bool:
    """A string that reads back as itself: no markers, no edge whitespace, not JSON."""
    if text != text.strip() or _MARKERS.search(text):
        return False
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


names = st.from_regex(r"[a-z][a-zA-Z0-9_]{0,20}", fullmatch=True).filter(lambda n: not _MARKERS.search(n))
values = (st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40).filter(plain)
          | st.integers(-10**12, 10**12) | st.booleans())


@given(names, st.dictionaries(names, values, max_size=6))
def test_block_text_reads_back_as_the_same_call(name, arguments):
    (call,) = calls_in_text(block_text(name, arguments))
    assert (call.name, call.arguments, call.parse_error, call.source) == (name, arguments, None, CONTINUE_BLOCK)


@given(st.dictionaries(names, st.text(st.characters(codec="ascii", categories=("L", "N", "P", "Zs")), min_size=1,
                                               max_size=30)
                       .filter(plain), min_size=1, max_size=4))
def test_block_text_of_multi_line_values_reads_back(arguments):
    lines = {k: f"{v}\nsecond line of {k}" for k, v in arguments.items()}
    (call,) = calls_in_text(block_text("edit_existing_file", lines))
    assert call.arguments == lines


@pytest.mark.xfail(strict=True, reason="a model that writes a string argument as it is, but Continue's "
                   "format (and parsing.calls_in_text) reads an argument that parses as JSON as JSON: the string "
                   "'42' comes back as the number 42, 'true' as True, 'null' as None")
@pytest.mark.parametrize("value", ["42", "true", "null", "[1, 2]"])
def test_block_text_keeps_a_string_that_looks_like_json_a_string(value):
    (call,) = calls_in_text(block_text("run_terminal_command", {"command": value}))
    assert call.arguments == {"command": value}


# ---- history_block: a call as Continue writes it back ------------------------------------------------


def test_history_block_layout():
    assert history_block("read_file_range", {"filepath": "a.py", "startLine": 3, "strict": True,
                                             "text": "two\nlines", "none": None, "list": [1, "x"]}) == (
        "```tool\nTOOL_NAME: read_file_range\n"
        'BEGIN_ARG: filepath\n"a.py"\nEND_ARG\n'
        "BEGIN_ARG: startLine\n3\nEND_ARG\n"
        "BEGIN_ARG: strict\ntrue\nEND_ARG\n"
        'BEGIN_ARG: text\n"two\\nlines"\nEND_ARG\n'
        "BEGIN_ARG: none\nnull\nEND_ARG\n"
        'BEGIN_ARG: list\n[1,"x"]\nEND_ARG\n```'
    )
    assert history_block("view_diff", {}) == "```tool\nTOOL_NAME: view_diff\n```"


def test_history_block_writes_text_as_json_stringify_does():
    block = history_block("create_new_file", {"contents": 'caf\u00e9 "quoted"\ttab\\'})
    assert 'caf\u00e9 \\"quoted\\"\\ttab\\\\' in block  # non-ASCII kept, quotes, tabs and backslashes escaped


@pytest.mark.parametrize("value", ["42", "true", "null", "[1, 2]", '{"a": 1}'])
def test_history_block_keeps_a_string_that_looks_like_json_a_string(value):
    (call,) = calls_in_text(history_block("run_terminal_command", {"command": value}))
    assert call.arguments == {"command": value}


def _encodes_plain(value) -> bool:
    """A value whose JSON text holds no block marker (a value holding END_ARG ends the argument for
    Continue too)."""
    return not _MARKERS.search(json.dumps(value, ensure_ascii=False))


json_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | json_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=6,
).filter(_encodes_plain)


@given(names, st.dictionaries(names, json_values, max_size=6))
def test_history_block_reads_back_as_the_same_call(name, arguments):
    (call,) = calls_in_text(history_block(name, arguments))
    assert (call.name, call.arguments, call.parse_error, call.source) == (name, arguments, None, CONTINUE_BLOCK)


@given(st.dictionaries(names, json_text.filter(_encodes_plain), min_size=1, max_size=4))
def test_history_block_writes_every_value_on_one_line(arguments):
    block = history_block("edit_existing_file", arguments)
    assert block.count("\n") == 2 + 3 * len(arguments)
