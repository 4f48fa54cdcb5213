"""Faults in reading a reply's text (issue 12): calls nested 700 and 100,000 levels deep, and
1 MB replies of the shapes that used to take quadratic time (results only: the times are in
benchmarks/parser.py)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctft_eval.continue_reading import difference, read_calls
from ctft_eval.depth import MAX_DEPTH, TOO_DEEP, TOO_DEEP_NOTE, clipped, deeper_than, where_deeper
from ctft_eval.parsing import calls_for_channel, calls_in_text
from ctft_eval.record import reply_json
from ctft_eval.reply import Reply

DEPTHS = [MAX_DEPTH + 1, 150, 400, 700, 100_000]
MB = 1_000_000


def json_call(depth: int, inside: str = "[]") -> str:
    open_, close = inside
    return 'Sure: {"name": "read_file", "arguments": {"filepath": ' + open_ * depth + close * depth + "}}"


def block_call(depth: int) -> str:
    return "```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath\n" + "[" * depth + "]" * depth + "\nEND_ARG\n```"


def safe(reply: Reply) -> None:
    """What the record builder and the reports do with a reply's calls works."""
    json.dumps(reply_json(reply))
    for call in reply.tool_calls:
        repr(call)
        assert call.arguments is None or not deeper_than(call.arguments, MAX_DEPTH)


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("channel", ["native", "continue"])
def test_a_json_call_nested_too_deep_is_a_too_deep_call(depth, channel):
    text = json_call(depth)
    calls = calls_for_channel(text, channel)
    if channel == "continue":
        assert calls == []  # Continue runs only ```tool blocks
        assert "written as JSON" in difference(text, calls)
    else:
        [call] = calls
        assert call.name == "read_file" and call.arguments is None and call.parse_error.startswith(TOO_DEEP)
        assert call.source == "text_json" and "read_file" in call.raw_arguments
    safe(Reply(text=text, tool_calls=calls, channel=channel))


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("channel", ["native", "continue"])
def test_a_block_value_nested_too_deep_is_kept_as_text(depth, channel):
    text = block_call(depth)
    [call] = calls_for_channel(text, channel)
    assert call.name == "read_file" and call.arguments == {"filepath": "[" * depth + "]" * depth}
    safe(Reply(text=text, tool_calls=[call], channel=channel))
    assert difference(text, [call]) is None  # both readings keep the text


def test_nesting_up_to_the_limit_is_read():
    inner = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    [call] = calls_in_text('{"name": "read_file", "arguments": {"filepath": ' + inner + "}}")
    assert call.arguments is not None and call.parse_error is None
    [block] = read_calls(block_call(MAX_DEPTH - 2))
    assert isinstance(block.arguments["filepath"], list)


@pytest.mark.parametrize("depth", [700, 100_000])
def test_deep_objects_and_deep_lists_of_calls_do_not_crash(depth):
    assert calls_in_text("[" * depth + "]" * depth) == []  # (the reader used to recurse into the lists)
    [call] = calls_in_text(json_call(depth, "{}"))  # {"filepath": {{{...}}}}: not JSON, a broken call
    assert call.arguments is None
    wrapped = "[" * depth + '{"name": "ls", "arguments": {}}' + "]" * depth
    for text in (wrapped, f"<tool_call>{wrapped}</tool_call>", f"```json\n{wrapped}\n```"):
        assert all(c.arguments is None or c.arguments == {} for c in calls_in_text(text))


def test_an_unclosed_deep_call_names_the_depth():
    [call] = calls_in_text('{"name": "read_file", "arguments": {"filepath": ' + "[" * 100_000)
    assert call.arguments is None and call.parse_error.startswith(TOO_DEEP)


def test_the_depth_helpers_never_recurse():
    deep = [0]
    for _ in range(100_000):
        deep = [deep]
    assert deeper_than(deep, 99_999) and not deeper_than(deep, 100_001)
    short = clipped({"a": deep, "b": [1, {"c": 2}]}, 3)
    assert short == {"a": [[TOO_DEEP_NOTE]], "b": [1, {"c": 2}]}
    assert where_deeper({"x": [{"y": deep}]}, 5) == "x[0].y[0][0]"
    assert where_deeper({"x": deep}, 50).startswith("x[0][0]") and where_deeper({"x": deep}, 50).endswith("...")
    assert where_deeper({"x": [1]}, 5) is None


