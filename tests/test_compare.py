"""Baselines: statistics against known values, the regression gate, compare/replay/repeat end to end."""

import json
import math
import re

import pytest
from conftest import SMALL_SUITE
from doubles.ollama_server import OllamaDouble
from doubles.oracle import Oracle
from doubles.scripted import Call, Scripted

from ctft_eval.compare import RegressionSettings, compare, views
from ctft_eval.record import parse
from ctft_eval.stats import mcnemar_exact


def binomial_two_sided(b: int, c: int) -> float:
    n, k = b + c, min(b, c)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) * 0.5**n)


@pytest.mark.parametrize(("b", "c", "expected"), [
    (0, 3, 0.25),  # 2 * (1/8)
    (1, 4, 0.375),  # 2 * (1 + 5) / 32
    (10, 0, 0.001953125),  # 2 / 1024
    (2, 2, 1.0),
    (0, 0, 1.0),
    (3, 12, 2 * (1 + 15 + 105 + 455) / 2**15),
])
def test_exact_mcnemar_against_hand_computed_binomials(b, c, expected):
    assert mcnemar_exact(b, c) == pytest.approx(expected)
    assert mcnemar_exact(b, c) == pytest.approx(binomial_two_sided(b, c))
    assert mcnemar_exact(b, c) == mcnemar_exact(c, b)


def record(passed: dict[str, bool], dim="tool_selection", backend="ollama:m", channel="native") -> dict:
    return {
        "format": "ctft-eval-run/1", "settings": {"temperature": 0.0}, "suites": [{"file": "s.yaml", "sha256": "a"}],
        "backends": {backend: {"spec": backend, "digest": "d1"}},
        "cases": {c: {"dimensions": [dim], "expected_tools": ["read_file"]} for c in passed},
        "results": [{"backend": backend, "channel": channel, "case": c,
                     "outcomes": {dim: {"passed": ok, "reason": "ok" if ok else "called ls"}}} for c, ok in passed.items()],
    }


def view(passed, **kw):
    return views(parse(record(passed, **kw), "r"), "r")[0]


def test_ten_cases_worse_out_of_two_hundred_fails_the_gate():
    base = {f"c{i}": True for i in range(200)}
    worse = {c: i >= 10 for i, c in enumerate(base)}
    comp = compare(view(base), view(worse))
    d = comp.deltas["tool_selection"]
    assert (d.pairs, len(d.broken), len(d.fixed)) == (200, 10, 0)
    assert d.p_value == pytest.approx(2 / 1024) and d.delta == pytest.approx(-0.05)
    assert d.regressed(RegressionSettings())


def test_two_flips_each_way_is_noise():
    base = {f"c{i}": i >= 2 for i in range(200)}
    now = {f"c{i}": not (2 <= i < 4) for i in range(200)}
    d = compare(view(base), view(now)).deltas["tool_selection"]
    assert (len(d.broken), len(d.fixed), d.p_value) == (2, 2, 1.0)
    assert not d.regressed(RegressionSettings())


def test_a_large_drop_fails_by_budget_even_when_not_significant():
    base = {f"c{i}": True for i in range(10)}
    now = {f"c{i}": i >= 1 for i in range(10)}  # one of ten: p = 1.0 but -10 points
    d = compare(view(base), view(now)).deltas["tool_selection"]
    assert d.p_value == 1.0 and d.regressed(RegressionSettings(max_drop_points=5.0))
    assert not d.regressed(RegressionSettings(max_drop_points=20.0))


def test_different_suites_are_compared_on_common_cases_and_say_so():
    comp = compare(view({"a": True, "b": True, "x": False}), view({"a": True, "b": False, "y": True}))
    assert comp.common == ["a", "b"]
    assert comp.deltas["tool_selection"].broken == ["b"]
    assert "compared on the 2 cases both runs have (1 only in the baseline, 1 only in this run)" in comp.notes


