"""The shipped suites: valid, covering what they promise, and satisfiable (a model that is always
right passes every case on both channels)."""

from collections import Counter
from pathlib import Path

from doubles.ollama_server import OllamaDouble
from doubles.oracle import Oracle

from ctft_eval.cases import load_suites
from ctft_eval.catalog import SEED_TOOLS, TOOLS

SUITES = Path(__file__).resolve().parent.parent / "suites"


def all_cases():
    return [c for s in load_suites(sorted(SUITES.glob("*.yaml"))) for c in s.cases]


def test_suites_cover_every_tool_no_tool_answers_chains_and_latency():
    cases = all_cases()
    single = [c for c in cases if not c.is_chain]
    per_tool = Counter(c.expect.tools[0] for c in single if c.expect.tools)
    assert len(cases) >= 80
    assert all(per_tool[t] >= 4 for t in SEED_TOOLS), per_tool
    assert all(per_tool[t.name] >= 1 for t in TOOLS), per_tool
    assert sum(1 for c in single if not c.expect.tools) >= 10
    chains = {c.id: len(c.steps) for c in cases if c.is_chain}
    assert len(chains) >= 8
    assert chains["chain-api-debugging"] == 6 and chains["chain-authentication"] == 4
    assert chains["chain-refactoring"] == 5 and chains["chain-deployment"] == 5
    assert sum(c.latency_budget is not None for c in cases) >= 8


def test_every_prompt_is_distinct():
    prompts = [c.prompt for c in all_cases()]
    assert len(prompts) == len(set(prompts))


def test_an_always_right_model_passes_the_shipped_suites_on_both_channels(pytester):
    pytester.makefile(".toml", pyproject="[tool.ctft_eval]\ntimeout = 10.0\nretries = 0\n")
    suites = pytester.mkdir("suites")
    for path in SUITES.glob("*.yaml"):
        (suites / path.name).write_text(path.read_text())
    with OllamaDouble(Oracle(all_cases())) as server:
        result = pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", "-q", "--backend=ollama:m",
                                               f"--ollama-host={server.url}", "--ctft-channel=both", timeout=300)
    out = result.stdout.str()
    assert result.ret == 0, out[-4000:]
    assert " failed" not in out.splitlines()[-1] and "all gates hold" in out
