"""Continue's reading of ```tool blocks: a test per rule, robustness, and the explanations of differences."""

import json

import pytest
from doubles.blocks import block_text
from hypothesis import given, settings
from hypothesis import strategies as st

from ctft_eval.continue_reading import difference, read_calls
from ctft_eval.parsing import calls_for_channel, calls_in_text
from ctft_eval.reply import CONTINUE_BLOCK, TEXT_JSON, Reply
from ctft_eval.scorers.verdicts import selection

READ = "```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath\nsrc/app.ts\nEND_ARG\n```"


def one(text):
    [call] = read_calls(text)
    return call


def args_of(text):  # the arguments of the one call Continue reads
    return one(text).arguments


def stream_error(text):
    [call] = read_calls(text)
    assert call.name == "" and call.arguments is None
    return call.parse_error


def block(value):
    return f"```tool\nTOOL_NAME: t\nBEGIN_ARG: v\n{value}\nEND_ARG\n```"


fragments = st.sampled_from([
    "```tool\n", "```tool", "```", "`", "\n", "\r\n", "\n\n", " ", "TOOL_NAME:", "TOOL_NAME: read_file", "tool_name: ls",
    "BEGIN_ARG:", "BEGIN_ARG: filepath", "begin_arg: a\"b", "END_ARG", "endArg", "END_TOOL_ARG", "{", "}", "[", "]",
    '"', "\\", '{"a": "x\n', '["\n\n"]', "null", "1e400", "NaN", "\u00a0", "\ufeff", "\u0130",
])


def explain(text):
    return difference(text, read_calls(text))


class TestWhereACallStarts:  # a call starts at ```tool + newline where a chunk starts, or at a chunk beginning tool_name:
    def test_standard_block_is_read(self):
        call = one(READ)
        assert (call.name, call.arguments, call.source) == ("read_file", {"filepath": "src/app.ts"}, CONTINUE_BLOCK)
        assert json.loads(call.raw_arguments) == {"filepath": "src/app.ts"} and call.parse_error is None

    def test_fence_after_text_on_the_same_line_starts_a_call(self):
        assert one("I will read it: " + READ).name == "read_file"
        assert one("  " + READ.replace("```tool", "```TOOL", 1)).name == "read_file"  # any case

    def test_bare_tool_name_line_starts_a_call_in_any_case(self):
        assert one("Sure.\ntool_name: ls\nBEGIN_ARG: dirPath\nsrc\nEND_ARG\n").arguments == {"dirPath": "src"}
        assert one("Tool_Name: view_diff\n").name == "view_diff"

    def test_indented_tool_name_without_fence_is_not_a_call(self):
        assert read_calls("  TOOL_NAME: read_file\nBEGIN_ARG: filepath\na\nEND_ARG\n") == []

    def test_toolname_without_underscore_does_not_start_a_call_unfenced(self):
        assert read_calls("TOOLNAME: ls\n") == []
        assert one("```tool\nToolName: ls\n```").name == "ls"  # inside a block the tag is /tool_?name:/i

    def test_fence_with_trailing_spaces_is_not_a_fence_but_the_name_line_still_starts_a_call(self):
        assert one(READ.replace("```tool\n", "```tool  \n")).arguments == {"filepath": "src/app.ts"}
        assert read_calls("```tool  \n  TOOL_NAME: ls\n```") == []  # no fence, and the name line is indented

    def test_crlf_fence_is_not_a_fence_but_the_name_line_still_starts_a_call(self):
        call = one(READ.replace("\n", "\r\n"))
        assert (call.name, call.arguments) == ("read_file", {"filepath": "src/app.ts"})
        text = "```tool\r\nTOOL_NAME: create_new_file\r\nBEGIN_ARG: contents\r\na\r\nb\r\nEND_ARG\r\n```"
        assert args_of(text) == {"contents": "a\r\nb"}  # a CR inside a value stays

    def test_tool_definition_block_echoed_back_reads_as_a_call(self):
        call = one("```tool_definition\nTOOL_NAME: read_file\nTOOL_DESCRIPTION: reads a file\n```")  # no fence, but
        assert (call.name, call.arguments) == ("read_file", {})  # a TOOL_NAME line; the next line ends the call

    def test_tool_name_right_after_a_closing_fence_starts_another_call(self):
        assert [c.name for c in read_calls(READ + "TOOL_NAME: ls\n")] == ["read_file", "ls"]

    def test_json_calls_are_not_read_on_this_channel(self):
        assert read_calls('{"name": "read_file", "arguments": {"filepath": "a"}}') == []
        assert read_calls('<tool_call>{"name": "ls", "arguments": {}}</tool_call>') == []


