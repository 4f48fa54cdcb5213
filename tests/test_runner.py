"""The tool runner: read-only tools run as Continue runs them (facts: ctft_eval/runner/CONTINUE.md),
on a copy of a workspace built from its recipe, confined to it; git hardened against what a model
might plant; nothing else runs. Needs ripgrep (rg) and git, as CI installs them."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap

import pytest

from ctft_eval.runner import Place, ripgrep, run_tool
from ctft_eval.runner.paths import OUTSIDE
from ctft_eval.runner.result import NOT_FOUND, NOT_RUN, SECURITY, TOOL_ERROR
from ctft_eval.runner.workspace import Workspaces

pytestmark = pytest.mark.skipif((shutil.which("rg") is None or shutil.which("git") is None) and not os.environ.get("CI"),
                                reason="needs ripgrep and git (CI installs Debian's ripgrep 13.0.0; with CI set, fails)")

FILES = {
    "src/main.py": 'def hello():\n    x = 1\n    return "Hello World"\n',
    "src/util/strings.py": "def shout(s):\n    return s.upper()  # TODO: locale\n",
    "app/migrations/0001_initial.py": "# migration\n",
    "shop/migrations/0001_initial.py": "# migration\n",
    "config.json": '{"hello": 1}\n',
    ".env": "SECRET=hello\n",
    ".gitignore": "ignored/\n",
    "ignored/hello.txt": "hello\n",
    "README.md": "Say hello.\n",
}
RECIPE = """\
description: a tiny workspace for the runner's tests
commits:
  - message: "first"
    files: ["src/*", "config.json", ".gitignore", "README.md"]
  - message: "migrations"
    files: ["**"]
