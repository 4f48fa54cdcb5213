"""Fixture workspaces: a suite's small repositories, copied to a temporary folder before a tool runs.

A workspace is data beside the suites (suites/workspaces/NAME/):

    workspace.yaml   description; commits: [{message, files: [globs over tree/]}], oldest first
    tree/            the files as of the last commit (files no commit's globs cover stay untracked)
    changes/         written over the copy after the commits: the uncommitted changes view_diff shows

A nested .git cannot be committed, so the history is built at copy time, the same every time
(fixed author, dates and messages). `materialise` builds one pristine copy per workspace and run;
`copy` gives each case its own copy of it, so that nothing one call does is seen by another.

git runs only on such a copy, hardened against what a model might have planted there: no system
or global configuration (`GIT_CONFIG_NOSYSTEM`, an empty temporary `HOME`), no hooks, no
fsmonitor, no external diff or textconv drivers, no pager, no prompts, no optional locks.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ctft_eval import suite_yaml
from ctft_eval.reading import open_regular

GIT_TIMEOUT_S = 20.0
_DATE = "2026-01-05T10:00:00+00:00"
_HARDENING = ("-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "core.pager=cat",
              "-c", "diff.external=", "-c", "core.attributesFile=/dev/null", "-c", "protocol.allow=never",
              "-c", "core.untrackedCache=false", "-c", "color.ui=false")


class WorkspaceError(ValueError):
    """A workspace's files or recipe are broken (a problem of the suite), or git failed on it."""


@dataclass(frozen=True)
class Commit:
    message: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class Recipe:
    name: str
    folder: Path
    description: str
    commits: tuple[Commit, ...]
    open_file: str | None = None


def load(folder: Path) -> Recipe:
    """The recipe of suites/workspaces/NAME (its workspace.yaml), checked."""
    where = folder / "workspace.yaml"
    try:  # (as suite files are read: a regular file, bounded, safe YAML)
        with open_regular(where) as stream:
            data, _ = suite_yaml.load(suite_yaml.read_bounded(stream))
    except OSError as exc:
        raise WorkspaceError(f"{where}: cannot read: {exc.strerror or exc}") from None
    except suite_yaml.YAMLProblem as exc:
        raise WorkspaceError(f"{where}: {exc}") from None
    if not isinstance(data, dict):
        raise WorkspaceError(f"{where}: a workspace recipe is a mapping (description, commits)")
    if not (folder / "tree").is_dir():
        raise WorkspaceError(f"{folder}: a workspace needs a tree/ folder")
    commits = []
    for n, raw in enumerate(data.get("commits") or [], 1):
        if (not isinstance(raw, dict) or not isinstance(raw.get("message"), str)
                or not isinstance(raw.get("files"), list) or not all(isinstance(f, str) for f in raw["files"])):
            raise WorkspaceError(f"{where}: commit {n} is {{message: TEXT, files: [GLOB, ...]}}")
        commits.append(Commit(raw["message"], tuple(raw["files"])))
    open_file = data.get("open_file")
    return Recipe(folder.name, folder, str(data.get("description") or ""), tuple(commits),
                  open_file if isinstance(open_file, str) else None)


def git_env(home: Path) -> dict[str, str]:
    """The environment git runs in: nothing from the host's configuration, nothing interactive."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
    return {**keep, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0",
            "GIT_PAGER": "cat", "PAGER": "cat", "GIT_AUTHOR_NAME": "ctft-eval", "GIT_AUTHOR_EMAIL": "ws@ctft.invalid",
            "GIT_COMMITTER_NAME": "ctft-eval", "GIT_COMMITTER_EMAIL": "ws@ctft.invalid",
            "GIT_AUTHOR_DATE": _DATE, "GIT_COMMITTER_DATE": _DATE}


def git(root: Path, *args: str, home: Path, timeout: float = GIT_TIMEOUT_S) -> subprocess.CompletedProcess:
    """git in `root`, hardened (see the module's docstring); raises WorkspaceError when it cannot run."""
    try:
        return subprocess.run(["git", *_HARDENING, *args], cwd=root, env=git_env(home), capture_output=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WorkspaceError(f"git {args[0]} could not run in {root}: {exc}") from None


def _files(tree: Path) -> list[str]:
    out = []
    for path in sorted(tree.rglob("*")):
        if path.is_symlink():
            raise WorkspaceError(f"{path}: a workspace holds no symbolic links")
        if path.is_file():
            out.append(path.relative_to(tree).as_posix())
    return out


def materialise(recipe: Recipe, into: Path) -> Path:
    """Build the workspace in `into/NAME`: tree/ copied, its history committed, changes/ written over."""
    root = into / recipe.name
    home = into / f".{recipe.name}.home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copytree(recipe.folder / "tree", root, symlinks=True)
    remaining = _files(root)
    if recipe.commits:
        done = git(root, "init", "-q", "-b", "main", home=home)
        if done.returncode:
            raise WorkspaceError(f"{recipe.folder}: git init failed: {done.stderr.decode(errors='replace')}")
        ignored = git(root, "check-ignore", "--no-index", "--", *remaining, home=home).stdout.decode().splitlines()
        remaining = [f for f in remaining if f not in set(ignored)]  # what .gitignore ignores stays untracked
        for commit in recipe.commits:
            chosen = [f for f in remaining if any(fnmatch.fnmatchcase(f, g) or g == "**" for g in commit.files)]
            if not chosen:
                raise WorkspaceError(f"{recipe.folder}: commit {commit.message!r} adds no file")
            remaining = [f for f in remaining if f not in chosen]
            for args in (("add", "--", *chosen), ("commit", "-q", "--no-verify", "-m", commit.message)):
                done = git(root, *args, home=home)
                if done.returncode:
                    raise WorkspaceError(f"{recipe.folder}: git {args[0]} failed: "
                                         f"{done.stderr.decode(errors='replace').strip()}")
    changes = recipe.folder / "changes"
    if changes.is_dir():
        _files(changes)  # (no links there either)
        shutil.copytree(changes, root, dirs_exist_ok=True)
    return root


class Workspaces:
    """The pristine copies of one run's workspaces (built on first use), and a fresh copy per case."""

    def __init__(self, suites_folder: Path):
        self.folder = suites_folder
        self._base = Path(tempfile.mkdtemp(prefix="ctft-workspaces."))
        self._built: dict[str, Path] = {}

    def pristine(self, name: str) -> Path:
        if name not in self._built:
            self._built[name] = materialise(load(self.folder / name), self._base / "pristine")
        return self._built[name]

    def copy(self, name: str) -> Path:
        """A new copy of workspace `name` (with its .git) for one case, confined to a folder of its own."""
        source = self.pristine(name)
        target = Path(tempfile.mkdtemp(prefix=f"{name}.", dir=self._base)) / name
        shutil.copytree(source, target, symlinks=True)
        return target

    def home(self) -> Path:
        """An empty HOME for git (never the user's)."""
        home = self._base / ".home"
        home.mkdir(exist_ok=True)
        return home

    def close(self) -> None:
        shutil.rmtree(self._base, ignore_errors=True)
