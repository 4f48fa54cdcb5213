"""ripgrep, run as Continue's VS Code extension runs it (VsCodeIde.ts at d0a3c0b), on a workspace copy.

Continue bundles ripgrep 13.0.0 (@vscode/ripgrep 1.15.9) and runs it with the workspace folder as
its working directory, no shell; stdout is all it keeps (stderr is dropped), exit 1 becomes the
text NO_MATCHES, any other non-zero exit an error "Process exited with code N". Versions differ in
what they accept (13 rejects escapes of non-meta characters such as `\\;`, 14 accepts them), so the
version that ran is reported with every verdict (`Ripgrep.version`).

`find()` looks at every `rg` on PATH and in this Python's scripts folder (where the `ripgrep`
package from PyPI, 14.1.0, a dependency, puts its binary) and takes the first of Continue's major
version 13 (Debian and Ubuntu's `ripgrep` package is 13.0.0), else the first that runs. Every run
has a time limit and an output limit; past either, the run is the named failure RUN_TIMEOUT or
OUTPUT_CAP instead of a result.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from ctft_eval.runner.continue_ignores import default_ignores_glob

NO_MATCHES = "No matches found. Build, secrets, etc. dirs and files are not included."
RUN_TIMEOUT = "tool_timeout"
OUTPUT_CAP = "tool_output_cap"
TIME_LIMIT_S = 10.0
OUTPUT_LIMIT = 8 << 20
"""Bytes of ripgrep's output read at most (Continue's own caps then cut what the model sees)."""


class RipgrepMissing(RuntimeError):
    """No ripgrep to run."""


@dataclass(frozen=True)
class Outcome:
    stdout: str | None
    """What Continue passes on: rg's stdout, or NO_MATCHES on exit 1 (None on an error)."""
    error: str | None = None
    """"Process exited with code N", as Continue words it (other exits)."""
    failure: str | None = None
    """RUN_TIMEOUT or OUTPUT_CAP: the run was stopped, no result."""


@dataclass(frozen=True)
class Ripgrep:
    path: str
    version: str
    """ripgrep's own version line, e.g. "ripgrep 13.0.0"."""

    def grep(self, root: Path, query: str) -> Outcome:
        """grep_search's run: case-insensitive, two lines of context, headings, 100 matches a file."""
        return self._run(root, ["-i", "--ignore-file", ".continueignore", "--ignore-file", ".gitignore", "-C", "2",
                                "--heading", "--glob", default_ignores_glob(), "-m", "100", "-e", query, "."])

    def files(self, root: Path, pattern: str) -> Outcome:
        """file_glob_search's run (its --max-count does nothing for --files; Continue slices after)."""
        return self._run(root, ["--files", "--iglob", pattern, "--ignore-file", ".continueignore",
                                "--ignore-file", ".gitignore", "--glob", default_ignores_glob(), "--max-count", "100"])

    def _run(self, root: Path, args: list[str]) -> Outcome:
        if any("\x00" in a for a in args):  # no process takes it (Node's spawn throws): an error
            return Outcome(None, "The argument must be a string without null bytes")
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(root), "RIPGREP_CONFIG_PATH": ""}
        try:
            proc = subprocess.Popen([self.path, *args], cwd=root, env=env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            raise RipgrepMissing(f"cannot run {self.path}: {exc}") from None
        try:
            out, _ = proc.communicate(timeout=TIME_LIMIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return Outcome(None, failure=RUN_TIMEOUT)
        if len(out) > OUTPUT_LIMIT:
            return Outcome(None, failure=OUTPUT_CAP)
        if proc.returncode == 0:
            return Outcome(out.decode("utf-8", "replace"))
        if proc.returncode == 1:
            return Outcome(NO_MATCHES)
        return Outcome(None, f"Process exited with code {proc.returncode}")


CONTINUE_MAJOR = "ripgrep 13."


def _version(binary: str) -> str | None:
    try:
        line = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (line.splitlines() or ["ripgrep (unknown version)"])[0].split(" (")[0].strip()


def candidates() -> list[str]:
    """Every `rg` on PATH, then the one in this Python's scripts folder, each once."""
    folders = [*os.environ.get("PATH", "").split(os.pathsep), sysconfig.get_path("scripts")]
    found: list[str] = []
    for folder in folders:
        if not folder:
            continue
        binary = shutil.which("rg", path=folder)
        if binary and os.path.realpath(binary) not in {os.path.realpath(b) for b in found}:
            found.append(binary)
    return found


def find(path: str | None = None) -> Ripgrep:
    """The ripgrep to run: `path`, else the first rg 13 found (Continue's), else the first that runs;
    RipgrepMissing when there is none."""
    if path:
        version = _version(path)
        if version is None:
            raise RipgrepMissing(f"cannot run {path}")
        return Ripgrep(path, version)
    runnable = [(binary, version) for binary in candidates() if (version := _version(binary)) is not None]
    if not runnable:
        raise RipgrepMissing("ripgrep (rg) is not installed: Continue runs ripgrep 13.0.0 for grep_search and "
                             "file_glob_search; `pip install ripgrep` (14.1.0, a dependency of ctft-eval) or "
                             "Debian/Ubuntu's `ripgrep` package (13.0.0) installs one")
    chosen = next(((b, v) for b, v in runnable if v.startswith(CONTINUE_MAJOR)), runnable[0])
    return Ripgrep(*chosen)
