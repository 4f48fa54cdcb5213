"""Tallies of a run record (ctft_eval.results): rates, statistics, per-tool, failures, repeats."""

from __future__ import annotations

import statistics as pystats

import pytest
from hypothesis import given
from hypothesis import strategies as st
from records import BACKEND, CONTINUE, NATIVE, entry, info, make_record, run

from ctft_eval import dimensions, results
from ctft_eval.results import Rate
from ctft_eval.scorers.outcome import failed, not_recorded, passed


def test_verdicts_keep_scored_outcomes_only():
    entries = run({
        "a": {"tool_selection": True, "json_validity": None},
        "b": {"tool_selection": False, "arguments": True},
        "c": {"json_validity": None},
    })
    entries.append(entry("d", {"tool_selection": not_recorded("tool_selection", "not in the record")}))
    assert results.verdicts(entries) == {"a": {"tool_selection": True}, "b": {"tool_selection": False, "arguments": True}}


def test_dimension_rates_count_every_registered_dimension():
    record = make_record(run({
        "a": {"tool_selection": True, "arguments": True},
        "b": {"tool_selection": False, "arguments": None},
        "c": {"tool_selection": True, "arguments": False},
    }))
    rates = results.dimension_rates(record, BACKEND, NATIVE)
    assert tuple(rates) == dimensions.names()
    assert (rates["tool_selection"].passed, rates["tool_selection"].total) == (2, 3)
    assert (rates["arguments"].passed, rates["arguments"].total) == (1, 2)
    assert rates["chain"].total == 0 and rates["chain"].rate is None


def test_dimension_rates_over_a_subset_of_cases():
    record = make_record(run({"a": {"tool_selection": True}, "b": {"tool_selection": False},
                              "c": {"tool_selection": False}}))
    subset = results.dimension_rates(record, BACKEND, NATIVE, cases={"a", "b", "unknown"})
    assert (subset["tool_selection"].passed, subset["tool_selection"].total) == (1, 2)
    assert results.dimension_rates(record, BACKEND, NATIVE, cases=set())["tool_selection"].total == 0


def test_dimension_rates_keep_runs_apart():
    record = make_record(run({"a": {"tool_selection": True}}, channel=NATIVE)
                         + run({"a": {"tool_selection": False}}, channel=CONTINUE)
                         + run({"a": {"tool_selection": False}}, backend="openai:x"))
    assert results.dimension_rates(record, BACKEND, NATIVE)["tool_selection"].passed == 1
    assert results.dimension_rates(record, BACKEND, CONTINUE)["tool_selection"].passed == 0
    assert results.dimension_rates(record, "openai:x", NATIVE)["tool_selection"].total == 1
    assert results.dimension_rates(record, "nobody", NATIVE)["tool_selection"].total == 0


def test_a_dimension_not_registered_is_still_counted():
    record = make_record(run({"a": {"custom_dim": True}, "b": {"custom_dim": False}}))
    rate = results.dimension_rates(record, BACKEND, NATIVE)["custom_dim"]
    assert (rate.passed, rate.total) == (1, 2)


@given(st.dictionaries(st.from_regex(r"c[0-9]{1,3}", fullmatch=True), st.booleans() | st.none(), max_size=30),
       st.sets(st.from_regex(r"c[0-9]{1,3}", fullmatch=True), max_size=10))
def test_dimension_rates_agree_with_a_direct_count(verdicts, subset):
    record = make_record(run({case: {"tool_selection": v} for case, v in verdicts.items()}))
    rate = results.dimension_rates(record, BACKEND, NATIVE)["tool_selection"]
    scored = [v for v in verdicts.values() if v is not None]
    assert (rate.passed, rate.total) == (sum(scored), len(scored))
    part = results.dimension_rates(record, BACKEND, NATIVE, cases=subset)["tool_selection"]
    in_subset = [v for c, v in verdicts.items() if v is not None and c in subset]
    assert (part.passed, part.total) == (sum(in_subset), len(in_subset))


def latency_record(values_by_case: dict[str, float | None]):
    entries = []
    for case, value in values_by_case.items():
        if value is None:
            out = not_recorded("latency", "no timed request recorded")
        elif value <= 2.0:
            out = passed("latency", "fast", value)
        else:
            out = failed("latency", "slow", "over budget", value)
        entries.append(entry(case, {"latency": out, "tool_selection": True}))
    return make_record(entries)


