"""Verdicts by what a call finds: the shipped cases' calls run on their workspaces, every call Continue
would run judged, a call it would not run not judged, and records saying which rules judged."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from records import entry, make_record

from ctft_eval import dimensions
from ctft_eval.cases import load_suites
from ctft_eval.compare import compare, views
from ctft_eval.reply import CONTINUE_BLOCK, STRUCTURED, TEXT_JSON, Reply, ToolCall
from ctft_eval.runner import ripgrep
from ctft_eval.runner.paths import OUTSIDE
from ctft_eval.scorers import effect

SUITES = Path(__file__).resolve().parent.parent / "suites"
pytestmark = pytest.mark.skipif((shutil.which("rg") is None or shutil.which("git") is None) and not os.environ.get("CI"),
                                reason="needs ripgrep and git (CI installs them; with CI set, fails)")


@pytest.fixture(scope="module")
def cases():
    return {c.id: c for s in load_suites(sorted(SUITES.glob("*.yaml"))) for c in s.cases}


def arguments(case, *calls, channel="native"):
    reply = Reply()
    reply.channel = channel
    reply.tool_calls = [ToolCall(name, "", args, None, source) for name, args, source in calls]
    return dimensions.get("arguments").score(case, [reply])


def test_every_call_continue_runs_is_judged_and_one_that_does_it_passes(cases):
    case = cases["ls-sveltekit-routes-recursive"]
    first_wrong = ("ls", {"dirPath": "src", "recursive": False}, CONTINUE_BLOCK)
    right = ("ls", {"dirPath": "src/routes", "recursive": True}, CONTINUE_BLOCK)
    assert not arguments(case, first_wrong, channel="continue").passed
    assert arguments(case, first_wrong, right, channel="continue").passed


def test_a_call_continue_would_not_run_is_not_judged(cases):
    case = cases["glob-django-migrations"]
    outcome = arguments(case, ("file_glob_search", {"pattern": "**/migrations/*.py"}, TEXT_JSON))
    assert outcome.passed is None and "would not run" in outcome.reason
    assert arguments(case, ("file_glob_search", {"pattern": "**/migrations/*.py"}, STRUCTURED)).passed


def test_another_call_that_finds_what_the_case_forbids_fails_the_reply(cases):
    case = cases["glob-django-migrations"]
    forbidden = case.first_expectation.must_not_find
    assert forbidden
    right = ("file_glob_search", {"pattern": "**/migrations/*.py"}, STRUCTURED)
    sloppy = ("file_glob_search", {"pattern": "**/*migrations*/**"}, STRUCTURED)
    outcome = arguments(case, right, sloppy)
    assert outcome.failure == effect.TOO_MUCH, outcome


def test_a_read_outside_the_workspace_is_a_named_failure(cases):
    case = cases["read-ts-db-pool-size"]
    for path in ("../../etc/passwd", "/etc/passwd", "~/.bashrc"):
        assert arguments(case, ("read_file", {"filepath": path}, STRUCTURED)).failure == OUTSIDE
    assert arguments(case, ("read_file", {"filepath": "src/config/database.ts"}, STRUCTURED)).passed


def test_the_literal_matchers_stay_for_tools_that_never_run(cases):
    case = cases["web-latest-rust-release"]
    pinned = arguments(case, ("search_web", {"query": "latest stable Rust release Rust 1.65.0"}, STRUCTURED))
    assert pinned.passed is False
    assert arguments(case, ("search_web", {"query": "latest stable Rust release"}, STRUCTURED)).passed


def test_compare_warns_when_a_baseline_was_judged_by_other_rules():
    old = make_record([entry("a", {"arguments": True})])
    new = make_record([entry("a", {"arguments": True})], plan={"judged_by": effect.rules()})
    (note,) = [n for n in compare(views(old, "old.json")[0], views(new, "new")[0]).notes if "RULES" in n]
    assert "rescore old.json" in note
    same = compare(views(new, "a")[0], views(new, "b")[0])
    assert not any("RULES" in n for n in same.notes)


def test_what_judging_needs_is_checked_before_the_run(cases, monkeypatch):
    effect.ready(cases.values())  # ripgrep, git and every workspace: here
    monkeypatch.setattr(effect, "_rg", lambda: (_ for _ in ()).throw(ripgrep.RipgrepMissing("no rg here")))
    with pytest.raises(effect.CannotJudge, match="no rg here"):
        effect.ready([cases["grep-java-deprecated"]])
    effect.ready([cases["web-latest-rust-release"]])  # a case without a workspace needs none of it


def test_a_broken_workspace_is_one_usage_error_before_any_request(pytester):
    suites = pytester.mkdir("suites")
    shutil.copytree(SUITES / "workspaces", suites / "workspaces")
    (suites / "workspaces" / "django-shop" / "workspace.yaml").write_text("commits: [{message: x, files: 7}]\n")
    (suites / "search.yaml").write_text((SUITES / "search.yaml").read_text())
    result = pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--backend=ollama:m",
                                           "--ollama-host=http://127.0.0.1:9", "-k", "django", timeout=120)
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 4 and "Traceback" not in out
    assert "workspace 'django-shop'" in out and "workspace.yaml: commit 1 is {message: TEXT" in out
