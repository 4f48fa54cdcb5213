"""Gates (ctft_eval.gates): thresholds, regression gates, and the exit status they decide."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from records import BACKEND, CONTINUE, NATIVE, entry, make_record, rate_gate, run, view

from ctft_eval import gates
from ctft_eval.compare import compare
from ctft_eval.scorers.outcome import failed, passed
from ctft_eval.settings import default_regression

INTERRUPTED, INTERNAL_ERROR, USAGE_ERROR, NO_TESTS = 2, 3, 4, 5


def selection_record(passes: int, total: int, channel: str = NATIVE):
    return make_record(run({f"c{i}": {"tool_selection": i < passes} for i in range(total)}, channel=channel))


def one(found: list[gates.Gate], name: str) -> gates.Gate:
    (gate,) = [g for g in found if g.name == name]
    return gate


def test_a_rate_gate_holds_at_its_threshold():
    gate = one(gates.evaluate(selection_record(19, 20), {"tool_selection": 0.95}), "tool_selection")
    assert (gate.backend, gate.channel, gate.observed, gate.threshold) == (BACKEND, NATIVE, 0.95, 0.95)
    assert gate.holds
    assert gate.detail == "19/20 >= 95%?"


def test_a_rate_gate_fails_below_its_threshold():
    gate = one(gates.evaluate(selection_record(18, 20), {"tool_selection": 0.95}), "tool_selection")
    assert not gate.holds and gate.observed == pytest.approx(0.9)
    assert gate.detail == "18/20 >= 95%?"


@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.floats(0.0, 1.0, allow_nan=False))
def test_a_rate_gate_holds_exactly_when_the_rate_reaches_it(counts, threshold):
    passes, total = counts
    gate = one(gates.evaluate(selection_record(passes, total), {"tool_selection": threshold}), "tool_selection")
    assert gate.holds == (passes / total >= threshold)


def latency_record(seconds: list[float]):
    return make_record([
        entry(f"c{i}", {"tool_selection": True,
                        "latency": passed("latency", "fast", s) if s <= 2 else failed("latency", "slow", "slow", s)})
        for i, s in enumerate(seconds)
    ])


def test_a_median_gate_holds_at_or_under_its_threshold():
    gate = one(gates.evaluate(latency_record([0.5, 2.0, 9.0]), {"latency_median": 2.0}), "latency_median")
    assert gate.holds and gate.observed == 2.0
    assert gate.detail == "median 2.00 s <= 2 s?"


def test_a_median_gate_fails_over_its_threshold():
    gate = one(gates.evaluate(latency_record([0.5, 2.5, 9.0]), {"latency_median": 2.0}), "latency_median")
    assert not gate.holds and gate.observed == 2.5


def test_a_gate_with_nothing_to_count_holds_and_says_so():
    record = make_record(run({"chain-1": {"chain": True}}))
    found = gates.evaluate(record, {"tool_selection": 0.95, "latency_median": 2.0})
    rate, median = one(found, "tool_selection"), one(found, "latency_median")
    assert rate.holds and rate.observed is None and rate.detail == "no cases"
    assert median.holds and median.observed is None and median.detail == "no latency cases"


def test_gates_for_every_run_and_only_known_names():
    record = make_record(selection_record(1, 1).results + selection_record(0, 1, CONTINUE).results)
    found = gates.evaluate(record, {"tool_selection": 0.5, "nonsense": 0.1, "latency": 2.0})
    assert [(g.channel, g.name, g.holds) for g in found] == [(NATIVE, "tool_selection", True),
                                                             (CONTINUE, "tool_selection", False)]


def test_no_gates_without_runs():
    assert gates.evaluate(make_record([]), {"tool_selection": 0.95}) == []


def paired(base: dict[str, bool], current: dict[str, bool]):
    before = view(make_record(run({c: {"tool_selection": ok} for c, ok in base.items()})), "base.json")
    after = view(make_record(run({c: {"tool_selection": ok} for c, ok in current.items()})), "this run")
    return compare(before, after)


def test_a_significant_drop_fails_the_regression_gate():
    base = {f"c{i:03}": True for i in range(200)}
    worse = {c: i >= 10 for i, c in enumerate(base)}
    (gate,) = gates.regression_gates([paired(base, worse)], default_regression())
    assert gate.name == "regression tool_selection" and (gate.backend, gate.channel) == (BACKEND, NATIVE)
    assert not gate.holds
    assert gate.observed == pytest.approx(-0.05) and gate.threshold == 5.0
    assert gate.observed_text == f"-5.0 pts, p=0.002 vs {BACKEND}"
    assert gate.needed_text == "no drop with p<0.05 or >5 pts"
    assert gate.detail.startswith("vs base.json [ollama:m|native]: -5.0 pts over 200 paired cases, 10 broken / 0 fixed")
    assert "McNemar p=0.0020" in gate.detail


def test_a_large_drop_fails_even_when_not_significant():
    base = {"a": True, "b": True, "c": True, "d": True}
    (gate,) = gates.regression_gates([paired(base, {**base, "a": False})], default_regression())
    assert not gate.holds  # p = 1.0, but -25 points is over the 5-point budget


def test_no_drop_holds_and_dimensions_without_pairs_have_no_gate():
    base = {"a": True, "b": False}
    (gate,) = gates.regression_gates([paired(base, {"a": True, "b": True})], default_regression())
    assert gate.holds and gate.observed == pytest.approx(0.5)
    assert gate.observed_text.startswith("+50.0 pts, p=1.000")


def test_regression_gates_only_for_the_rules_dimensions():
    base = {"a": True, "b": True}
    rules = {**default_regression(), "dimensions": ["arguments"]}
    assert gates.regression_gates([paired(base, {"a": False, "b": False})], rules) == []


FAILING = rate_gate(holds=False, observed=0.5)
HOLDING = rate_gate(holds=True)


@pytest.mark.parametrize(("status", "gate_list", "strict", "other", "expected"), [
    (0, [FAILING], False, 0, 1),  # a failing gate fails the run
    (1, [FAILING, HOLDING], False, 0, 1),
    (1, [HOLDING], False, 0, 0),  # the gates hold: single case failures are tolerated
    (0, [], False, 0, 0),
    (1, [HOLDING], True, 0, 1),  # --ctft-strict: failing cases decide
    (0, [HOLDING], True, 0, 0),
    (1, [HOLDING], False, 1, 1),  # a test failed for another reason than a scored failure
    (INTERRUPTED, [FAILING], False, 0, INTERRUPTED),  # other statuses are left as they are
    (USAGE_ERROR, [HOLDING], False, 0, USAGE_ERROR),
    (INTERNAL_ERROR, [FAILING], True, 2, INTERNAL_ERROR),
    (NO_TESTS, [], False, 0, NO_TESTS),
])
def test_decide_exit_status(status, gate_list, strict, other, expected):
    verdict = gates.decide(status, gate_list, scored=True, strict=strict, other_failures=other, case_failures=3)
    assert verdict.exit_status == expected
    assert verdict.failed == tuple(g for g in gate_list if not g.holds)
    assert (not verdict.failed) == all(g.holds for g in gate_list)


@pytest.mark.parametrize("status", [0, 1, INTERRUPTED, USAGE_ERROR])
def test_decide_leaves_the_status_when_nothing_was_scored(status):
    verdict = gates.decide(status, [FAILING], scored=False, strict=False, other_failures=0, case_failures=0)
    assert verdict.exit_status == status


def test_explanation_of_a_failing_gate_names_it():
    second = rate_gate("arguments", holds=False, observed=0.1, channel=CONTINUE)
    verdict = gates.decide(0, [FAILING, HOLDING, second], scored=True, strict=False, other_failures=0,
                           case_failures=0)
    assert verdict.explanation() == (f"GATE FAILED: tool_selection ({BACKEND}, native), "
                                     f"arguments ({BACKEND}, continue): exit status 1")


def test_explanation_when_the_gates_hold():
    verdict = gates.decide(1, [HOLDING], scored=True, strict=False, other_failures=0, case_failures=0)
    assert verdict.explanation() == "all gates hold: exit status 0"
    noted = gates.decide(1, [HOLDING], scored=True, strict=False, other_failures=0, case_failures=4)
    assert noted.explanation() == "all gates hold: exit status 0 (4 single case failure(s) are listed above)"


def test_explanation_under_strict():
    verdict = gates.decide(1, [HOLDING], scored=True, strict=True, other_failures=0, case_failures=2)
    assert verdict.exit_status == 1
    assert verdict.explanation() == "all gates hold; --ctft-strict: failing cases decide the exit status"
