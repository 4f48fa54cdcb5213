"""The shipped suites: valid, covering what they promise, and satisfiable (a model that is always
right passes every case on both channels)."""

import shutil
from collections import Counter
from pathlib import Path

from doubles.ollama_server import OllamaDouble
from doubles.oracle import Oracle

from ctft_eval.cases import load_suites
from ctft_eval.catalog import SEED_TOOLS, TOOLS

SUITES = Path(__file__).resolve().parent.parent / "suites"

# The tools a default agent-mode Continue session offers a local model (shared/reference/continue.md).
DEFAULT_SESSION_TOOLS = (
    "read_file", "create_new_file", "run_terminal_command", "file_glob_search", "fetch_url_content",
    "search_web", "read_skill", "view_diff", "read_currently_open_file", "ls", "grep_search",
    "edit_existing_file", "single_find_and_replace",
)
# The tag a case carries when it needs a tool outside the default session.
NON_DEFAULT_TOOL_TAGS = {
    "read_file_range": "experimental_tools", "codebase": "experimental_tools",
    "view_repo_map": "experimental_tools", "view_subdirectory": "experimental_tools",
    "multi_edit": "agent_model_tools", "create_rule_block": "rule_tools", "request_rule": "rule_tools",
}


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
    assert sum(c.latency for c in cases) >= 8

    # What a default Continue session offers: each of its 13 tools is expected by >= 4 single-step cases,
    assert len(DEFAULT_SESSION_TOOLS) == 13 and set(DEFAULT_SESSION_TOOLS) <= {t.name for t in TOOLS}
    assert set(NON_DEFAULT_TOOL_TAGS) == {t.name for t in TOOLS} - set(DEFAULT_SESSION_TOOLS)
    assert all(per_tool[t] >= 4 for t in DEFAULT_SESSION_TOOLS), per_tool
    # every chain step can be done with default tools (the first listed, the one an always-right
    # model plays, among them),
    off_default = [(c.id, n) for c in cases for n, step in enumerate(c.steps, 1)
                   if step.expect.tools[0] not in DEFAULT_SESSION_TOOLS]
    assert not off_default, off_default
    # and a single-step case that needs a tool outside them carries the tag to select it by.
    untagged = [(c.id, tag) for c in single if c.expect.tools and not set(c.expect.tools) & set(DEFAULT_SESSION_TOOLS)
                for tag in {NON_DEFAULT_TOOL_TAGS[t] for t in c.expect.tools} if tag not in c.tags]
    assert not untagged, untagged
    # (and only such a case: the tags must not take a default-session case out of a default run)
    mistagged = [c.id for c in cases for tag in set(NON_DEFAULT_TOOL_TAGS.values()) & set(c.tags)
                 if c.is_chain or set(c.expect.tools) & set(DEFAULT_SESSION_TOOLS)
                 or tag not in {NON_DEFAULT_TOOL_TAGS[t] for t in c.expect.tools}]
    assert not mistagged, mistagged
    assert all(c.expect.tools[0] in DEFAULT_SESSION_TOOLS for c in single
               if set(c.expect.tools) & set(DEFAULT_SESSION_TOOLS)), "list a default tool first"


def test_every_prompt_is_distinct():
    prompts = [c.prompt for c in all_cases()]
    assert len(prompts) == len(set(prompts))


def test_an_always_right_model_passes_the_shipped_suites_on_both_channels(pytester):
    pytester.makefile(".toml", pyproject="[tool.ctft_eval]\ntimeout = 10.0\nretries = 0\n")
    suites = pytester.mkdir("suites")
    for path in SUITES.glob("*.yaml"):
        (suites / path.name).write_text(path.read_text())
    shutil.copytree(SUITES / "workspaces", suites / "workspaces")  # (data: the plugin collects nothing there)
    with OllamaDouble(Oracle(all_cases())) as server:
        result = pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", "-q", "--backend=ollama:m",
                                               f"--ollama-host={server.url}", "--ctft-channel=both", "--ctft-tools=all",
                                               "--ctft-provider=openai", timeout=300)
    out = result.stdout.str()
    assert result.ret == 0, out[-4000:]
    assert " failed" not in out.splitlines()[-1] and "all gates hold" in out
