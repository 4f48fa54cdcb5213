"""The fixture workspaces (suites/workspaces/): each builds, the suites' references to them hold, the
facts an independent audit relies on hold as Continue's tools see them, and a suite run collects
nothing inside them."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from ctft_eval.cases import load_suites
from ctft_eval.runner import Place, ripgrep, run_tool
from ctft_eval.runner.workspace import Workspaces

SUITES = Path(__file__).resolve().parent.parent / "suites"
NAMES = sorted(p.parent.name for p in (SUITES / "workspaces").glob("*/workspace.yaml"))
pytestmark = pytest.mark.skipif((shutil.which("rg") is None or shutil.which("git") is None) and not os.environ.get("CI"),
                                reason="needs ripgrep and git (CI installs them; with CI set, fails)")


@pytest.fixture(scope="module")
def workspaces():
    built = Workspaces(SUITES / "workspaces")
    yield built
    built.close()


def place(workspaces: Workspaces, name: str, open_file: str | None = None) -> Place:
    return Place(workspaces.copy(name), workspaces.home(), ripgrep.find(), open_file)


def cases():
    return [c for s in load_suites(sorted(SUITES.glob("*.yaml"))) for c in s.cases]


def test_at_most_eight_workspaces_each_builds_with_its_history(workspaces):
    assert 1 <= len(NAMES) <= 8
    for name in NAMES:
        root = workspaces.pristine(name)
        assert (root / ".git").is_dir() and any(root.iterdir()), name


def test_every_file_a_case_names_is_in_its_workspace(workspaces):
    named = 0
    for case in cases():
        if case.workspace is None:
            continue
        root = workspaces.pristine(case.workspace)
        for expect in case.expectations:
            for finding in (*expect.must_find, *expect.must_not_find):
                path = root / finding.file.rstrip("/")
                assert path.exists(), f"{case.id}: {finding.file} is not in {case.workspace}"
                if finding.line is not None:
                    assert finding.line in path.read_text(), f"{case.id}: {finding.describe()}"
                named += 1
        if case.open_file:
            assert (root / case.open_file).is_file(), f"{case.id}: open_file {case.open_file}"
    assert named >= 60


def test_every_case_that_reads_lists_or_searches_names_a_workspace():
    reading = {"read_file", "ls", "file_glob_search", "grep_search", "view_diff", "read_currently_open_file"}
    missing = [c.id for c in cases() for e in c.expectations if set(e.tools) & reading and c.workspace is None]
    assert not missing


def _workspace_of(fact: str) -> str:
    found = {c.workspace for c in cases() if c.id == fact}
    assert len(found) == 1, fact
    return found.pop()  # type: ignore[return-value]


def test_the_audit_facts_hold_as_continues_tools_see_them(workspaces):
    django = place(workspaces, _workspace_of("glob-django-migrations"))
    apps = {f.split("/migrations/")[0] for f in run_tool("file_glob_search", {"pattern": "**/migrations/*.py"},
                                                         django).files}
    assert len(apps) >= 2 and "" not in apps and not (django.root / "migrations").exists()
    assert run_tool("file_glob_search", {"pattern": "migrations/*.py"}, django).files == ()

    java = place(workspaces, _workspace_of("grep-java-deprecated"))
    shown = [line for _, line in run_tool("grep_search", {"query": "@Deprecated"}, java).lines
             if line.startswith("@Deprecated")]
    assert len(shown) == 3 and any("(" in line for line in shown) and any(line == "@Deprecated" for line in shown)
    assert len([1 for _, line in run_tool("grep_search", {"query": r"@Deprecated\("}, java).lines
                if line.startswith("@Deprecated")]) == 1

    sql = place(workspaces, _workspace_of("grep-sql-select-star"))
    stars = [line for f, line in run_tool("grep_search", {"query": r"SELECT \*"}, sql).lines
             if f.endswith(".py") and re.search(r"select \*", line, re.I)]
    assert stars and not any(re.search(r"\*;", line) for line in stars)

    nextjs = place(workspaces, _workspace_of("chain-nextjs-env-config"))
    envs = [p.name for p in nextjs.root.iterdir() if p.name.startswith(".env")]
    assert len(envs) == 4, envs
    assert sorted(run_tool("file_glob_search", {"pattern": "**/.env*"}, nextjs).files) == sorted(envs)


def test_a_suite_run_collects_nothing_in_the_workspaces(pytester):
    suites = pytester.mkdir("suites")
    shutil.copytree(SUITES / "workspaces", suites / "workspaces")
    (suites / "search.yaml").write_text((SUITES / "search.yaml").read_text())
    result = pytester.runpytest_subprocess("suites", "--co", "-q", "-p", "no:cacheprovider", timeout=120)
    out = result.stdout.str() + result.stderr.str()
    assert "workspaces/" not in out and "ERROR" not in out.replace("ERROR: collected", ""), out[-3000:]


def test_every_example_call_finds_what_its_case_must_find():
    from ctft_eval.reply import ToolCall
    from ctft_eval.scorers import effect

    checked = 0
    for case in cases():
        for expect in case.expectations:
            if expect.example is None or not effect.judged_by_effect(case, expect, ToolCall(expect.tools[0], "", {})):
                continue
            failure, reason = effect.check(case, expect, ToolCall(expect.tools[0], "", dict(expect.example)))
            assert failure is None, f"{case.id}: the suite's example {expect.example}: {reason}"
            checked += 1
    assert checked >= 5


def test_every_create_and_edit_case_says_what_its_file_must_do():
    from ctft_eval.filecheck.checks import EDITS

    editing = [(case, n, expect) for case in cases() for n, expect in enumerate(case.expectations)
               if set(expect.tools) & set(EDITS)]
    assert len(editing) >= 30
    lacking = [f"{case.id} #{n}" for case, n, expect in editing
               if expect.writes is None or expect.example is None or not case.workspace]
    assert not lacking, f"create/edit expectations without `writes`, `example` or a workspace: {lacking}"
