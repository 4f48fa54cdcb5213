"""view_diff as Continue's VS Code extension runs it (viewDiff.ts, ideUtils.ts at d0a3c0b): the staged
diff (`git diff --cached`) then the unstaged one (`git diff`), untracked files left out, split
before each `diff --git` header and joined with newlines; "The current diff is empty" when there is
none; at most 5,000 lines. git runs hardened on the copy (ctft_eval.runner.workspace.git): no
external diff driver, no textconv, no hooks or fsmonitor, whatever the copy's .git holds.
"""

from __future__ import annotations

import re
from pathlib import Path

from ctft_eval.runner.result import TOOL_ERROR, ToolResult
from ctft_eval.runner.ripgrep import OUTPUT_CAP, OUTPUT_LIMIT, RUN_TIMEOUT
from ctft_eval.runner.workspace import WorkspaceError, git

DIFF_LINES = 5000
_HEADER = re.compile(r"(?=^diff --git a/)", re.M)
_FILE = re.compile(r"^diff --git a/(.*?) b/", re.M)


def view_diff(root: Path, home: Path) -> ToolResult:
    pieces: list[str] = []
    for cached in (True, False):
        args = ["diff", "--no-ext-diff", "--no-textconv", "--no-color", *(["--cached"] if cached else [])]
        try:
            done = git(root, *args, home=home)
        except WorkspaceError as exc:
            failure = RUN_TIMEOUT if "timed out" in str(exc) else TOOL_ERROR
            return ToolResult("", failure=failure, detail=str(exc))
        if len(done.stdout) > OUTPUT_LIMIT:
            return ToolResult("", failure=OUTPUT_CAP, detail="git diff printed more than the output limit")
        if done.returncode:
            return ToolResult("The current diff is empty", detail="git diff failed (not a repository?)")
        pieces += [p for p in _HEADER.split(done.stdout.decode("utf-8", "replace")) if p]
    text = "\n".join(pieces)
    if not text.strip():
        return ToolResult("The current diff is empty")
    lines = text.split("\n")
    if len(lines) > DIFF_LINES:
        text = "\n".join(lines[:DIFF_LINES]) + ("\n\nThe git diff was truncated because it exceeded 5000 lines. "
                                               "Consider viewing specific files or focusing on smaller changes.")
    return ToolResult(text, tuple(dict.fromkeys(_FILE.findall(text))))
