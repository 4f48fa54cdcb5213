"""--ctft-sample N: a deterministic sample of whole cases, stratified by tool, dimension and channel;
deselected, never asked; said in the summary, kept in the record; gates and comparisons on it only."""

from __future__ import annotations

import json
import random
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import SMALL_SUITE
from doubles.ollama_server import OllamaDouble
from doubles.oracle import Oracle

from ctft_eval import dimensions, sample
from ctft_eval.cases import Case, load_suites
from ctft_eval.plan import BoundCases, RunConfig
from ctft_eval.profile import RELEASED, builtin

SUITES = Path(__file__).resolve().parent.parent / "suites"
SAMPLE_LINE = "a sample of {n} of {total} cases, stratified by tool, dimension and channel"


def shipped(tools: str = "all") -> list[Case]:
    """The shipped suites' cases as a run with the tool set binds them, left-out ones dropped."""
    config = RunConfig.live({}, builtin("openai", tools, RELEASED), ("native", "continue"), 1)
    bound = BoundCases()
    for suite in load_suites(sorted(SUITES.glob("*.yaml"))):
        bound.add(suite, config)
    return [c for c in bound.cases.values() if c.id not in bound.left_out]


# ---- the draw -----------------------------------------------------------------------------------


def test_the_same_suites_and_n_give_the_same_sample_in_any_order():
    cases = shipped()
    first = sample.draw(cases, 40)
    shuffled = cases[:]
    random.Random(7).shuffle(shuffled)
    again = sample.draw(shuffled, 40)
    assert first.size == 40 and first.total == len(cases) == 161
    assert set(again.cases) == set(first.cases) and sample.draw(cases, 40) == first
    assert list(first.cases) == [c.id for c in cases if c.id in first.cases]  # (the suites' order)
    assert first.seed == sample.SEED and sample.draw(cases, 40, seed="other").cases != first.cases


@pytest.mark.parametrize("tools", ["all", "default"])
def test_forty_cases_show_every_tool_and_dimension_chains_and_latency_included(tools):
    cases = shipped(tools)
    drawn = sample.draw(cases, 40)
    chosen = [c for c in cases if c.id in drawn.cases]
    assert len(chosen) == 40
    assert {t for c in chosen for t in sample.tools_of(c)} == {t for c in cases for t in sample.tools_of(c)}
    assert {d for c in chosen for d in c.dimensions} == {d for c in cases for d in c.dimensions} \
        == set(dimensions.names())
    assert any(c.is_chain for c in chosen) and any(c.latency for c in chosen)
    assert any(sample.tools_of(c) == (sample.NO_TOOL,) for c in chosen)


def test_the_rest_is_allocated_in_proportion_to_the_strata():
    cases = shipped()
    chosen = [c for c in cases if c.id in sample.draw(cases, 80).cases]
    for key in {sample.stratum(c) for c in cases}:
        size = sum(sample.stratum(c) == key for c in cases)
        taken = sum(sample.stratum(c) == key for c in chosen)
        assert abs(taken - 80 * size / len(cases)) <= 1.5, key
    first_tools = [sample.stratum(c)[0] for c in chosen]
    assert first_tools.count("run_terminal_command") == 9  # first expected by 18 of 161 cases: 8.9 of 80


def test_n_below_the_covering_set_takes_the_covering_set_and_says_so():
    cases = shipped()
    drawn = sample.draw(cases, 3)
    assert drawn.size == drawn.cover > 3 and sample.draw(cases, 1) == sample.Sample(1, 161, drawn.cases, drawn.cover)
    assert f"({drawn.size}, not the 3 asked for: it takes {drawn.cover} cases to show every expected tool and every " \
           "dimension)" in drawn.describe()
    assert {t for c in cases if c.id in drawn.cases for t in sample.tools_of(c)} == \
        {t for c in cases for t in sample.tools_of(c)}


def test_n_at_least_the_cases_is_every_case_and_no_sample():
    cases = shipped()
    for n in (161, 500):
        drawn = sample.draw(cases, n)
        assert drawn.whole and drawn.cases == tuple(c.id for c in cases)
        assert "running all of them (not a sample)" in drawn.collection_line()
    with pytest.raises(ValueError):
        sample.draw(cases, 0)