class TestTheName:  # the name line: right after the fence, the whole rest of the line
    def test_name_is_the_whole_rest_of_the_line(self):
        assert one("```tool\nTOOL_NAME: read_file (the config)\n```").name == "read_file (the config)"

    def test_name_runs_from_the_first_tag_to_a_second_one(self):
        assert one("```tool\nTOOL_NAME: ls TOOL_NAME: grep_search\n```").name == "ls"
        assert one("```tool\nCall TOOL_NAME: ls\n```").name == "ls"

    def test_blank_line_after_the_fence_or_space_before_the_colon_is_an_invalid_tool_name_stream_error(self):
        assert "Invalid tool name" in stream_error("```tool\n\nTOOL_NAME: ls\n```")
        assert "Invalid tool name" in stream_error("```tool\nTOOL_NAME : ls\n```")

    def test_name_line_must_follow_the_fence(self):
        assert "Invalid tool name" in stream_error("```tool\nread_file\nBEGIN_ARG: filepath\na\nEND_ARG\n```")
        assert "Invalid tool name" in stream_error("```tool\nTOOL_NAME:   \n```")

    def test_stream_error_discards_calls_before_it(self):
        assert "no call in this reply runs" in stream_error(READ + "\n```tool\n\n```")

    def test_reply_ending_on_the_name_line_has_no_call(self):
        assert read_calls("```tool\nTOOL_NAME: view_diff") == []
        assert read_calls("```tool\n```") == []  # the name line never ends: no call, and no error either


