"""A call judged by what it achieves: run as Continue runs it on the case's workspace (ctft_eval.runner),
a read must find every `must_find` item and no `must_not_find` item (ctft_eval.findings); an edit
must leave the file its case `writes`, parsing and passing its checks (ctft_eval.filecheck).

The workspaces of a suites folder are built once per process (`workspaces_for`) and every call
runs on a fresh copy of its case's workspace, so no call sees what another did. Running a call is
deterministic for a given workspace, ripgrep and git: the same reply gets the same verdict in a
live run, a replay and `rescore`. `rules()` names what judged (for the record).
"""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import cache, lru_cache
from pathlib import Path
from typing import Protocol

from ctft_eval.cases import WORKSPACES, Case, Expectation
from ctft_eval.filecheck import checks as filechecks
from ctft_eval.filecheck import grammars
from ctft_eval.findings import Finding
from ctft_eval.reply import ToolCall
from ctft_eval.runner import READ_ONLY, Place, fetch_check, ripgrep, run_tool
from ctft_eval.runner.result import TOOL_ERROR, ToolResult
from ctft_eval.runner.workspace import WorkspaceError, Workspaces

MISSES = "misses"
"""The call ran but its result lacks something the case must find."""
TOO_MUCH = "finds_forbidden"
"""The call's result shows something the case says a precise call must not find."""
RULES_VERSION = 2
"""The version of these rules (raise it when a verdict can change): recorded with every run."""


class CannotJudge(RuntimeError):
    """Calls cannot be judged by what they find here: no ripgrep or git, or a broken workspace."""


def ready(cases: Iterable[Case]) -> None:
    """Before any reply is asked for: what judging these cases' calls needs is here (ripgrep, git,
    every workspace they name builds); else CannotJudge, one message naming what is missing."""
    used = sorted({(Path(c.file).resolve().parent / WORKSPACES, c.workspace) for c in cases if c.workspace})
    if not used:
        return
    try:
        _rg()
    except ripgrep.RipgrepMissing as exc:
        raise CannotJudge(f"{exc} (the cases that read, list or search run it on their workspaces)") from None
    if shutil.which("git") is None:
        raise CannotJudge("git is not installed: the fixture workspaces are built with it (view_diff runs it)")
    for folder, name in used:
        try:
            workspaces_for(folder).pristine(name)  # type: ignore[arg-type]
        except WorkspaceError as exc:
            raise CannotJudge(f"workspace {name!r}: {exc}") from None


@cache
def workspaces_for(folder: Path) -> Workspaces:
    built = Workspaces(folder)
    atexit.register(built.close)
    return built


@cache
def _rg() -> ripgrep.Ripgrep:
    return ripgrep.find()


def ripgrep_note() -> str | None:
    """What a run says when the ripgrep here is not Continue's major version (13)."""
    try:
        found = _rg()
    except ripgrep.RipgrepMissing:
        return None
    if found.version.startswith(ripgrep.CONTINUE_MAJOR):
        return None
    return (f"ctft-eval: searches run with {found.version} ({found.path}), not the ripgrep 13 Continue bundles: a "
            "pattern rg 13 rejects (an escaped non-meta character such as \\@) is judged as it runs here; "
            "Debian/Ubuntu's `ripgrep` package (13.0.0) on PATH is used instead where it is installed")


def ripgrep_for_runs() -> ripgrep.Ripgrep:
    """The ripgrep every call here runs with (found once per process)."""
    return _rg()


EDITS = filechecks.EDITS


def judged_by_effect(case: Case, expect: Expectation, call: ToolCall) -> bool:
    if not case.workspace:
        return False
    if call.name in READ_ONLY:
        return bool(expect.must_find or expect.must_not_find)
    return call.name in filechecks.EDITS and expect.writes is not None


def runs_here(case: Case, call: ToolCall) -> bool:
    """Whether the call runs on the case's workspace (a read-only or an edit tool, a case with a
    workspace)."""
    return bool(case.workspace and (call.name in READ_ONLY or call.name in filechecks.EDITS))


def run(case: Case, call: ToolCall) -> ToolResult:
    """`call` run on a fresh copy of the case's workspace; the same call on the same workspace runs
    once per process (a call on a pristine workspace always answers the same)."""
    return run_in_order(case, [call])[0]


def run_in_order(case: Case, calls: list[ToolCall]) -> tuple[ToolResult, ...]:
    """The calls run one after another on one fresh copy of the case's workspace, as Continue runs a
    reply's calls (an edit sees what the calls before it wrote)."""
    assert case.workspace is not None
    made = tuple((c.name, json.dumps(c.arguments, sort_keys=True, default=str)) for c in calls)
    return _run_in_order(Path(case.file).resolve().parent / WORKSPACES, case.workspace, case.open_file, made)