def run_suite(project, server, *args):
    return project.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--backend=ollama:m",
                                        f"--ollama-host={server.url}", "--ctft-tools=all", "--ctft-provider=openai",
                                        *args, timeout=120)


@pytest.fixture
def project(pytester):
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    pytester.makefile(".toml", pyproject="[tool.ctft_eval]\ntimeout = 10.0\nretries = 0\n"
                      "[tool.ctft_eval.gates]\ntool_selection = 0.0\narguments = 0.0\njson_validity = 0.0\n"
                      "[tool.ctft_eval.regression]\nmax_drop_points = 10.0\n")
    return pytester


def test_baseline_side_by_side_and_regression_gate(project, small_cases):
    base = project.path / "base.json"
    with OllamaDouble(Oracle(small_cases)) as server:
        assert run_suite(project, server, f"--ctft-record={base}").ret == 0
    mistakes = {"read-config": "wrong_tool", "range-parser": "no_call"}
    with OllamaDouble(Oracle(small_cases, mistakes)) as server:  # (another model behind the same digest:
        # only --ctft-cache off keeps the reply cache from answering with the first one's replies)
        result = run_suite(project, server, f"--baseline={base}", "--ctft-record=now.json", "--ctft-cache=off")
    out = result.stdout.str()
    assert result.ret == 1, out
    assert "ctft-eval baseline comparison" in out and "digest" in out
    assert re.search(r"tool_selection\s+5\s+100.0%\s+60.0%\s+-40.0 pts\s+2\s+0\s+0.5\s+REGRESSION", out)
    assert "broken  read-config (tool_selection): called ls, expected read_file" in out
    assert "regression tool_selection" in out and "FAIL" in out
    md = project.run(__import__("sys").executable, "-m", "ctft_eval", "compare", str(base), "now.json",
                     "--format", "markdown", "--html", "report.html")
    assert md.ret == 1
    text = md.stdout.str()
    assert "| tool_selection |" in text and "REGRESSION" in text
    page = (project.path / "report.html").read_text()
    assert "<svg" in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in page and "src=" not in page


def test_replay_rescoring_reports_missing_cases(project, small_cases):
    full = project.path / "full.json"
    with OllamaDouble(Oracle(small_cases)) as server:
        run_suite(project, server, f"--ctft-record={full}")
    data = json.loads(full.read_text())
    data["results"] = [e for e in data["results"] if e["case"] != "read-config"]
    partial = project.path / "partial.json"
    partial.write_text(json.dumps(data))
    result = project.runpytest_subprocess("suites", "-p", "no:cacheprovider", f"--backend=replay:{partial}",
                                          "--ctft-tools=all", "-rs", timeout=120)
    out = result.stdout.str()
    assert result.ret == 0, out
    result.assert_outcomes(passed=14, skipped=3)
    assert "1 case(s) missing from the replay record, not scored: read-config" in out


def test_replay_of_an_unreadable_record_is_one_error(project):
    result = project.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--backend=replay:nope.json")
    assert result.ret == 4 and "cannot replay nope.json" in result.stderr.str()


def test_repeat_reports_pass_at_k_pass_hat_k_and_flaky_cases(project, small_cases):
    oracle = Oracle(small_cases)
    seen: dict[str, int] = {}

    def flaky(request):
        prompt = request["messages"][-1]["content"]
        seen[prompt] = seen.get(prompt, 0) + 1
        if prompt == "What's in src/config.ts?" and seen[prompt] % 3 == 2:
            return Scripted(calls=[Call("ls", {})])
        return oracle(request)

    with OllamaDouble(flaky) as server:
        result = run_suite(project, server, "--ctft-repeat=3", "-k", "not latency", "--ctft-concurrency=1")
        assert len([r for r in server.chat_requests() if r["messages"][-1]["content"] == "What's in src/config.ts?"]) == 3
    out = result.stdout.str()
    assert "pass@k" in out and "pass^k" in out
    assert "flaky tool_selection: read-config (2/3)" in out
    assert "2/3 attempts passed; first failure: called ls, expected read_file" in out
