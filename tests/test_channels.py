"""The two ways tools are offered (ctft_eval.channels): instructions in the system message, block text."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctft_eval.catalog import TOOLS, tool
from ctft_eval.channels import CHANNELS, CONTINUE, NATIVE, block_text, tool_instructions, with_tool_instructions
from ctft_eval.parsing import calls_in_text
from ctft_eval.reply import CONTINUE_BLOCK


def test_the_channels():
    assert CHANNELS == (NATIVE, CONTINUE) == ("native", "continue")


def definitions(text: str) -> dict[str, str]:
    """tool name -> its ```tool_definition block."""
    blocks = re.findall(r"```tool_definition\n(.*?)\n```", text, re.S)
    return {re.match(r"TOOL_NAME: (\S+)", b).group(1): b for b in blocks}


def test_instructions_describe_each_tool_and_its_arguments():
    text = tool_instructions(("read_file_range", "ls"))
    assert text.startswith("<tool_use_instructions>") and text.endswith("</tool_use_instructions>")
    assert "```tool\nTOOL_NAME: <the tool's name>\nBEGIN_ARG: <argument name>\n<argument value>\nEND_ARG\n```" in text
    blocks = definitions(text)
    assert list(blocks) == ["read_file_range", "ls"]
    for name, block in blocks.items():
        t = tool(name)
        assert f"TOOL_DESCRIPTION: {t.description}" in block
        args = re.findall(r"TOOL_ARG: (\S+) \((\w+), (required|optional)\)\n(.*?)\nEND_TOOL_ARG", block, re.S)
        assert [(a, typ, need == "required", desc) for a, typ, need, desc in args] == [
            (p.name, p.type, p.required, p.description) for p in t.params]


@pytest.mark.parametrize("name", [t.name for t in TOOLS])
def test_every_catalog_tool_has_a_definition(name):
    block = definitions(tool_instructions([name]))[name]
    assert block.count("TOOL_ARG:") == block.count("END_TOOL_ARG") == len(tool(name).params)


def test_required_and_optional_arguments():
    block = definitions(tool_instructions(["read_file_range"]))["read_file_range"]
    need = dict(re.findall(r"TOOL_ARG: (\S+) \(\w+, (required|optional)\)", block))
    assert need == {p.name: "required" if p.required else "optional" for p in tool("read_file_range").params}
    assert "required" in need.values()


def test_no_tools_still_gives_the_rules():
    text = tool_instructions(())
    assert "The tools:" in text and "```tool_definition" not in text


def test_an_unknown_tool_is_refused():
    with pytest.raises(KeyError, match="unknown tool 'nope'"):
        tool_instructions(["nope"])


def test_instructions_are_appended_to_the_system_message():
    messages = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "hi"}]
    out = with_tool_instructions(messages, ["ls"])
    assert out == [{"role": "system", "content": "You are terse.\n\n" + tool_instructions(["ls"])},
                   {"role": "user", "content": "hi"}]
    assert messages[0]["content"] == "You are terse."  # the input is not changed


@pytest.mark.parametrize("messages", [
    [{"role": "user", "content": "hi"}],
    [{"role": "user", "content": "hi"}, {"role": "system", "content": "late system message"}],
    [],
])
def test_a_system_message_is_inserted_when_the_first_is_not_one(messages):
    out = with_tool_instructions(messages, ["read_file"])
    assert out[0] == {"role": "system", "content": tool_instructions(["read_file"])}
    assert out[1:] == messages
    assert all(a is not b for a, b in zip(out[1:], messages, strict=True))


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


@pytest.mark.xfail(strict=True, reason="channels.block_text writes a string argument as it is, but Continue's "
                   "format (and parsing.calls_in_text) reads an argument that parses as JSON as JSON: the string "
                   "'42' comes back as the number 42, 'true' as True, 'null' as None")
@pytest.mark.parametrize("value", ["42", "true", "null", "[1, 2]"])
def test_block_text_keeps_a_string_that_looks_like_json_a_string(value):
    (call,) = calls_in_text(block_text("run_terminal_command", {"command": value}))
    assert call.arguments == {"command": value}
