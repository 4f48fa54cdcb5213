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