def test_statistic_is_the_median_of_the_values_passed_or_failed():
    record = latency_record({"a": 0.5, "b": 3.0, "c": 1.0, "d": None, "e": 4.0})
    assert results.values(record, BACKEND, NATIVE, "latency") == [0.5, 3.0, 1.0, 4.0]
    assert results.statistic(record, BACKEND, NATIVE, "latency") == pytest.approx(2.0)
    assert results.statistic(record, BACKEND, NATIVE, "tool_selection") is None


def test_statistics_name_the_median_gates_only():
    record = latency_record({"a": 0.5, "b": 1.5, "c": 9.0})
    stats = results.statistics(record, BACKEND, NATIVE)
    assert stats == {"latency_median": pytest.approx(1.5)}
    assert results.statistics(make_record(run({"a": {"tool_selection": True}})), BACKEND, NATIVE) == {
        "latency_median": None}


@given(st.lists(st.floats(min_value=0.0, max_value=100.0, allow_nan=False), min_size=1, max_size=25))
def test_statistic_matches_the_median_of_the_values(values):
    record = latency_record({f"c{i}": v for i, v in enumerate(values)})
    assert results.statistic(record, BACKEND, NATIVE, "latency") == pytest.approx(pystats.median(values))


def test_tool_rates_per_expected_tool_without_chains():
    entries = run({
        "read-1": {"tool_selection": True, "arguments": True},
        "read-2": {"tool_selection": False, "arguments": None},
        "ls-1": {"tool_selection": True, "arguments": False},
        "chat": {"tool_selection": True},
        "chain-1": {"chain": False, "json_validity": True},
        "unscored": {},
    })
    cases = {"ls-1": info("ls"), "chat": info(None, ("tool_selection",)),
             "chain-1": info("grep_search", ("chain", "json_validity")), "unscored": info("view_diff")}
    table = results.tool_rates(make_record(entries, cases), BACKEND, NATIVE)
    assert list(table) == ["(none)", "ls", "read_file"]  # sorted; the chain and the case without outcomes left out
    per_tool = [d.name for d in dimensions.registered() if d.per_tool]
    assert all(list(row) == per_tool for row in table.values())
    counts = {tool: {d: (r.passed, r.total) for d, r in row.items()} for tool, row in table.items()}
    assert counts["read_file"] == {"tool_selection": (1, 2), "arguments": (1, 1)}
    assert counts["ls"] == {"tool_selection": (1, 1), "arguments": (0, 1)}
    assert counts["(none)"] == {"tool_selection": (1, 1), "arguments": (0, 0)}


def test_tool_rates_skip_cases_the_record_does_not_describe():
    record = make_record(run({"a": {"tool_selection": True}}))
    del record.cases["a"]
    assert results.tool_rates(record, BACKEND, NATIVE) == {}


def test_failure_counts_by_class_most_first_without_missing():
    entries = [
        entry("a", {"tool_selection": failed("tool_selection", "wrong_tool", "called ls"),
                    "arguments": failed("arguments", "wrong_argument", "bad path")}),
        entry("b", {"tool_selection": failed("tool_selection", "no_call", "answered in text")}),
        entry("c", {"tool_selection": failed("tool_selection", "no_call", "answered in text"),
                    "json_validity": passed("json_validity", "ok")}),
        entry("d", {"tool_selection": not_recorded("tool_selection", "missing from the replay")}),
    ]
    counts = results.failure_counts(make_record(entries), BACKEND, NATIVE)
    assert counts == {"no_call": 2, "wrong_tool": 1, "wrong_argument": 1}
    assert next(iter(counts)) == "no_call"
    assert "missing" not in counts


def test_repeat_rates_pass_at_k_pass_hat_k_and_flaky_cases():
    entries = [
        entry("steady", {"tool_selection": True}, attempts={"tool_selection": [True, True, True]}),
        entry("flaky", {"tool_selection": False}, attempts={"tool_selection": [True, False, None]}),
        entry("broken", {"tool_selection": False}, attempts={"tool_selection": [False, False, False],
                                                              "arguments": [None, None, None]}),
    ]
    table = results.repeat_rates(make_record(entries), BACKEND, NATIVE)
    assert list(table) == ["tool_selection"]  # a dimension with no scored attempt is left out
    at_k, hat_k, flaky = table["tool_selection"]
    assert (at_k.passed, at_k.total) == (2, 3)
    assert (hat_k.passed, hat_k.total) == (1, 3)
    assert flaky == ["flaky (1/2)"]


def test_repeat_rates_empty_without_repeats():
    assert results.repeat_rates(make_record(run({"a": {"tool_selection": True}})), BACKEND, NATIVE) == {}


