"""The run plan (ctft_eval.plan): one binding of a case to a run and one scoring of its attempts,
read back from a record the same as a live run made them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SMALL_SUITE

from ctft_eval import record as run_record
from ctft_eval.cases import load_suite
from ctft_eval.catalog import TOOLS
from ctft_eval.plan import MISSING_REASON, BoundCases, RunConfig, bind, score_entry
from ctft_eval.profile import DEFAULT_TOOLS, EVERY_REQUEST, RELEASED, builtin
from ctft_eval.record import Entry
from ctft_eval.reply import Reply, ToolCall

BASELINES = Path(__file__).resolve().parent.parent / "baselines"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def by_id(cases):
    return {c.id: c for c in cases}


def live(profile=None, repeat=1, **settings) -> RunConfig:
    return RunConfig.live({"latency_budget": 2.0, "schema": "continue", **settings}, profile or builtin(),
                          ("native",), repeat)


def test_a_case_without_tools_of_its_own_offers_the_profiles(small_cases):
    case = by_id(small_cases)["read-config"]
    assert len(case.tools) == len(TOOLS)  # as loaded: the catalog (what the suite may name)
    assert bind(case, live()).case.tools == DEFAULT_TOOLS
    assert bind(case, live(builtin("ollama", "all"))).case.tools == tuple(t.name for t in TOOLS)


def test_a_case_expecting_a_tool_not_offered_is_left_out_with_the_reason(small_cases):
    binding = bind(by_id(small_cases)["range-parser"], live())
    assert binding.left_out == "expects read_file_range, which the default tool set does not offer"
    assert bind(by_id(small_cases)["range-parser"], live(builtin("ollama", "experimental"))).left_out is None


def test_the_latency_budget_is_the_suites_own_else_the_runs(small_cases, tmp_path):
    case = by_id(small_cases)["run-tests"]
    assert case.latency and case.latency_budget is None
    assert bind(case, live(latency_budget=5.0)).case.latency_budget == 5.0
    own = tmp_path / "own.yaml"
    own.write_text("cases:\n  - {id: a, prompt: hi, tool: ls, latency_budget: 0.5}\n")
    (mine,) = load_suite(own).cases
    assert mine.latency and bind(mine, live(latency_budget=5.0)).case.latency_budget == 0.5
    untimed = by_id(small_cases)["read-config"]
    assert bind(untimed, live(latency_budget=5.0)).case.latency_budget is None


def test_the_tools_a_record_says_were_offered_win(small_cases):
    config = RunConfig({"latency_budget": 2.0}, offered={"read-config": ("read_file", "ls")})
    assert bind(by_id(small_cases)["read-config"], config).case.tools == ("read_file", "ls")


def test_an_old_record_of_a_captured_profile_offers_the_catalog(small_cases):
    config = RunConfig({}, tool_set="captured", profile_tools=None)
    assert bind(by_id(small_cases)["read-config"], config).case.tools == tuple(t.name for t in TOOLS)


def test_bound_cases_refuse_an_id_two_files_use(tmp_path):
    from ctft_eval.cases import SuiteError

    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(SMALL_SUITE)
    bound = BoundCases()
    bound.add(load_suite(tmp_path / "a.yaml"), live())
    assert set(bound.left_out) == {"range-parser"}
    with pytest.raises(SuiteError, match="case id also used in"):
        bound.add(load_suite(tmp_path / "b.yaml"), live())


# ---- scoring -----------------------------------------------------------------------------------------------


def call(name: str, **arguments) -> Reply:
    return Reply(tool_calls=[ToolCall.from_raw(name, arguments, "native")])


def test_every_attempt_is_scored_and_combined_in_attempt_order(small_cases):
    case = bind(by_id(small_cases)["read-config"], live(repeat=3)).case
    entry = Entry("b", "native", case.id, replies=[call("read_file", filepath="src/config.ts")],
                  repeats=[[call("ls")], [call("read_file", filepath="src/config.ts")]])
    outcome = score_entry(entry, case, live(repeat=3), "tool_selection")
    assert outcome.passed is False and outcome.reason.startswith("2/3 attempts passed")
    assert entry.attempts["tool_selection"] == [True, False, True]
    assert entry.outcomes["tool_selection"] == outcome


def test_an_attempt_without_replies_is_missing_never_passed(small_cases):
    case = bind(by_id(small_cases)["read-config"], live()).case
    entry = Entry("b", "native", case.id)
    outcome = score_entry(entry, case, live(), "arguments")
    assert outcome.passed is None and outcome.missing and outcome.reason == MISSING_REASON
    two = Entry("b", "native", case.id, replies=[call("read_file", filepath="src/config.ts")])
    combined = score_entry(two, case, live(repeat=2), "arguments")
    assert combined.passed is True and two.attempts["arguments"] == [True, None]


def test_the_timed_dimension_scores_the_timed_replies_against_the_bound_budget(small_cases):
    config = live(latency_budget=0.2)
    case = bind(by_id(small_cases)["run-tests"], config).case
    timed = call("run_terminal_command", command="npm test")
    timed.timings.wall_s = 0.3
    entry = Entry("b", "native", case.id, replies=[call("ls")], timed_replies=[timed])
    outcome = score_entry(entry, case, config, "latency")
    assert outcome.failure == "too_slow" and "> budget 0.2 s" in outcome.reason


def test_the_judging_mode_is_the_plans(small_cases):
    case = bind(by_id(small_cases)["range-parser"], live(builtin("ollama", "all"))).case
    entry = Entry("b", "native", case.id, replies=[call("read_file_range", filepath="lib/parser.py",
                                                          startLine="10", endLine="30")])
    lenient = RunConfig({}, schema="continue")
    strict = RunConfig({}, schema="strict")
    assert score_entry(entry, case, lenient, "json_validity").passed is True
    assert score_entry(entry, case, strict, "json_validity").passed is False


# ---- the plan in the record --------------------------------------------------------------------------------


def test_a_format_2_record_reads_as_the_plan_it_ran_with():
    path = FIXTURES / "format2-qwen2.5-coder-0.5b.json"  # (a slice of the format-2 Qwen baseline)
    record = run_record.read(path)
    config = RunConfig.from_record(record)
    assert json.loads(path.read_text())["format"] == "ctft-eval-run/2"
    assert (config.provider, config.tool_set, config.continue_behaviour) == ("ollama", "default", RELEASED)
    assert config.profile_tools == DEFAULT_TOOLS and config.offered == {}
    assert config.latency_budget == record.settings["latency_budget"]
    assert config.channels == tuple(record.channels) and config.schema == record.profile["schema"]


def test_the_plan_written_is_the_plan_read(small_cases):
    profile = builtin("ollama", "experimental", EVERY_REQUEST)
    config = live(profile, repeat=2, latency_budget=3.5)
    cases = {c.id: bind(c, config).case for c in small_cases}
    record = run_record.RunRecord("", "", True, 0, {}, ["native"], 2, dict(config.settings), {}, [], {}, [],
                                  profile={**profile.fingerprint(), "schema": "strict"},
                                  plan=config.plan_json(cases))
    again = RunConfig.from_record(run_record.parse(json.loads(json.dumps(record.to_json())), "mem"))
    assert again.continue_behaviour == EVERY_REQUEST and again.tool_set == "experimental"
    assert again.profile_tools == profile.tools and again.repeat == 2 and again.latency_budget == 3.5
    assert again.schema == "strict"
    assert again.offered == {cid: c.tools for cid, c in cases.items()}
    for case in small_cases:
        assert bind(case, again) == bind(case, config)


def test_profiles_of_each_behaviour_send_tools_after_a_result_as_that_continue_does():
    assert not builtin("ollama").tools_after_tool_result
    assert builtin("ollama", behaviour=EVERY_REQUEST).tools_after_tool_result
    assert builtin("openai").tools_after_tool_result and builtin("openai", behaviour=EVERY_REQUEST).tools_after_tool_result
    assert builtin("ollama").fingerprint()["sha256"] != builtin("ollama", behaviour=EVERY_REQUEST).fingerprint()["sha256"]
    with pytest.raises(ValueError, match="unknown Continue behaviour"):
        builtin("ollama", behaviour="nightly")