def test_a_covering_set_of_every_case_is_every_case(small_cases):
    cases = [c for c in small_cases if c.id != "read-config"]  # (each of the others shows a tool no other does)
    drawn = sample.draw(cases, 2)
    assert drawn.whole and drawn.cover == drawn.size == 5
    assert drawn.collection_line() == ("ctft-eval: --ctft-sample 2: showing every expected tool and every dimension "
                                       "takes all 5 case(s): running all of them (not a sample)")


def test_the_record_keeps_the_sample_and_reads_it_back():
    drawn = sample.draw(shipped(), 40)
    assert sample.recorded({"sample": json.loads(json.dumps(drawn.to_json()))}) == drawn
    assert sample.recorded({}) is None  # (a full run, and every record from before samples)


# ---- a session ----------------------------------------------------------------------------------

PYPROJECT = """
[tool.ctft_eval]
timeout = 10.0
retries = 0
[tool.ctft_eval.gates]
tool_selection = 0.95
json_validity = 0.0
arguments = 0.0
[tool.ctft_eval.regression]
max_drop_points = 10.0
"""


def run(pytester, server, *args):
    """A run that asks the server every time (the reply cache off: these runs change the answers)."""
    return pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", "-rf", "--ctft-cache=off",
                                         "--backend=ollama:m",
                                         f"--ollama-host={server.url}", "--ctft-tools=all", "--ctft-provider=openai",
                                         *args, timeout=300)


def asked(server) -> set[str]:
    """The user messages of every chat request the server answered."""
    return {m["content"] for body in server.chat_requests() for m in body.get("messages") or []
            if m.get("role") == "user"}


@pytest.fixture
def project(pytester):
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    pytester.makefile(".toml", pyproject=PYPROJECT)
    return pytester


def test_a_sampled_run_of_the_shipped_suites_asks_only_the_sample_on_both_channels(pytester):
    pytester.makefile(".toml", pyproject="[tool.ctft_eval]\ntimeout = 10.0\nretries = 0\n")
    suites = pytester.mkdir("suites")
    for path in SUITES.glob("*.yaml"):
        (suites / path.name).write_text(path.read_text())
    shutil.copytree(SUITES / "workspaces", suites / "workspaces")
    cases = shipped()
    expected = sample.draw(cases, 40)
    with OllamaDouble(Oracle(cases)) as server:
        result = run(pytester, server, "--ctft-sample=40", "--ctft-channel=both", "--ctft-record=run.json")
        prompts = asked(server)
    out = result.stdout.str()
    assert result.ret == 0, out[-4000:]
    tests = 2 * sum(len(c.dimensions) for c in cases if c.id in expected.cases)
    deselected = 2 * sum(len(c.dimensions) for c in cases) - tests
    assert re.search(rf"\b{tests} passed, {deselected} deselected\b", out.splitlines()[-1]), out.splitlines()[-1]
    assert out.count("--ctft-sample 40: " + SAMPLE_LINE.format(n=40, total=161)) == 1
    assert SAMPLE_LINE.format(n=40, total=161) + "; rates and intervals are the sample's" in out
    assert "count the 40 sampled cases only, not all 161" in out
    assert re.search(r"ollama:m on the native channel, 40 cases", out)
    assert {c.prompt for c in cases if c.id in expected.cases} <= prompts  # (and tool results, on the continue channel)
    assert not {c.prompt for c in cases if c.id not in expected.cases} & prompts  # nothing asked for the others
    record = json.loads((pytester.path / "run.json").read_text())
    kept = record["plan"]["sample"]
    assert (kept["requested"], kept["total"], kept["seed"]) == (40, 161, sample.SEED)
    assert kept["cases"] == list(expected.cases)  # (the same sample in another process)
    for channel in ("native", "continue"):
        assert {e["case"] for e in record["results"] if e["channel"] == channel} == set(expected.cases)
    again = pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--collect-only", "-q",
                                          "--backend=ollama:m", "--ctft-tools=all", "--ctft-sample=40", timeout=120)
    ids = {line.split("::")[1].split("[")[0] for line in again.outlines if "::" in line}
    assert ids == set(expected.cases)