class TestArguments:  # BEGIN_ARG / value lines / a line containing end_arg; anything else ends the call
    def test_call_without_arguments_has_empty_arguments(self):
        call = one("```tool\nTOOL_NAME: view_diff\n```")
        assert (call.name, call.arguments, call.raw_arguments) == ("view_diff", {}, "{}")

    def test_value_on_the_begin_arg_line_becomes_part_of_the_name(self):
        assert args_of("```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath src/a.ts\nEND_ARG\n```") == {"filepath src/a.ts": ""}

    def test_begin_arg_needs_its_colon_and_may_drop_the_underscore(self):
        assert args_of("```tool\nTOOL_NAME: ls\nbeginarg: dirPath\nsrc\nENDARG\n```") == {"dirPath": "src"}
        assert args_of("```tool\nTOOL_NAME: ls\nBEGIN ARG: dirPath\nsrc\nEND_ARG\n```") == {}  # ends the call

    def test_empty_begin_arg_name_is_an_invalid_begin_arg_line_stream_error(self):
        assert "Invalid begin arg line" in stream_error("```tool\nTOOL_NAME: ls\nBEGIN_ARG:\nsrc\nEND_ARG\n```")

    def test_end_arg_inside_a_value_line_ends_the_argument(self):
        text = "```tool\nTOOL_NAME: grep_search\nBEGIN_ARG: query\nsendArgs(\nmore\nEND_ARG\n```"
        assert args_of(text) == {"query": ""}  # "sendArgs(" ends query, with nothing before it; "more" ends the call
        text = "```tool\nTOOL_NAME: grep_search\nBEGIN_ARG: query\nTODO\nappend_arg here\nEND_ARG\n```"
        assert args_of(text) == {"query": "TODO"}
        text = "```tool\nTOOL_NAME: grep_search\nBEGIN_ARG: query\nTODO\nappendArg\n```"
        assert args_of(text) == {"query": "TODO"}

    def test_text_on_the_end_arg_line_is_lost(self):
        assert args_of("```tool\nTOOL_NAME: ls\nBEGIN_ARG: dirPath\nsrc\nlib END_ARG\n```") == {"dirPath": "src"}

    def test_end_tool_arg_does_not_end_an_argument(self):
        text = "```tool\nTOOL_NAME: ls\nBEGIN_ARG: dirPath\nsrc\nEND_TOOL_ARG\nEND_ARG\n```"
        assert args_of(text) == {"dirPath": "src\nEND_TOOL_ARG"}

    def test_blank_or_prose_line_between_arguments_ends_the_call(self):
        for between in ("", "and then"):
            text = f"```tool\nTOOL_NAME: ls\nBEGIN_ARG: dirPath\nsrc\nEND_ARG\n{between}\nBEGIN_ARG: recursive\ntrue\nEND_ARG\n```"
            assert args_of(text) == {"dirPath": "src"}

    def test_line_starting_with_backticks_ends_the_call(self):
        assert args_of("```tool\nTOOL_NAME: ls\nBEGIN_ARG: dirPath\nsrc\nEND_ARG\n```python\nBEGIN_ARG: x\n1\nEND_ARG\n"
                       ) == {"dirPath": "src"}

    def test_blank_value_lines_inside_an_argument_are_kept(self):
        text = "```tool\nTOOL_NAME: create_new_file\nBEGIN_ARG: contents\na\n\nb\nEND_ARG\n```"
        assert args_of(text) == {"contents": "a\n\nb"}

    def test_unclosed_last_argument_gives_empty_arguments(self):
        assert args_of("```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath\nsrc/app.ts\nEND_ARG") == {}
        text = "```tool\nTOOL_NAME: read_file_range\nBEGIN_ARG: filepath\na.py\nEND_ARG\nBEGIN_ARG: startLine\n3\nEND_ARG"
        assert args_of(text) == {}  # earlier, closed arguments are lost too

    def test_reply_ending_after_end_arg_and_newline_keeps_the_arguments(self):
        assert args_of("tool_name: ls\nbegin_arg: dirPath\nsrc\nend_arg\n") == {"dirPath": "src"}

    def test_begin_arg_line_at_the_end_of_the_reply_is_dropped_but_earlier_arguments_stay(self):
        assert args_of("```tool\nTOOL_NAME: ls\nBEGIN_ARG: dirPath\nsrc\nEND_ARG\nBEGIN_ARG: recursive") == {"dirPath": "src"}

    def test_duplicate_argument_keeps_the_last_value(self):
        text = "```tool\nTOOL_NAME: ls\nBEGIN_ARG: dirPath\na\nEND_ARG\nBEGIN_ARG: dirPath\nb\nEND_ARG\n```"
        assert args_of(text) == {"dirPath": "b"}

    def test_argument_name_with_a_quote_breaks_the_arguments(self):
        assert args_of('```tool\nTOOL_NAME: ls\nBEGIN_ARG: dir"Path\nsrc\nEND_ARG\n```') == {}
        # pasted unescaped, a name can even add keys: Continue parses the text it built
        assert args_of('```tool\nTOOL_NAME: ls\nBEGIN_ARG: a":1,"b\n2\nEND_ARG\n```') == {"a": 1, "b": 2}