# ---- 1 MB replies: the shapes that were quadratic give the same reading, in linear time ------------


def _fill(unit: str, head: str = "", size: int = MB) -> str:
    return head + unit * ((size - len(head)) // len(unit))


def test_a_block_that_never_closes():
    text = _fill("src/app.ts and more words on the line\n", "```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath\n")
    [call] = read_calls(text)
    assert call.name == "read_file" and call.arguments == {}
    assert difference(text, [call]) is None  # the lenient reading has no END_ARG either


def test_many_begin_arg_lines_without_end():
    text = _fill("BEGIN_ARG: a\n", "```tool\nTOOL_NAME: read_file\n")
    [call] = read_calls(text)
    assert call.arguments == {}
    [lenient] = calls_in_text(text)
    assert lenient.name == "read_file" and lenient.arguments == {}
    difference(text, [call])


def test_many_begin_arg_lines_then_one_end():
    text = _fill("BEGIN_ARG: a\n", "```tool\nTOOL_NAME: read_file\n") + "END_ARG\n```"
    [lenient] = calls_in_text(text)
    assert list(lenient.arguments) == ["a"]  # the first BEGIN_ARG's value runs to the only END_ARG
    assert lenient.arguments["a"].startswith("BEGIN_ARG: a\nBEGIN_ARG: a")


def test_many_distinct_arguments_cut_by_a_blank_line():
    half = MB // 48
    args = [f"BEGIN_ARG: a{i}\nv\nEND_ARG\n" for i in range(2 * half)]
    text = "```tool\nTOOL_NAME: read_file\n" + "".join(args[:half]) + "\n" + "".join(args[half:]) + "```"
    [call] = read_calls(text)
    [lenient] = calls_in_text(text)
    assert list(call.arguments) == [f"a{i}" for i in range(half)] and len(lenient.arguments) == 2 * half
    why = difference(text, [call])
    assert why.startswith(f"Continue's reading stops at the blank line before 'a{half}': the call has no a{half}, ")
    assert why.endswith(f"a{2 * half - 1}")


def test_an_argument_named_with_its_value_among_many():
    args = "".join(f"BEGIN_ARG: a{i}\nv\nEND_ARG\n" for i in range(MB // 24))
    text = "```tool\nTOOL_NAME: read_file\n" + args + "BEGIN_ARG: filepath src/a.ts\nEND_ARG\n```"
    [call] = read_calls(text)
    assert call.arguments["filepath src/a.ts"] == ""
    assert calls_in_text(text)[0].arguments["filepath"] == "src/a.ts"
    assert difference(text, [call]) == ("Continue reads an argument named 'filepath src/a.ts': text on a BEGIN_ARG "
                                        "line is part of the name")


def test_many_blocks_and_plain_prose():
    unit = "```tool\nTOOL_NAME: ls\nBEGIN_ARG: dirPath\n.\nEND_ARG\n```\n"
    text = _fill(unit)
    calls = read_calls(text)
    assert len(calls) == MB // len(unit) and all(c.arguments == {"dirPath": "."} for c in calls)
    assert difference(text, calls) is None
    prose = _fill("The configuration lives in several places, some of them old. ")
    assert read_calls(prose) == [] and calls_in_text(prose) == []


def test_an_unclosed_json_value_in_a_block():
    text = _fill('"line",\n', "```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath\n[")
    [call] = read_calls(text)
    assert call.arguments == {}


names = st.text(alphabet="ab _", min_size=1, max_size=6)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(names, st.sampled_from(["v", "1", "[1]"]), st.booleans()), min_size=1, max_size=6))
def test_the_explanation_of_differences_never_raises(args):
    text = "```tool\nTOOL_NAME: read_file\n" + "".join(
        f"BEGIN_ARG: {n}\n{v}\n" + ("END_ARG\n" if closed else "") for n, v, closed in args)
    calls = read_calls(text)
    why = difference(text, calls)
    assert why is None or isinstance(why, str)
