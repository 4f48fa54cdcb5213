"""Scorers judge replies: right, wrong, through which channel, and never crash on bad output."""

import pytest

from ctft_eval import dimensions
from ctft_eval.plan import RunConfig, bind
from ctft_eval.reply import CONTINUE_BLOCK, TEXT_JSON, Reply, ToolCall
from ctft_eval.scorers.judging import Judging, judging_as


def native(name, args, channel="native"):
    return Reply(tool_calls=[ToolCall.from_raw(name, args, "native")], channel=channel)


def score(dim, case, *replies):
    return dimensions.get(dim).score(case, list(replies))


def by_id(cases):
    return {c.id: c for c in cases}


def test_right_call_passes_every_dimension(small_cases):
    case = by_id(small_cases)["range-parser"]
    reply = native("read_file_range", {"filepath": "./lib/parser.py", "startLine": 10, "endLine": 30})
    for dim in case.dimensions:
        outcome = score(dim, case, reply)
        assert outcome.passed, outcome


def test_numbers_as_strings_fail_json_validity_but_not_arguments(small_cases):
    case = by_id(small_cases)["range-parser"]
    reply = native("read_file_range", {"filepath": "lib/parser.py", "startLine": "10", "endLine": "30"})
    with judging_as(Judging("strict")):
        outcome = score("json_validity", case, reply)
        assert outcome.failure == "schema" and "'10' is not of type 'number'" in outcome.reason
        assert score("arguments", case, reply).passed


def test_numbers_as_strings_are_what_continue_reads(small_cases):
    """Continue's getNumberArg reads "10" with parseInt: the call runs, with 10."""
    case = by_id(small_cases)["range-parser"]
    reply = native("read_file_range", {"filepath": "lib/parser.py", "startLine": "10", "endLine": "30"})
    outcome = score("json_validity", case, reply)
    assert outcome.passed and "(as Continue reads them)" in outcome.reason
    assert score("arguments", case, reply).passed
    unreadable = native("read_file_range", {"filepath": "lib/parser.py", "startLine": "ten", "endLine": "30"})
    outcome = score("json_validity", case, unreadable)
    assert outcome.failure == "schema"
    assert outcome.reason.startswith("read_file_range: Continue's tool fails: startLine must be a number")


def test_unknown_field_and_missing_required_fail_json_validity(small_cases):
    case = by_id(small_cases)["read-config"]
    with judging_as(Judging("strict")):
        extra = score("json_validity", case, native("read_file", {"filepath": "a", "x": 1}))
        assert "Additional properties" in extra.reason
        assert "'filepath' is a required property" in score("json_validity", case, native("read_file", {})).reason
        assert "(strict schema)" in score("json_validity", case, native("read_file", {"filepath": "a"})).reason


def test_continue_ignores_unknown_fields_but_a_missing_required_one_fails(small_cases):
    case = by_id(small_cases)["read-config"]
    extra = score("json_validity", case, native("read_file", {"filepath": "a", "x": 1}))
    assert extra.passed and "(as Continue reads them)" in extra.reason
    missing = score("json_validity", case, native("read_file", {}))
    assert missing.failure == "schema" and missing.reason == "read_file: Continue's tool fails: filepath is required"
    blank = score("json_validity", case, native("read_file", {"filepath": "  "}))
    assert blank.failure == "schema" and "filepath must not be empty or whitespace-only" in blank.reason


def test_wrong_tool_no_call_and_unexpected_call(small_cases):
    cases = by_id(small_cases)
    assert score("tool_selection", cases["read-config"], native("ls", {})).failure == "wrong_tool"
    assert score("tool_selection", cases["read-config"], Reply(text="It is a config.")).failure == "no_call"
    assert score("tool_selection", cases["explain-rest"], native("ls", {})).failure == "unexpected_call"
    assert score("tool_selection", cases["explain-rest"], Reply(text="Representational...")).passed
    mixed = Reply(tool_calls=[ToolCall.from_raw("read_file", {"filepath": "src/config.ts"}, "native"),
                              ToolCall.from_raw("ls", {}, "native")])
    assert score("tool_selection", cases["read-config"], mixed).failure == "extra_call"


def test_call_in_text_on_the_native_channel_is_a_named_failure(small_cases):
    case = by_id(small_cases)["read-config"]
    reply = Reply(text="...", tool_calls=[ToolCall.from_raw("read_file", {"filepath": "src/config.ts"}, TEXT_JSON)])
    outcome = score("tool_selection", case, reply)
    assert outcome.failure == "call_in_text" and outcome.reason.startswith("call in text")
    arguments = score("arguments", case, reply)  # Continue would not run it: its arguments are not judged
    assert arguments.passed is None and "Continue would not run" in arguments.reason


def test_continue_channel_wants_the_block_format(small_cases):
    case = by_id(small_cases)["read-config"]
    block = Reply(tool_calls=[ToolCall.from_raw("read_file", {"filepath": "src/config.ts"}, CONTINUE_BLOCK)],
                  channel="continue")
    assert score("tool_selection", case, block).passed
    as_json = Reply(tool_calls=[ToolCall.from_raw("read_file", {"filepath": "src/config.ts"}, TEXT_JSON)],
                    channel="continue")
    assert score("tool_selection", case, as_json).failure == "wrong_format"


def test_invalid_json_and_backend_errors_are_failures_not_crashes(small_cases):
    case = by_id(small_cases)["read-config"]
    broken = Reply(tool_calls=[ToolCall.from_raw("read_file", '{"filepath": ', "native")])
    assert score("json_validity", case, broken).failure == "invalid_json"
    assert score("arguments", case, broken).failure == "invalid_json"
    error = Reply(error="500: error parsing tool call", error_kind="server_tool_parse_error")
    for dim in case.dimensions:
        assert score(dim, case, error).passed is not True


def test_json_validity_does_not_apply_without_a_call(small_cases):
    case = by_id(small_cases)["read-config"]
    assert score("json_validity", case, Reply(text="no")).passed is None


def test_chain_checks_every_step(small_cases):
    case = by_id(small_cases)["chain-fix"]
    good = [native("grep_search", {"query": "/users"}), native("read_file", {"filepath": "src/routes/users.ts"})]
    assert score("chain", case, *good).passed
    wrong_second = [good[0], native("read_file", {"filepath": "src/users.ts"})]
    outcome = score("chain", case, *wrong_second)
    assert outcome.failure == "wrong_arguments" and outcome.reason.startswith("step 2/2")
    stopped = score("chain", case, good[0])
    assert stopped.failure == "stopped" and "step 2/2" in stopped.reason


def test_latency_against_budget(small_cases):
    case = bind(by_id(small_cases)["run-tests"], RunConfig({"latency_budget": 2.0})).case
    fast, slow = Reply(), Reply()
    fast.timings.wall_s, slow.timings.wall_s = 0.4, 2.5
    assert score("latency", case, fast).passed and score("latency", case, fast).value == 0.4
    assert score("latency", case, slow).failure == "too_slow"


def test_wilson_interval_known_values():
    from ctft_eval.stats import wilson_interval

    low, high = wilson_interval(8, 10)
    assert round(low, 4) == 0.4902 and round(high, 4) == 0.9433
    assert wilson_interval(0, 0) == (0.0, 0.0)
    low, high = wilson_interval(10, 10)
    assert high == pytest.approx(1.0) and round(low, 4) == 0.7225