class TestValues:  # a value: trimmed, newline-repaired when it starts with [ or {, JSON when it parses, else text
    @pytest.mark.parametrize("value, read", [
        ("  src/a.ts  ", "src/a.ts"), ("10", 10), ("-2.5", -2.5), ("true", True), ("false", False),
        ("[1, 2]", [1, 2]), ('{"a": {"b": []}}', {"a": {"b": []}}), ('"quoted"', "quoted"), ("", ""),
        ("null", None),  # JSON.parse gives null, and null is what the tool receives
    ])
    def test_values_are_trimmed_and_read_as_json_when_they_parse(self, value, read):
        assert one(block(value)).arguments == {"v": read}

    def test_value_that_is_not_json_stays_text(self):
        assert one(block("10 apples")).arguments == {"v": "10 apples"}
        assert one(block("{not json}")).arguments == {"v": "{not json}"}
        assert one(block("NaN")).arguments == {"v": "NaN"} and one(block("Infinity")).arguments == {"v": "Infinity"}

    def test_numbers_are_javascript_numbers_and_infinity_becomes_null(self):
        assert one(block("10.0")).arguments == {"v": 10} and isinstance(one(block("10.0")).arguments["v"], int)
        assert one(block("-0")).arguments == {"v": 0} and one(block("1e400")).arguments == {"v": None}

    def test_whitespace_is_javascript_whitespace(self):
        assert one(block("\u00a0\ufeffa\u2003")).arguments == {"v": "a"}
        assert one(block("\x1ca")).arguments == {"v": "\x1ca"}  # Python's strip() would take \x1c, JavaScript's trim not

    def test_raw_newlines_in_json_strings_are_repaired(self):
        assert one(block('{"code": "line 1\nline 2"}')).arguments == {"v": {"code": "line 1\nline 2"}}
        assert one(block('["a\nb", "c"]')).arguments == {"v": ["a\nb", "c"]}
        assert one(block('"a\nb"')).arguments == {"v": '"a\nb"'}  # only values starting with [ or { are repaired

    def test_json_value_that_still_fails_keeps_the_repaired_text(self):
        # two raw newlines in a row: only the first is escaped, the parse fails, the repaired text is the value
        assert one(block('{"a": "x\n\ny"}')).arguments == {"v": '{"a": "x\\n\ny"}'}

    def test_deeply_nested_value_is_kept_as_text(self):
        deep = "[" * 2000 + "]" * 2000
        assert one(block(deep)).arguments == {"v": deep}


class TestSeveralBlocks:  # every block is a call; text around blocks is not
    def test_every_block_in_a_reply_is_a_call(self):
        calls = read_calls(READ + "\nThen:\n```tool\nTOOL_NAME: ls\n```\n")
        assert [c.name for c in calls] == ["read_file", "ls"]

    def test_duplicate_edit_blocks_are_not_dropped_on_this_channel(self):
        edit = "```tool\nTOOL_NAME: edit_existing_file\nBEGIN_ARG: filepath\na.py\nEND_ARG\n```\n"
        assert [c.name for c in read_calls(edit + edit)] == ["edit_existing_file"] * 2

    def test_text_after_the_closing_fence_is_not_part_of_the_call(self):
        calls = read_calls(READ + " BEGIN_ARG: x\n1\nEND_ARG\nDone.")
        assert [(c.name, c.arguments) for c in calls] == [("read_file", {"filepath": "src/app.ts"})]

    def test_block_text_reads_back_as_written(self):
        args = {"filepath": "src/a b.ts", "startLine": 3, "recursive": True, "contents": "x = 1\n\nprint(x)"}
        call = one(block_text("create_new_file", args))
        assert (call.name, call.arguments) == ("create_new_file", args)

    def test_calls_for_channel_reads_each_channel_its_own_way(self):
        text = "tool_name: ls\nbegin_arg: dirPath\nsrc\nend_arg"
        assert calls_for_channel(text, "continue")[0].arguments == {}
        assert calls_for_channel(text, "native")[0].arguments == {"dirPath": "src"}  # lenient: "call in text"
        assert calls_for_channel('{"name": "ls", "arguments": {}}', "native")[0].source == TEXT_JSON