"""


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory) -> Workspaces:
    suites = tmp_path_factory.mktemp("suites") / "workspaces"
    folder = suites / "tiny"
    for name, text in FILES.items():
        path = folder / "tree" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (folder / "changes" / "src").mkdir(parents=True)
    (folder / "changes" / "src" / "main.py").write_text(FILES["src/main.py"].replace("x = 1", "x = 2"))
    (folder / "workspace.yaml").write_text(RECIPE)
    built = Workspaces(suites)
    yield built
    built.close()


@pytest.fixture
def place(workspaces) -> Place:
    return Place(workspaces.copy("tiny"), workspaces.home(), ripgrep.find(), open_file="src/main.py")


def run(place: Place, name: str, **arguments):
    return run_tool(name, arguments, place)


# ---- the workspace ---------------------------------------------------------------------------------


def test_the_history_is_built_and_changes_are_uncommitted(place):
    log = subprocess.run(["git", "log", "--format=%s"], cwd=place.root, capture_output=True, text=True).stdout
    assert log.split() == ["migrations", "first"]
    result = run(place, "view_diff")
    assert result.ran and result.files == ("src/main.py",)
    assert "-    x = 1\n+    x = 2" in result.output


def test_each_case_gets_its_own_copy(workspaces):
    one, two = workspaces.copy("tiny"), workspaces.copy("tiny")
    (one / "src" / "main.py").write_text("changed")
    assert (two / "src" / "main.py").read_text() != "changed"


# ---- read_file -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["src/main.py", "src\\main.py", " src/main.py "])
def test_read_file_reads_what_continue_resolves(place, path):
    result = run(place, "read_file", filepath=path)
    assert result.ran and result.files == ("src/main.py",) and "x = 2" in result.output


def test_read_file_by_file_uri_and_absolute_path_inside_the_workspace(place):
    absolute = place.root.resolve() / "src" / "main.py"
    for path in (str(absolute), absolute.as_uri()):
        result = run(place, "read_file", filepath=path)
        assert result.ran and result.files == ("src/main.py",)


def test_read_file_errors_as_continue_does(place):
    missing = run(place, "read_file", filepath="src/nope.py")
    assert missing.failure == NOT_FOUND and 'File "src/nope.py" does not exist' in missing.output
    dotted = run(place, "read_file", filepath="./src/main.py")  # Continue's security check throws on ./
    assert dotted.failure == TOOL_ERROR and "path.relative()" in dotted.output
    secret = run(place, "read_file", filepath=".env")
    assert secret.failure == SECURITY and "security concern" in secret.output
    assert run(place, "read_file", filepath="config.json").failure == SECURITY


def test_read_currently_open_file_fences_the_open_file(place):
    result = run(place, "read_currently_open_file")
    assert result.output.startswith("```src/main.py\n") and result.files == ("src/main.py",)
    none = run_tool("read_currently_open_file", {}, Place(place.root, place.home, place.rg))
    assert none.output == "There are no files currently open."


# ---- searches --------------------------------------------------------------------------------------


def test_grep_is_case_insensitive_with_headings_context_and_no_line_numbers(place):
    result = run(place, "grep_search", query="HELLO")
    assert result.ran
    assert "./src/main.py" in result.output.splitlines() and "  def hello():" in result.output
    assert set(result.files) == {"src/main.py", "README.md"}  # dotfiles, gitignored and root config.json: never
    assert ("src/main.py", 'return "Hello World"') in result.lines


def test_grep_with_no_match_says_so(place):
    assert run(place, "grep_search", query="zebra").output == "The search returned no results."


def test_a_pattern_ripgrep_rejects_is_a_failed_search_the_model_sees(place):
    result = run(place, "grep_search", query="hello(")
    assert result.failure == TOOL_ERROR
    assert result.output.startswith("The search failed due to an invalid regex pattern.")


def test_ripgrep_13_rejects_an_escaped_semicolon_that_14_accepts(place):
    result = run(place, "grep_search", query="hello\\;")
    if place.rg.version.startswith("ripgrep 13."):
        assert result.failure == TOOL_ERROR
    else:
        assert result.failure is None


def test_a_glob_with_a_slash_is_anchored_at_the_root(place):
    anchored = run(place, "file_glob_search", pattern="migrations/*.py")
    assert anchored.files == () and anchored.output.startswith("No matches found.")
    anywhere = run(place, "file_glob_search", pattern="**/migrations/*.py")
    assert sorted(anywhere.files) == ["app/migrations/0001_initial.py", "shop/migrations/0001_initial.py"]
    assert sorted(run(place, "file_glob_search", pattern="*.PY").files) == [
        "app/migrations/0001_initial.py", "shop/migrations/0001_initial.py", "src/main.py", "src/util/strings.py"]


def test_a_bad_glob_is_an_error(place):
    result = run(place, "file_glob_search", pattern="{a,b")
    assert result.failure == TOOL_ERROR and "Process exited with code 2" in result.output


# ---- ls ----------------------------------------------------------------------------------------------


def test_ls_lists_as_continue_walks(place):
    top = run(place, "ls")
    assert top.ran and ".git/" in top.output.splitlines() and "src/" in top.output.splitlines()
    assert "ignored/" not in top.output.splitlines()  # the listed folder's .gitignore applies
    deep = run(place, "ls", dirPath="src", recursive=True)
    assert deep.output.splitlines() == ["main.py", "util/", "util/strings.py"]
    assert deep.files == ("src/main.py", "src/util/", "src/util/strings.py")
    missing = run(place, "ls", dirPath="nope")
    assert missing.failure == NOT_FOUND and "Directory nope not found" in missing.output


# ---- confinement and hardening -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["../outside.txt", "src/../../outside.txt", "/etc/passwd", "~/.ssh/id_rsa",
                                  "file:///etc/passwd", "~", "file://elsewhere/etc/passwd"])
def test_nothing_resolves_outside_the_workspace(place, path):
    (place.root.parent / "outside.txt").write_text("secret")
    assert run(place, "read_file", filepath=path).failure == OUTSIDE
    assert run(place, "ls", dirPath=path).failure == OUTSIDE


def test_a_symlink_pointing_out_is_refused(place, tmp_path):
    (tmp_path / "secret.txt").write_text("secret")
    (place.root / "link.txt").symlink_to(tmp_path / "secret.txt")
    (place.root / "linked").symlink_to(tmp_path)
    assert run(place, "read_file", filepath="link.txt").failure == OUTSIDE
    assert run(place, "read_file", filepath="linked/secret.txt").failure == OUTSIDE
    assert run(place, "ls", dirPath="linked").failure == OUTSIDE


def test_planted_git_config_hooks_and_drivers_do_not_run(place, tmp_path):
    marker = tmp_path / "ran"
    evil = f"touch {marker}"
    config = place.root / ".git" / "config"
    config.write_text(config.read_text() + textwrap.dedent(f"""\
        [core]
            fsmonitor = {evil}
            pager = {evil}
            hooksPath = {place.root / 'hooks'}
        [diff]
            external = {evil}
        [diff "evil"]
            textconv = {evil}
            command = {evil}
        """))
    (place.root / ".gitattributes").write_text("* diff=evil\n")
    hook = place.root / ".git" / "hooks" / "post-index-change"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f"#!/bin/sh\n{evil}\n")
    hook.chmod(0o755)
    result = run(place, "view_diff")
    assert result.ran and "x = 2" in result.output
    assert not marker.exists()


def test_tools_that_never_run_do_not_run(place, tmp_path):
    marker = tmp_path / "ran"
    for name, arguments in (("run_terminal_command", {"command": f"touch {marker}"}),
                            ("search_web", {"query": "x"}), ("fetch_url_content", {"url": "http://127.0.0.1:9"})):
        assert run_tool(name, arguments, place).failure == NOT_RUN
    assert not marker.exists()


def test_edits_are_applied_to_the_copy_only(place):
    result = run_tool("create_new_file", {"filepath": "x.py", "contents": "x = 1\n"}, place)
    assert result.ran and result.written == (("x.py", "x = 1\n"),)
    assert (place.root / "x.py").read_text() == "x = 1\n"
    escaped = run_tool("create_new_file", {"filepath": "../../escaped.py", "contents": "x"}, place)
    assert escaped.failure == "outside_workspace" and not (place.root.parent.parent / "escaped.py").exists()


def test_a_run_past_its_limits_is_a_named_failure(place, monkeypatch):
    monkeypatch.setattr(ripgrep, "OUTPUT_LIMIT", 10)
    assert run(place, "grep_search", query="hello").failure == ripgrep.OUTPUT_CAP
    monkeypatch.setattr(ripgrep, "TIME_LIMIT_S", 1e-6)
    assert run(place, "file_glob_search", pattern="*").failure == ripgrep.RUN_TIMEOUT


def test_what_any_argument_gives_is_a_result_never_a_raise(place):
    for name in ("read_file", "ls", "grep_search", "file_glob_search"):
        for value in (None, 3, ["a"], {"a": 1}, "", "\x00", "a" * 5000):
            key = {"read_file": "filepath", "ls": "dirPath", "grep_search": "query",
                   "file_glob_search": "pattern"}[name]
            run_tool(name, {key: value}, place)
        run_tool(name, "not a dict", place)


def test_the_version_of_ripgrep_is_known():
    assert ripgrep.find().version.startswith("ripgrep ")


def test_no_ripgrep_is_one_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(ripgrep.sysconfig, "get_path", lambda _name: str(tmp_path))
    with pytest.raises(ripgrep.RipgrepMissing, match="Continue runs ripgrep 13.0.0.*pip install ripgrep"):
        ripgrep.find()


def _fake_rg(folder, version: str) -> None:
    folder.mkdir()
    script = folder / "rg"
    script.write_text(f"#!/bin/sh\necho 'ripgrep {version} (rev 1)'\n")
    script.chmod(0o755)


def test_continue_s_ripgrep_13_is_preferred_wherever_it_is_and_any_other_serves_otherwise(monkeypatch, tmp_path):
    _fake_rg(tmp_path / "venv", "14.1.0")
    _fake_rg(tmp_path / "usr", "13.0.0")
    monkeypatch.setattr(ripgrep.sysconfig, "get_path", lambda _name: str(tmp_path / "venv"))
    monkeypatch.setenv("PATH", f"{tmp_path / 'venv'}{os.pathsep}{tmp_path / 'usr'}")
    assert ripgrep.find() == ripgrep.Ripgrep(str(tmp_path / "usr" / "rg"), "ripgrep 13.0.0")
    monkeypatch.setenv("PATH", "")  # (pytest run from the venv without activating it: its scripts folder)
    assert ripgrep.find() == ripgrep.Ripgrep(str(tmp_path / "venv" / "rg"), "ripgrep 14.1.0")


@pytest.mark.parametrize("path", ["../../x", "/etc", "file:///"])
def test_nothing_outside_is_touched_by_a_search_either(place, path):
    # searches take no path: the query or glob cannot leave the workspace
    for pattern in (path, f"{path}/*", f"**/{path}"):
        result = run(place, "file_glob_search", pattern=pattern)
        assert all(not f.startswith(("/", "..")) for f in result.files)



def test_a_run_says_when_its_ripgrep_is_not_continue_s_13(monkeypatch):
    from ctft_eval.scorers import effect

    monkeypatch.setattr(effect, "_rg", lambda: ripgrep.Ripgrep("/venv/bin/rg", "ripgrep 14.1.0"))
    note = effect.ripgrep_note()
    assert note is not None and "ripgrep 14.1.0 (/venv/bin/rg), not the ripgrep 13 Continue bundles" in note
    monkeypatch.setattr(effect, "_rg", lambda: ripgrep.Ripgrep("/usr/bin/rg", "ripgrep 13.0.0"))
    assert effect.ripgrep_note() is None
