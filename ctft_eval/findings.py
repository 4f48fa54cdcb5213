"""What a tool call must find, and must not, on the case's workspace (`must_find`, `must_not_find`).

A suite names these with the tool's expectation (a case, or a chain step):

    must_find:
      - app/migrations/0001_initial.py          # a file the result must name
      - {file: src/legacy.ts, line: legacyAuth(} # a line of that file the result must show
    must_not_find:
      - node_modules/lib/index.js

A file is found when the tool's result names it (a search or listing lists it; a read reads it);
a line is found when the result shows a line of that file containing the text. Paths are
relative to the workspace root, with forward slashes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ctft_eval.suite_fields import short

Fail = Callable[[str], Exception]


@dataclass(frozen=True)
class Finding:
    file: str
    """Workspace-relative path, forward slashes."""
    line: str | None = None
    """Text a shown line of `file` must contain (None: the file itself)."""

    def describe(self) -> str:
        return self.file if self.line is None else f"{self.file}: {self.line!r}"


def _path(value: Any, field: str, fail: Fail) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(f"`{field}`: a file is a non-empty workspace-relative path, got {short(value)}")
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts or "\\" in value:
        raise fail(f"`{field}`: {short(value)} must be relative to the workspace, with / and no ..")
    return str(path)


def parse(value: Any, field: str, fail: Fail) -> tuple[Finding, ...]:
    """A list of files (text) and lines ({file, line}); None is no findings."""
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise fail(f"`{field}` must be a non-empty list of files or {{file, line}} mappings")
    found = []
    for item in value:
        if isinstance(item, dict):
            if set(item) != {"file", "line"} or not isinstance(item["line"], str) or not item["line"]:
                raise fail(f"`{field}`: a line is {{file: PATH, line: TEXT}}, got {short(item)}")
            found.append(Finding(_path(item["file"], field, fail), item["line"]))
        else:
            found.append(Finding(_path(item, field, fail)))
    return tuple(found)