@pytest.mark.parametrize("value", ["0", "-3"])
def test_n_below_one_is_a_usage_error(project, value):
    result = project.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--backend=ollama:m",
                                          f"--ctft-sample={value}", timeout=60)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"--ctft-sample must be at least 1 (the number of cases to ask), got {value}" in result.stderr.str()


def test_n_bigger_than_the_suites_runs_every_case_and_says_so_once(project, small_cases):
    with OllamaDouble(Oracle(small_cases)) as server:
        result = run(project, server, "--ctft-sample=100", "--ctft-record=run.json")
    out = result.stdout.str()
    assert result.ret == 0, out
    result.assert_outcomes(passed=17)
    assert out.count("the suites have 6 case(s) to run, fewer than 100: running all of them (not a sample)") == 1
    assert "a sample of" not in out and "deselected" not in out
    assert "sample" not in json.loads((project.path / "run.json").read_text())["plan"]


def test_gates_and_comparisons_count_the_sampled_cases_only(project, small_cases):
    # Showing every tool and dimension of the small suite takes 5 of its 6 cases: read-config (read_file,
    # which the chain also expects) is the one left out. Its wrong answer fails the full run's gate only.
    mistakes = {"read-config": "wrong_tool"}
    base = project.path / "base.json"
    with OllamaDouble(Oracle(small_cases)) as server:
        assert run(project, server, f"--ctft-record={base}").ret == 0
    with OllamaDouble(Oracle(small_cases, mistakes)) as server:
        full = run(project, server, f"--baseline={base}")
    with OllamaDouble(Oracle(small_cases, mistakes)) as server:
        sampled = run(project, server, "--ctft-sample=5", f"--baseline={base}", "--ctft-record=now.json")
        prompts = asked(server)
    assert full.ret == 1 and "GATE FAILED: tool_selection" in full.stdout.str()
    out = sampled.stdout.str()
    assert sampled.ret == 0, out
    sampled.assert_outcomes(passed=14, deselected=3)
    assert prompts and "What's in src/config.ts?" not in prompts
    assert re.search(r"\| tool_selection \| 4/4 ", out)
    assert "the gates and any baseline comparison count the 5 sampled cases only, not all 6" in out
    note = (SAMPLE_LINE.format(n=5, total=6) + ": compared on the 5 sampled case(s) both runs have, pair by pair "
            "(1 of the baseline's and 0 of this run's case(s) left out)")
    assert note in " ".join(out.split())
    assert "+0.0 pts over 4 paired cases" in json.dumps(json.loads((project.path / "now.json").read_text())["gates"])
    cli = project.run(sys.executable, "-m", "ctft_eval", "compare", str(base), "now.json")
    assert cli.ret == 0 and note in " ".join(cli.stdout.str().split())



def test_replaying_a_sampled_record_asks_its_sample_and_misses_nothing(project, small_cases):
    with OllamaDouble(Oracle(small_cases)) as server:
        assert run(project, server, "--ctft-sample=5", "--ctft-record=sampled.json").ret == 0
    replayed = project.runpytest_subprocess("suites", "-p", "no:cacheprovider", "-rf", "--backend=replay:sampled.json",
                                            "--ctft-tools=all", "--ctft-provider=openai", "--ctft-record=again.json",
                                            timeout=120)
    out = replayed.stdout.str()
    assert replayed.ret == 0, out
    replayed.assert_outcomes(passed=14, deselected=3)
    assert out.count("the replayed record is " + SAMPLE_LINE.format(n=5, total=6)) == 1
    assert "not in sampled.json" not in out
    first = json.loads((project.path / "sampled.json").read_text())
    again = json.loads((project.path / "again.json").read_text())
    assert again["plan"]["sample"] == first["plan"]["sample"]
    verdicts = {(e["case"], e["channel"]): {d: o["passed"] for d, o in e["outcomes"].items()}
                for e in first["results"]}
    assert {(e["case"], e["channel"]): {d: o["passed"] for d, o in e["outcomes"].items()}
            for e in again["results"]} == verdicts
    # Asked for, a sample of the replayed record's sample is still drawn as usual
    narrower = project.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--backend=replay:sampled.json",
                                            "--ctft-tools=all", "--ctft-provider=openai", "--ctft-sample=100",
                                            timeout=120)
    assert "running all of them (not a sample)" in narrower.stdout.str()