@lru_cache(maxsize=4096)
def _run_in_order(folder: Path, workspace: str, open_file: str | None,
                  calls: tuple[tuple[str, str], ...]) -> tuple[ToolResult, ...]:
    with fresh_place(folder, workspace, open_file) as place:
        return tuple(run_tool(name, json.loads(arguments), place) for name, arguments in calls)


@contextmanager
def fresh_place(folder: Path, workspace: str, open_file: str | None) -> Iterator[Place]:
    """A fresh copy of a workspace (folder/NAME) to run calls on, removed afterwards."""
    workspaces = workspaces_for(folder)
    place = Place(workspaces.copy(workspace), workspaces.home(), _rg(), open_file)
    try:
        yield place
    finally:
        shutil.rmtree(place.root.parent, ignore_errors=True)


def place_for(case: Case) -> AbstractContextManager[Place]:
    """A fresh copy of the case's workspace (a live chain's), removed afterwards."""
    assert case.workspace is not None
    return fresh_place(Path(case.file).resolve().parent / WORKSPACES, case.workspace, case.open_file)


def check_edits(case: Case, expect: Expectation, calls: list[ToolCall]) -> tuple[str | None, str]:
    """(failure or None, reason) for the file the case `writes`, once every edit call of the reply
    has run in order (each on what the ones before it left): the file's last state is judged."""
    assert expect.writes is not None
    results = run_in_order(case, calls)
    wrote = [(call, result) for call, result in zip(calls, results, strict=True) if result.ran and result.written]
    target = [(call, result) for call, result in wrote if result.written[0][0] == expect.writes.file]
    if not target:
        failed_calls = [(call, result) for call, result in zip(calls, results, strict=True) if not result.ran]
        if failed_calls and not wrote:
            call, result = failed_calls[0]
            return result.failure, f"{call.name} as Continue runs it: {result.failure} ({result.detail or 'no result'})"
        others = ", ".join(sorted({r.written[0][0] for _, r in wrote}))
        return filechecks.WRONG_FILE, f"wrote {others or 'nothing'}, not {expect.writes.file}"
    call, result = target[-1]
    path, text = result.written[0]
    failure, reason = filechecks.judge(expect.writes, path, text, result.partial)
    if len(calls) > 1:
        reason = f"after the reply's {len(calls)} edit calls in order: {reason}"
    return failure, reason


class Shown(Protocol):
    """What a result names: a ToolResult, or a recorded one (ctft_eval.chains.results.Ran)."""

    files: tuple[str, ...]
    lines: tuple[tuple[str, str], ...]


def found(finding: Finding, result: Shown) -> bool:
    if finding.line is None:
        wanted = finding.file.rstrip("/")
        return any(f.rstrip("/") == wanted for f in result.files)
    return any(f == finding.file and finding.line in line for f, line in result.lines)


def refused(call: ToolCall) -> tuple[str, str] | None:
    """What Continue refuses before running a tool that never runs here (a URL without a scheme)."""
    if call.name != "fetch_url_content" or not isinstance(call.arguments, dict):
        return None
    result = fetch_check(call.arguments.get("url"))
    return (result.failure or TOOL_ERROR, f"{call.name}: {result.detail}") if result.failure == TOOL_ERROR else None


def check(case: Case, expect: Expectation, call: ToolCall) -> tuple[str | None, str]:
    """(failure or None, reason): what running `call` found against what the case asks (with no
    must_find: only whether Continue runs it without an error or a refusal)."""
    result = run(case, call)
    if not result.ran:
        return result.failure, f"{call.name} as Continue runs it: {result.failure} ({result.detail or 'no result'})"
    if call.name in filechecks.EDITS:
        if expect.writes is None or not result.written:
            return None, f"{call.name} applies on {case.workspace} ({result.detail})"
        path, text = result.written[0]
        return filechecks.judge(expect.writes, path, text, result.partial)
    if not (expect.must_find or expect.must_not_find):
        return None, f"{call.name} runs on {case.workspace}"
    missing = [f.describe() for f in expect.must_find if not found(f, result)]
    extra = [f.describe() for f in expect.must_not_find if found(f, result)]
    total = len(expect.must_find)
    if missing:
        return MISSES, (f"{call.name} finds {total - len(missing)} of {total} it must find on {case.workspace}; "
                        f"missing {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
    if extra:
        return TOO_MUCH, f"{call.name} also finds {', '.join(extra[:5])}, which it must not"
    return None, f"{call.name} finds all {total} it must find on {case.workspace}"


def rules() -> dict[str, str | int]:
    """What judged calls by effect: these rules' version, the tools' and the parsers' versions."""
    try:
        rg = _rg().version
    except ripgrep.RipgrepMissing:
        rg = "missing"
    try:
        git = subprocess.run(["git", "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        git = "missing"
    parsers = "; ".join(f"{name} {version}" for name, version in grammars.versions().items())
    return {"effect_rules": RULES_VERSION, "ripgrep": rg, "git": git or "missing", "parsers": parsers}