class TestDifference:  # where Continue's reading differs from a lenient one, the reason says so
    def test_difference_is_none_when_both_readings_agree(self):
        assert explain(READ) is None and explain("No tool needed.") is None

    def test_difference_names_a_call_to_a_tool_that_does_not_exist(self):
        why = "Continue reads a call to 'read_file (the config)', which does not exist"
        assert explain("```tool\nTOOL_NAME: read_file (the config)\n```") == why

    def test_difference_says_where_the_reading_stops(self):
        text = "```tool\nTOOL_NAME: file_glob_search\nBEGIN_ARG: x\n1\nEND_ARG\n\nBEGIN_ARG: pattern\n*.py\nEND_ARG\n```"
        assert explain(text) == "Continue's reading stops at the blank line before 'pattern': the call has no pattern"

    def test_difference_explains_an_unclosed_last_argument(self):
        why = explain("```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath\na.ts\nEND_ARG")
        assert "right after END_ARG, with no newline" in why and "'filepath' open" in why

    def test_difference_explains_a_value_cut_by_end_arg_in_a_line(self):
        text = "```tool\nTOOL_NAME: grep_search\nBEGIN_ARG: query\nTODO\nsendArgs(x) END_ARG\n```"
        assert explain(text) == "Continue reads query as 'TODO' (its line 'sendArgs(x) END_ARG' ends the argument)"

    def test_difference_explains_a_value_on_the_begin_arg_line(self):
        assert "argument named 'filepath a.ts'" in explain("```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath a.ts\nEND_ARG\n```")

    def test_difference_explains_json_calls_and_stream_errors(self):
        assert "runs only ```tool blocks" in explain('{"name": "read_file", "arguments": {"filepath": "a"}}')
        assert "Invalid tool name" in explain("```tool\n\nTOOL_NAME: ls\n```")
        assert "TOOL_NAME line" in explain("```tool\nTOOL_NAME: ls")
        assert "no ```tool fence" in explain("  TOOL_NAME: ls\n")

    def test_selection_reason_carries_the_difference(self, small_cases):
        case = next(c for c in small_cases if c.id == "read-config")
        text = "```tool\nTOOL_NAME: read_file (the config)\nBEGIN_ARG: filepath\nsrc/config.ts\nEND_ARG\n```"
        failure, reason = selection(case.expect, Reply(text=text, tool_calls=read_calls(text), channel="continue"))
        assert failure == "wrong_tool" and reason.endswith("; Continue reads a call to 'read_file (the config)', which does not exist")
        assert [c.name for c in calls_in_text(text)] == ["read_file"]


class TestRobustness:  # any text at all: no exception, and linear time (no timing asserted)
    @settings(max_examples=400)
    @given(st.lists(st.text(max_size=20) | fragments, max_size=40).map("".join))
    def test_reader_never_raises_on_any_text(self, text):
        for call in read_calls(text):
            assert isinstance(call.name, str) and call.source == CONTINUE_BLOCK
            assert call.arguments is None or (isinstance(call.arguments, dict) and json.loads(call.raw_arguments) is not None)
        difference(text, read_calls(text))
        assert read_calls(None) == []

    @settings(max_examples=150)
    @given(st.dictionaries(st.from_regex(r"[A-Za-z]{1,8}", fullmatch=True), st.text(max_size=30), max_size=4))
    def test_reader_never_raises_on_built_blocks(self, args):
        call = one(block_text("create_new_file", args))
        assert isinstance(call.arguments, dict)

    def test_big_adversarial_input_is_handled(self):
        many = "```tool\nTOOL_NAME: t\n" + "".join(f"BEGIN_ARG: a{i}\n\"x\n{{[\\\"\nEND_ARG\n" for i in range(5000)) + "```"
        call = one(many)
        assert len(call.arguments) == 5000 and call.arguments["a0"] == '"x\n{[\\"'
        assert read_calls("```" * 300000 + "\n" * 100000 + "TOOL_NAME: ls\n") != []
        assert one(block('{"' + '\\"' * 200000)).arguments["v"].startswith('{"\\"')
        assert read_calls("word " * 200000) == []
