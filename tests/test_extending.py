"""Extending ctft-eval from outside: a new dimension is one module and one entry point (group
`ctft_eval.dimensions`), a new backend kind one module and one entry point (group
`ctft_eval.backends`). Each is installed here as a package would install it: a module on the path
and a dist-info folder whose entry_points.txt names it."""

import json
import textwrap

import pytest
from conftest import SMALL_SUITE
from doubles.ollama_server import OllamaDouble
from doubles.oracle import Oracle

BREVITY = '''
"""brevity: a no-tool answer is at most 10 characters."""
from ctft_eval.dimensions import Dimension
from ctft_eval.scorers.outcome import failed, passed


def score(case, replies):
    text = replies[0].text
    if len(text) > 10:
        return failed("brevity", "too_long", f"{len(text)} characters")
    return passed("brevity", f"{len(text)} characters", float(len(text)))


DIMENSION = Dimension("brevity", lambda case: not case.is_chain and not case.first_expectation.wants_call,
                      score, threshold=1.0, regression=False)
'''

TOY_BACKEND = '''
"""toy:MODEL: answers every request with the same text and never calls a tool."""
from ctft_eval.backends import ModelIdentity
from ctft_eval.reply import Reply


class ToyBackend:
    max_concurrency = 1

    def __init__(self, spec, settings, options):
        self.spec = spec
        self.seen = 0

    def preflight(self, channels):
        return ModelIdentity(str(self.spec), digest="toy-digest", quantization="none", details={"channels": channels})

    def chat(self, messages, tools, settings):
        self.seen += 1
        return Reply(text="I would rather not use a tool.", finish_reason="stop")

    def close(self):
        pass
'''


def install(pytester, module: str, source: str, group: str, entry: str) -> None:
    """What `pip install` of a one-module package leaves behind: the module and its dist-info."""
    pytester.makepyfile(**{module: textwrap.dedent(source)})
    info = pytester.path / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module.replace('_', '-')}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{group}]\n{entry}\n")


@pytest.fixture
def project(pytester, monkeypatch):
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    monkeypatch.setenv("PYTHONPATH", str(pytester.path))
    return pytester


def run(pytester, *args):
    return pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--ctft-tools=all", *args, timeout=120)


def test_a_dimension_from_an_entry_point_gets_tests_a_row_a_gate_and_a_record(project, small_cases):
    install(project, "toy_brevity", BREVITY, "ctft_eval.dimensions", "brevity = toy_brevity")
    project.makefile(".toml", pyproject="[tool.ctft_eval]\nretries = 0\n[tool.ctft_eval.gates]\n"
                     "tool_selection = 0.0\njson_validity = 0.0\narguments = 0.0\nbrevity = 1.0\n")
    # the oracle answers the no-tool case in 39 characters: brevity fails its gate
    with OllamaDouble(Oracle(small_cases)) as server:
        result = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", "--ctft-record=run.json",
                     "-rf")
        only = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", "-m", "brevity")
    out = result.stdout.str()
    assert "suites/small.yaml::explain-rest[ollama:m|native|brevity]" in out
    assert "brevity [too_long]" in out
    assert "| brevity        | 0/1" in out and "GATE FAILED: brevity (ollama:m, native)" in out
    assert result.ret == 1
    data = json.loads((project.path / "run.json").read_text())
    entry = next(e for e in data["results"] if e["case"] == "explain-rest")
    assert entry["outcomes"]["brevity"]["failure"] == "too_long"
    assert data["gate_thresholds"]["brevity"] == 1.0
    assert data["runs"][0]["dimensions"]["brevity"]["total"] == 1
    only.assert_outcomes(failed=1)


def test_a_backend_kind_from_an_entry_point(project, small_cases):
    install(project, "toy_backend", TOY_BACKEND, "ctft_eval.backends", "toy = toy_backend:ToyBackend")
    project.makefile(".toml", pyproject="[tool.ctft_eval]\nretries = 0\n")
    result = run(project, "--backend=toy:parrot", "--ctft-channel=both", "--ctft-record=run.json")
    out = result.stdout.str()
    assert "ctft-eval: toy:parrot ready (native, continue channels)" in out
    assert "toy:parrot on the continue channel" in out
    assert "| tool_selection | 1/5" in out  # only the no-tool case is right
    assert result.ret == 1
    data = json.loads((project.path / "run.json").read_text())
    identity = data["backends"]["toy:parrot"]
    assert identity["digest"] == "toy-digest" and identity["details"]["channels"] == ["native", "continue"]
    unknown = run(project, "--backend=nope:x")
    assert unknown.ret == 4 and "known kinds: " in unknown.stderr.str() and "toy" in unknown.stderr.str()
