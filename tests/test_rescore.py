"""python -m ctft_eval rescore: the same replies scored again, the record's backends and timings kept."""

import json
import sys

import pytest
from conftest import SMALL_SUITE
from doubles.ollama_server import OllamaDouble
from doubles.oracle import Oracle


@pytest.fixture
def recorded(pytester, small_cases):
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    pytester.makefile(".toml", pyproject="[tool.ctft_eval]\ntimeout = 10.0\nretries = 0\n")
    with OllamaDouble(Oracle(small_cases, {"read-config": "wrong_tool"})) as server:
        pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--backend=ollama:m",
                                      f"--ollama-host={server.url}", "--ctft-channel=both", "--ctft-record=run.json",
                                      timeout=120)
    return pytester


def rescore(pytester, *args):
    return pytester.run(sys.executable, "-m", "ctft_eval", "rescore", "run.json", *args)


def test_rescoring_gives_back_the_verdicts_the_replies_deserve(recorded):
    path = recorded.path / "run.json"
    original = json.loads(path.read_text())
    tampered = json.loads(path.read_text())
    for entry in tampered["results"]:
        for outcome in entry["outcomes"].values():
            if outcome["passed"] is not None:
                outcome["passed"], outcome["reason"] = not outcome["passed"], "tampered"
    tampered["gates"] = []
    path.write_text(json.dumps(tampered))
    result = rescore(recorded, "--out", "new.json")
    assert result.ret == 0, result.stdout.str()
    new = json.loads((recorded.path / "new.json").read_text())
    assert new["backends"] == original["backends"] and new["started"] == original["started"]

    def verdicts(data):
        return {(e["channel"], e["case"], d): o["passed"] for e in data["results"] for d, o in e["outcomes"].items()}

    assert verdicts(new) == verdicts(original)
    assert [g["name"] for g in new["gates"]] == [g["name"] for g in original["gates"]]
    assert new["profile"]["rescored"] and new["profile"]["name"] == original["profile"]["name"]
    assert json.loads(path.read_text()) == tampered  # --out leaves the record itself alone


def test_a_changed_suite_is_reported_and_a_missing_one_is_one_error(recorded):
    suite = recorded.path / "suites" / "small.yaml"
    suite.write_text(suite.read_text() + "\n# edited\n")
    result = rescore(recorded, "--out", "new.json")
    assert result.ret == 0 and "suite file changed since the run: suites/small.yaml" in result.stdout.str()
    suite.unlink()
    result = rescore(recorded)
    assert result.ret == 2 and "cannot re-score" in result.stdout.str() and "small.yaml" in result.stdout.str()


# ---- a re-scored record agrees with the run that made it (the run plan: ctft_eval.plan) -------------


def verdicts_of(data: dict) -> dict:
    return {(e["channel"], e["case"], d): (o["passed"], o["failure"], o["reason"])
            for e in data["results"] for d, o in e["outcomes"].items()}


def rescored_agrees(pytester) -> tuple[dict, dict]:
    """Re-score run.json into new.json; both records, after checking that every verdict, summary and
    gate is the run's."""
    result = rescore(pytester, "--out", "new.json")
    assert result.ret == 0, result.stdout.str()
    original = json.loads((pytester.path / "run.json").read_text())
    new = json.loads((pytester.path / "new.json").read_text())
    assert verdicts_of(new) == verdicts_of(original)
    assert new["runs"] == original["runs"]
    assert new["gates"] == original["gates"]
    return original, new


def test_rescore_judges_latency_by_the_budget_the_run_had(pytester, small_cases):
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    pytester.makefile(".toml", pyproject="[tool.ctft_eval]\ntimeout = 10.0\nretries = 0\nlatency_budget = 0.2\n")
    with OllamaDouble(Oracle(small_cases, {"run-tests": "slow"}, slow_seconds=0.3)) as server:
        pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--backend=ollama:m",
                                      f"--ollama-host={server.url}", "--ctft-record=run.json", timeout=120)
    original, _ = rescored_agrees(pytester)
    (latency,) = [e["outcomes"]["latency"] for e in original["results"] if e["case"] == "run-tests"]
    assert latency["passed"] is False and "> budget 0.2 s" in latency["reason"]


MCP_TOOL = {"type": "function", "function": {
    "name": "jira_search", "description": "Search the team's Jira issues",
    "parameters": {"type": "object", "properties": {"jql": {"type": "string"}}, "required": ["jql"]}}}


def captured_profile(path, cases) -> None:
    """A profile captured from a Continue that offers three built-in tools and one MCP tool."""
    import ollama

    from ctft_eval.capture import Proxy
    from ctft_eval.catalog import function_schemas

    tools = [*function_schemas(["read_file", "grep_search", "run_terminal_command"]), MCP_TOOL]
    with OllamaDouble(Oracle(cases)) as upstream:
        proxy = Proxy("127.0.0.1:0", upstream.url, path, requests=1).start()
        list(ollama.Client(host=proxy.url).chat(model="m", stream=True, tools=tools,
                                                messages=[{"role": "user", "content": "What's in src/config.ts?"}]))
        proxy.wait(10)
        proxy.finish()


@pytest.fixture
def captured_run(pytester, small_cases, tmp_path):
    """A run with a captured profile: `ls` (the oracle's wrong tool for read-config) is not offered, and
    the cases expecting file_glob_search or read_file_range are left out."""
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    pytester.makefile(".toml", pyproject="[tool.ctft_eval]\ntimeout = 10.0\nretries = 0\n")
    profile = tmp_path / "mine.json"
    captured_profile(profile, small_cases)
    with OllamaDouble(Oracle(small_cases, {"read-config": "wrong_tool"})) as server:
        pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--backend=ollama:m",
                                      f"--ollama-host={server.url}", f"--ctft-profile={profile}",
                                      "--ctft-channel=both", "--ctft-record=run.json", timeout=120)
    return pytester


def test_rescore_offers_the_tools_the_captured_profile_offered(captured_run):
    original, _ = rescored_agrees(captured_run)
    (entry,) = [e for e in original["results"] if e["case"] == "read-config" and e["channel"] == "native"]
    assert entry["outcomes"]["json_validity"]["failure"] == "unknown_tool"
    assert original["plan"]["offered"]["read-config"] == ["read_file", "grep_search", "run_terminal_command",
                                                          "jira_search"]


def test_rescore_leaves_out_the_cases_the_run_left_out(captured_run):
    original, new = rescored_agrees(captured_run)
    left_out = {"glob-dockerfiles", "range-parser"}
    assert set(original["profile"]["left_out"]) == left_out and new["profile"]["left_out"] == original["profile"]["left_out"]
    assert not left_out & {e["case"] for e in new["results"]}
