"""The labelled set (tests/labelled/*.yaml): replies labelled by what Continue would achieve running
them, independently of this project's verdicts: arguments.yaml (reads, searches, commands, the web,
edits), files_create.yaml, files_edit.yaml and files_heldout.yaml (files created and edited,
labelled by what the resulting file does). The project's verdict on every row must agree: no false accept, agreement at
least 97%. The figures are printed in every run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from ctft_eval import dimensions
from ctft_eval.cases import Case, load_suites
from ctft_eval.reply import CONTINUE_BLOCK, STRUCTURED, TEXT_JSON, Reply, ToolCall
from ctft_eval.scorers.verdicts import argument_check, selection

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "labelled"
ROWS = [row for name in ("arguments.yaml", "files_create.yaml", "files_edit.yaml", "files_heldout.yaml")
        for row in yaml.safe_load((LABELLED / name).read_text())]
SOURCES = {"native": STRUCTURED, "text": TEXT_JSON, "block": CONTINUE_BLOCK}
pytestmark = pytest.mark.skipif((shutil.which("rg") is None or shutil.which("git") is None) and not os.environ.get("CI"),
                                reason="needs ripgrep and git (CI installs them; with CI set, fails)")


def cases() -> dict[str, Case]:
    return {c.id: c for s in load_suites(sorted((ROOT / "suites").glob("*.yaml"))) for c in s.cases}


def reply(row: dict) -> Reply:
    made = Reply()
    made.channel = row["channel"]
    made.tool_calls = [ToolCall(c["tool"], "", c.get("arguments") or {}, None, SOURCES[c.get("source", "native")])
                       for c in row["calls"]]
    return made


def accepts(case: Case, row: dict) -> tuple[bool, str]:
    """The project's verdict on a row: the arguments verdict where the case (or step) has one, else
    the tool selection; a call Continue would not run is no accept."""
    answer = reply(row)
    if row.get("step"):
        expect = case.steps[row["step"] - 1].expect
        failure, reason = selection(expect, answer)
        if not failure and (expect.arguments or expect.judged_by_outcome):
            failure, reason = argument_check(expect, answer, case)
        return failure is None, reason
    if "arguments" in case.dimensions:
        outcome = dimensions.get("arguments").score(case, [answer])
        return outcome.passed is True, outcome.reason
    outcome = dimensions.get("tool_selection").score(case, [answer])
    return outcome.passed is True, outcome.reason


def test_the_set_is_large_and_covers_every_tool():
    assert len(ROWS) >= 300
    tools = {c["tool"] for row in ROWS for c in row["calls"]}
    assert {"read_file", "ls", "file_glob_search", "grep_search", "view_diff", "read_currently_open_file",
            "run_terminal_command", "search_web", "fetch_url_content", "create_new_file"} <= tools
    assert {row["label"] for row in ROWS} == {"accept", "reject"}
    assert all(row.get("why") for row in ROWS)


EDITS = ("create_new_file", "edit_existing_file", "single_find_and_replace", "multi_edit")
"""Rows with an edit: applied as Continue applies them and judged by the file they leave (figures apart)."""


def agreement(rows: list[dict]) -> tuple[float, list[str], list[str]]:
    by_id = cases()
    false_accepts, false_rejects = [], []
    for row in rows:
        ok, reason = accepts(by_id[row["case"]], row)
        line = f"{row['case']}{' step ' + str(row['step']) if row.get('step') else ''}: {row['calls']} — " \
               f"{row['why']} (project: {reason})"
        if ok and row["label"] == "reject":
            false_accepts.append(line)
        elif not ok and row["label"] == "accept":
            false_rejects.append(line)
    share = 1 - (len(false_accepts) + len(false_rejects)) / len(rows)
    print(f"\nlabelled set: {len(rows)} rows, agreement {share:.1%}, {len(false_accepts)} false accept(s), "
          f"{len(false_rejects)} false reject(s)")
    for line in false_accepts + false_rejects:
        print("  " + line[:300])
    return share, false_accepts, false_rejects


def _edits(row: dict) -> bool:
    return any(c["tool"] in EDITS for c in row["calls"])


def test_the_projects_verdicts_agree_with_the_labels(capsys):
    with capsys.disabled():  # the figure is printed in every run, passing or not
        share, false_accepts, false_rejects = agreement([r for r in ROWS if not _edits(r)])
    assert not false_accepts, "\n".join(false_accepts)
    assert share >= 0.97, "\n".join(false_rejects)


def test_the_set_has_at_least_250_file_and_edit_pairs():
    assert sum(_edits(row) for row in ROWS) >= 400  # 150 of issue 20, 272 of issue 21


def test_the_projects_verdicts_on_edits_agree_with_the_labels(capsys):
    with capsys.disabled():
        share, false_accepts, false_rejects = agreement([r for r in ROWS if _edits(r)])
    assert not false_accepts, "\n".join(false_accepts)
    assert share >= 0.97, "\n".join(false_rejects)