@given(st.lists(st.lists(st.booleans() | st.none(), min_size=1, max_size=5), min_size=1, max_size=12))
def test_pass_hat_k_never_exceeds_pass_at_k(attempt_lists):
    entries = [entry(f"c{i}", {"tool_selection": True}, attempts={"tool_selection": a})
               for i, a in enumerate(attempt_lists)]
    table = results.repeat_rates(make_record(entries), BACKEND, NATIVE)
    scored = [[v for v in a if v is not None] for a in attempt_lists]
    scored = [s for s in scored if s]
    if not scored:
        assert table == {}
        return
    at_k, hat_k, flaky = table["tool_selection"]
    assert hat_k.passed <= at_k.passed and at_k.total == hat_k.total == len(scored)
    assert len(flaky) == at_k.passed - hat_k.passed


def test_missing_cases_across_runs_sorted_once():
    missing = not_recorded("tool_selection", "not in the record")
    entries = [entry("z", {"tool_selection": missing}), entry("a", {"tool_selection": missing}, channel=CONTINUE),
               entry("z", {"tool_selection": missing}, channel=CONTINUE), entry("b", {"tool_selection": True})]
    assert results.missing_cases(make_record(entries)) == ["a", "z"]


def test_case_count_counts_cases_with_outcomes():
    entries = run({"a": {"tool_selection": True}, "b": {"tool_selection": None}, "c": {}})
    record = make_record(entries + run({"d": {"tool_selection": True}}, channel=CONTINUE))
    assert results.case_count(record, BACKEND, NATIVE) == 2
    assert results.case_count(record, BACKEND, CONTINUE) == 1


def test_summaries_one_per_run_with_rates_statistics_and_tools():
    entries = run({"a": {"tool_selection": True}, "b": {"tool_selection": False}})
    entries += run({"a": {"tool_selection": True}}, channel=CONTINUE)
    entries.append(entry("idle", {}, channel="nowhere"))
    summaries = results.summaries(make_record(entries))
    assert [(s.backend, s.channel) for s in summaries] == [(BACKEND, NATIVE), (BACKEND, CONTINUE)]
    native = summaries[0]
    assert native.dimensions["tool_selection"]["passed"] == 1 and native.dimensions["tool_selection"]["total"] == 2
    assert native.dimensions["tool_selection"]["rate"] == 0.5
    assert native.statistics == {"latency_median": None}
    assert native.tools["read_file"]["tool_selection"]["total"] == 2


def test_rate_add_and_dict():
    r = Rate()
    assert r.rate is None and r.interval == (0.0, 0.0)
    assert r.to_dict() == {"passed": 0, "total": 0, "rate": None, "ci95": [0.0, 0.0]}
    for ok in (True, True, False, True):
        r.add(ok)
    assert (r.passed, r.total, r.rate) == (3, 4, 0.75)
    d = r.to_dict()
    assert d["ci95"] == list(r.interval)
    assert d["ci95"][0] == pytest.approx(0.3006, abs=1e-3) and d["ci95"][1] == pytest.approx(0.9544, abs=1e-3)


def test_wilson_interval_at_the_edges_is_one_sided():
    assert Rate(10, 10).interval[0] < 1.0 and Rate(0, 10).interval[1] > 0.0
    assert Rate(10, 10).interval[1] == pytest.approx(1.0) and Rate(0, 10).interval[0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.xfail(strict=True, reason="stats.wilson_interval rounds: with none passed its lower bound is a tiny "
                   "positive number (0/3 -> 5.6e-17) and with all passed its upper bound falls short of 1 "
                   "(10/10 -> 0.9999999999999999), so the interval leaves out the observed rate")
def test_wilson_interval_holds_a_rate_of_zero_or_one_exactly():
    assert Rate(0, 3).interval[0] == 0.0
    assert Rate(10, 10).interval[1] == 1.0


@given(st.integers(min_value=1, max_value=5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_holds_the_rate(counts):
    passed_count, total = counts
    r = Rate(passed_count, total)
    low, high = r.interval
    assert 0.0 <= low <= 1.0 and 0.0 <= high <= 1.0
    assert low - 1e-12 <= r.rate <= high + 1e-12  # exactly: see the xfail above


@given(st.integers(min_value=0, max_value=200))
def test_wilson_interval_narrows_with_more_cases(n):
    small, large = Rate(n, 2 * n + 2).interval, Rate(4 * n, 8 * n + 8).interval
    assert large[1] - large[0] <= small[1] - small[0]
