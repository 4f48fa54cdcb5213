"""received(): arguments as Continue's tools get them, and what makes those tools fail.

Each rule of ctft_eval.coercion has a test named after it; the properties at the end check that
received() never raises, that coercing its own output changes nothing, and that strict mode
judges exactly as the JSON schema and the raw arguments did before."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ctft_eval.cases import Expectation
from ctft_eval.catalog import TOOLS, strict_schema
from ctft_eval.coercion import READERS, js_json, parse_int, received
from ctft_eval.matchers import MISSING, parse_matcher
from ctft_eval.reply import Reply, ToolCall
from ctft_eval.scorers.json_validity import call_problem
from ctft_eval.scorers.judging import Judging, judging_as
from ctft_eval.scorers.verdicts import argument_check


def args_of(tool, arguments):
    return received(tool, arguments).arguments


def problems_of(tool, arguments):
    return received(tool, arguments).problems


def call_reply(tool, arguments):
    return Reply(tool_calls=[ToolCall.from_raw(tool, arguments, "native")])


RANGE = {"filepath": "a.py", "startLine": 1, "endLine": 5}


# ---- the readers cover the catalog ------------------------------------------------------------
def test_every_catalog_tool_has_a_reader_for_each_of_its_parameters():
    assert set(READERS) == {t.name for t in TOOLS}
    for t in TOOLS:
        assert list(READERS[t.name]) == [p.name for p in t.params], t.name


def test_tools_without_parameters_accept_anything():
    for name in ("view_diff", "read_currently_open_file", "view_repo_map"):
        assert received(name, {"x": 1, "filepath": None}) == received(name, {})
        assert problems_of(name, {"anything": [1, {"b": None}]}) == []


def test_an_unknown_tool_is_a_problem_not_a_crash():
    assert problems_of("read_files", {"filepath": "a"}) == ["Continue has no tool named 'read_files'"]


# ---- numbers: getNumberArg ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "number"),
    [("10", 10), ("10.5", 10), ("12abc", 12), ("  7", 7), ("\u00a07", 7), ("-3", -3), ("+4", 4), ("1e3", 1),
     ("0x10", 0), ("007", 7)],
)
def test_number_strings_are_read_with_parse_int(text, number):
    assert parse_int(text) == number
    assert args_of("read_file_range", {**RANGE, "endLine": text})["endLine"] == number


@pytest.mark.parametrize("text", ["abc", "", "  ", "-", "+-1", "Infinity", ".5", "NaN"])
def test_number_strings_parse_int_cannot_read_fail(text):
    problems = problems_of("read_file_range", {**RANGE, "startLine": text})
    assert problems == [f"startLine must be a number: parseInt cannot read {text!r}"]


def test_numbers_are_floored():
    got = args_of("read_file_range", {"filepath": "a", "startLine": 2.9, "endLine": 30.0})
    assert got["startLine"] == 2 and got["endLine"] == 30
    assert type(got["startLine"]) is int and type(got["endLine"]) is int


@pytest.mark.parametrize(("value", "kind"), [(True, "a boolean"), (None, "null"), ([10], "an array"), ({}, "an object")])
def test_non_numbers_fail_as_numbers(value, kind):
    assert problems_of("read_file_range", {**RANGE, "startLine": value}) == [f"startLine must be a number, got {kind}"]


def test_read_file_range_lines_are_required_start_at_one_and_do_not_run_backwards():
    assert problems_of("read_file_range", {"filepath": "a", "endLine": 3}) == ["startLine is required"]
    assert problems_of("read_file_range", {**RANGE, "startLine": 0}) == ["startLine must be 1 or greater, got 0"]
    assert problems_of("read_file_range", {**RANGE, "startLine": "-3"}) == ["startLine must be 1 or greater, got -3"]
    assert problems_of("read_file_range", {**RANGE, "startLine": 9, "endLine": 4}) == [
        "endLine (4) must not be before startLine (9)"]
    assert problems_of("read_file_range", {**RANGE, "startLine": "5", "endLine": "5.9"}) == []


# ---- booleans: getBooleanArg -------------------------------------------------------------------
@pytest.mark.parametrize(("value", "boolean"), [("true", True), ("FALSE", False), ("True", True), (False, False)])
def test_true_and_false_strings_in_any_case_are_booleans(value, boolean):
    assert args_of("run_terminal_command", {"command": "ls", "waitForCompletion": value})["waitForCompletion"] is boolean


@pytest.mark.parametrize("value", [" true", "yes", "1", 1, 0, None, [], {}])
def test_anything_else_as_a_boolean_fails(value):
    problems = problems_of("run_terminal_command", {"command": "ls", "waitForCompletion": value})
    assert len(problems) == 1 and problems[0].startswith("waitForCompletion must be true or false")


def test_create_rule_block_always_apply_has_no_default():
    assert "alwaysApply" not in args_of("create_rule_block", {"name": "n", "rule": "r"})
    assert args_of("create_rule_block", {"name": "n", "rule": "r", "alwaysApply": "TRUE"})["alwaysApply"] is True


# ---- strings: getStringArg / getOptionalStringArg -----------------------------------------------
@pytest.mark.parametrize("blank", ["", "   ", "\n\t", "\u3000"])
def test_empty_or_whitespace_only_string_fails(blank):
    assert problems_of("grep_search", {"query": blank}) == ["query must not be empty or whitespace-only"]


def test_missing_required_string_fails_but_create_new_file_allows_empty_contents():
    assert problems_of("read_file", {}) == ["filepath is required"]
    assert problems_of("run_terminal_command", {"waitForCompletion": True}) == ["command is required"]
    assert problems_of("create_new_file", {"filepath": "a.txt", "contents": ""}) == []
    assert problems_of("create_new_file", {"filepath": "a.txt"}) == ["contents is required"]


def test_object_and_array_values_of_string_params_become_json_text():
    contents = {"name": "x", "version": 1.0, "deps": [1e-7, None, True]}
    assert args_of("create_new_file", {"filepath": "p.json", "contents": contents})["contents"] == (
        '{"name":"x","version":1,"deps":[1e-7,null,true]}')
    assert args_of("grep_search", {"query": ["a", "b"]})["query"] == '["a","b"]'
    assert problems_of("grep_search", {"query": []}) == []  # "[]" is not empty


def test_json_text_orders_integer_like_keys_first_as_javascript_does():
    assert js_json({"b": 1, "2": 2, "1": 3, "01": 4}) == '{"1":3,"2":2,"b":1,"01":4}'


@pytest.mark.parametrize(
    ("number", "text"),
    [(1.5, "1.5"), (100.0, "100"), (1e21, "1e+21"), (1.5e300, "1.5e+300"), (123456789012345680000.0,
     "123456789012345680000"), (0.000001, "0.000001"), (1e-7, "1e-7"), (-2.5e-8, "-2.5e-8"), (-0.0, "0")],
)
def test_json_text_writes_numbers_as_javascript_does(number, text):
    assert js_json(number) == text


@pytest.mark.parametrize(("value", "kind"), [(42, "a number"), (True, "a boolean"), (None, "null")])
def test_other_non_strings_fail_as_strings(value, kind):
    assert problems_of("create_new_file", {"filepath": "a", "contents": value}) == [f"contents must be text, got {kind}"]


def test_optional_strings_are_checked_only_when_present():
    base = {"name": "n", "rule": "r"}
    assert problems_of("create_rule_block", base) == []
    assert problems_of("create_rule_block", {**base, "globs": ""}) == ["globs must not be empty or whitespace-only"]
    assert problems_of("create_rule_block", {**base, "description": None}) == ["description must be text, got null"]


def test_resolved_paths_must_be_text_even_where_get_string_arg_would_stringify():
    for tool, name in (("read_file", "filepath"), ("view_subdirectory", "directory_path")):
        problems = problems_of(tool, {name: {"a": 1}})
        assert len(problems) == 1 and problems[0].startswith(f"{name} must be text, got an object")


def test_unknown_arguments_are_dropped():
    assert args_of("read_file", {"filepath": "a", "path": "b", "x": 1}) == {"filepath": "a"}


# ---- defaults ------------------------------------------------------------------------------------
def test_missing_optional_arguments_get_continues_defaults():
    assert args_of("run_terminal_command", {"command": "ls"})["waitForCompletion"] is True
    assert args_of("ls", {}) == {"dirPath": ".", "recursive": False}
    assert args_of("single_find_and_replace", {"filepath": "a", "old_string": "x", "new_string": "y"})[
        "replace_all"] is False


# ---- ls (lsTool.ts) ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "recursive"),
    [("false", True), ("no", True), ("true", True), ("", False), (0, False), (1, True), ([], True), ({}, True),
     (None, False), (False, False), (True, True)],
)
def test_ls_recursive_is_read_for_its_truthiness(value, recursive):
    got = received("ls", {"dirPath": "src", "recursive": value})
    assert got.arguments["recursive"] is recursive and got.problems == []


@pytest.mark.parametrize(("value", "dir_path"), [("", "."), (None, "."), (".", "."), ("src\\app", "src/app"),
                                                  ("src", "src")])
def test_ls_dir_path_falsy_is_the_root_and_backslashes_become_slashes(value, dir_path):
    assert args_of("ls", {"dirPath": value})["dirPath"] == dir_path


def test_ls_dir_path_that_is_truthy_but_not_text_fails():
    assert problems_of("ls", {"dirPath": 5}) == ["dirPath must be text, got a number"]
    assert problems_of("ls", {"dirPath": ["src"]}) == ["dirPath must be text, got an array"]


# ---- the edit tools (gui/src/util/clientTools) -----------------------------------------------------
SFR = {"filepath": "a.py", "old_string": "x", "new_string": "y"}


@pytest.mark.parametrize("value", ["true", "false", None, 1])
def test_single_find_and_replace_rejects_a_non_boolean_replace_all(value):
    problems = problems_of("single_find_and_replace", {**SFR, "replace_all": value})
    assert len(problems) == 1 and problems[0].startswith("replace_all must be a boolean true or false")


def test_single_find_and_replace_needs_text_that_changes():
    assert problems_of("single_find_and_replace", {**SFR, "new_string": "x"}) == [
        "old_string and new_string must differ"]
    assert problems_of("single_find_and_replace", {**SFR, "old_string": 42}) == ["old_string is required (text)"]
    assert problems_of("single_find_and_replace", {**SFR, "old_string": {"a": 1}}) == ["old_string is required (text)"]
    assert problems_of("single_find_and_replace", {**SFR, "old_string": ""}) == []  # empty old_string is allowed
    assert problems_of("single_find_and_replace", {**SFR, "new_string": ""}) == []  # so is deleting


@pytest.mark.parametrize(("value", "problem"), [("", "filepath is required (non-empty text)"),
                                                (3, "filepath is required (non-empty text)"),
                                                ("  ", "filepath is whitespace only, which names no file")])
def test_edit_tools_need_a_file(value, problem):
    assert problems_of("single_find_and_replace", {**SFR, "filepath": value}) == [problem]
    assert problems_of("multi_edit", {"filepath": value, "edits": [{"old_string": "a", "new_string": "b"}]}) == [
        problem]


@pytest.mark.parametrize(
    ("edits", "problem"),
    [(None, "edits must be an array, got null"),
     ('[{"old_string": "a", "new_string": "b"}]', "edits must be an array, got text"),
     ([], "edits must contain at least one edit"),
     (["a"], "edits[0] must be an object with old_string and new_string"),
     ([{"old_string": "a"}], "edits[0]: new_string is required (text)"),
     ([{"old_string": "a", "new_string": "b", "replace_all": "true"}],
      "edits[0]: replace_all must be a boolean true or false, got 'true'"),
     ([{"old_string": "a", "new_string": "b"}, {"old_string": "", "new_string": "c"}],
      "edits[1]: old_string must not be empty (only the first edit may insert at the file's start)"),
     ([{"old_string": "a", "new_string": "a"}], "edits[0]: old_string and new_string must differ")],
)
def test_multi_edit_validates_every_edit(edits, problem):
    assert problems_of("multi_edit", {"filepath": "a.py", "edits": edits}) == [problem]
    assert problems_of("multi_edit", {"filepath": "a"}) == ["edits is required (an array)"]
    # only the first edit may insert at the start
    assert problems_of("multi_edit", {"filepath": "a", "edits": [{"old_string": "", "new_string": "x"}]}) == []


def test_edit_existing_file_needs_non_empty_text():
    assert problems_of("edit_existing_file", {"filepath": "a", "changes": "  // ... \n"}) == []
    assert problems_of("edit_existing_file", {"filepath": "a", "changes": ""}) == ["changes is required (non-empty text)"]
    assert problems_of("edit_existing_file", {"filepath": "a", "changes": {"k": 1}}) == [
        "changes must be text, got an object"]
    assert problems_of("edit_existing_file", {"changes": "x"}) == ["filepath is required (non-empty text)"]


# ---- argument_check judges what the tool receives --------------------------------------------------
def test_matchers_see_the_received_arguments_in_continue_mode_and_the_raw_ones_in_strict_mode():
    wants_recursive = Expectation(("ls",), {"dirPath": parse_matcher({"path": "src"}), "recursive": parse_matcher(True)})
    as_text = call_reply("ls", {"dirPath": "src", "recursive": "false"})
    assert argument_check(wants_recursive, as_text) == (None, "ls(dirPath, recursive) as expected")  # it recurses
    with judging_as(Judging("strict")):
        failure, reason = argument_check(wants_recursive, as_text)
        assert failure == "wrong_arguments" and "got 'false'" in reason
    waits = Expectation(("run_terminal_command",), {"waitForCompletion": parse_matcher(True)})
    assert argument_check(waits, call_reply("run_terminal_command", {"command": "ls"}))[0] is None  # default true
    with judging_as(Judging("strict")):
        assert argument_check(waits, call_reply("run_terminal_command", {"command": "ls"}))[0] == "wrong_arguments"
    failure, reason = argument_check(wants_recursive, call_reply("ls", {"dirPath": "src"}))
    assert reason == "recursive: got False, expected True (not sent, so Continue's default)"
    lines = Expectation(("read_file_range",), {"startLine": parse_matcher(10)})
    assert argument_check(lines, call_reply("read_file_range", {"filepath": "a", "startLine": "10abc",
                                                                "endLine": 20}))[0] is None


# ---- properties ----------------------------------------------------------------------------------

_NAMES = sorted({p.name for t in TOOLS for p in t.params} | {"x", "path", "old_string", "new_string", "replace_all"})


def json_like(allow_nan: bool):
    scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=allow_nan) | st.text(
        max_size=12) | st.sampled_from(["10", "10.5", "12abc", "true", "FALSE", "", "  ", "{}", "-1"])
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(_NAMES) | st.text(max_size=4), inner, max_size=3), max_leaves=8)


def arguments(allow_nan: bool = False):
    return st.dictionaries(st.sampled_from(_NAMES) | st.text(max_size=6), json_like(allow_nan), max_size=6)


_TOOL_NAMES = st.sampled_from([t.name for t in TOOLS])


@settings(max_examples=300)
@given(_TOOL_NAMES | st.text(max_size=8), arguments(allow_nan=True))
def test_received_never_raises_on_json_like_arguments(tool, args):
    got = received(tool, args)
    assert isinstance(got.arguments, dict) and all(isinstance(p, str) for p in got.problems)


@settings(max_examples=300)
@given(_TOOL_NAMES, arguments())
def test_coercion_is_idempotent_on_its_own_output(tool, args):
    once = received(tool, args)
    twice = received(tool, once.arguments)
    assert twice.arguments == once.arguments
    if not once.problems:
        assert twice.problems == []


def old_json_validity(call, offered):
    """json_validity as it was before Continue mode: the strict schema, verbatim."""
    if call.arguments is None:
        return "invalid_json", f"{call.name}: {call.parse_error}; got {call.raw_arguments[:120]!r}"
    if call.name not in offered:
        return "unknown_tool", f"{call.name}: no such tool was offered, so its arguments have no schema"
    errors = sorted(Draft202012Validator(strict_schema(call.name)).iter_errors(call.arguments),
                    key=lambda e: list(e.path))
    if errors:
        return "schema", f"{call.name}: " + "; ".join(
            (".".join(str(p) for p in e.path) + ": " if e.path else "") + e.message for e in errors[:3])
    return None


_EXPECT = Expectation(("read_file_range", "ls"), {
    "filepath": parse_matcher({"path": "a.py"}), "startLine": parse_matcher(10), "recursive": parse_matcher(True)})


@settings(max_examples=200)
@given(st.sampled_from(["read_file_range", "ls", "read_file"]), arguments())
def test_strict_mode_verdicts_are_unchanged(tool, args):
    call = ToolCall.from_raw(tool, json.dumps(args), "native")
    offered = ("read_file_range", "ls")
    with judging_as(Judging("strict")):
        assert call_problem(call, offered) == old_json_validity(call, offered)
        failure, reason = argument_check(_EXPECT, Reply(tool_calls=[call]))
    if tool == "read_file":
        assert failure == "no_call"
        return
    raw_problems = [f"{n}: {p}" for n, m in _EXPECT.arguments.items() if (p := m.check(args.get(n, MISSING)))]
    assert (failure, reason) == (("wrong_arguments", "; ".join(raw_problems)) if raw_problems else
                                 (None, f"{tool}(filepath, startLine, recursive) as expected"))
