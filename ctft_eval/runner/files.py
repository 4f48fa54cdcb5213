"""read_file, read_currently_open_file and ls as Continue runs them (readFile.ts, lsTool.ts,
readCurrentlyOpenFile.ts, walkDir.ts, pathResolver.ts, VsCodeIde.ts at d0a3c0b), on the workspace copy.

Paths go through ctft_eval.runner.paths (Continue's resolution, confined to the copy). read_file:
a relative path that does not exist is Continue's "does not exist" error; an absolute one reads as
empty (VS Code swallows the error); a security-ignored name is refused; a `./` or `../` prefix on an
existing file fails in Continue's security check (the `ignore` package's RangeError); a file over
1,000,000 bytes reads as empty and a larger-than-100,000-byte one is cut silently. ls: entries
relative to the listed folder, folders with `/`, byte order, a recursive walk that expands the last
folder first, `.gitignore`/`.continueignore` of the listed folder and below, at most 200 entries.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

import pathspec

from ctft_eval.runner.continue_ignores import REFUSAL, is_security_concern
from ctft_eval.runner.paths import OUTSIDE, resolve
from ctft_eval.runner.result import NOT_FOUND, SECURITY, TOOL_ERROR, ToolResult, failed

READ_BYTES = 100_000
READ_LIMIT = 1_000_000
LS_ENTRIES = 200


def _required(tool: str, name: str, value: object) -> ToolResult | None:
    if not isinstance(value, str) or not value.strip():
        return failed(tool, f"`{name}` argument is required and must not be empty or whitespace-only. (type string)",
                      TOOL_ERROR)
    return None


def read_file(root: Path, filepath: object, tool: str = "read_file", cap: bool = True) -> ToolResult:
    missing = _required(tool, "filepath", filepath)
    if missing:
        return missing
    assert isinstance(filepath, str)
    shown = filepath.strip()
    where = resolve(root, shown)
    if where.path is None:
        return ToolResult("", failure=where.failure or OUTSIDE, detail=where.refusal or "")
    absolute = shown.startswith(("/", "file:", "~"))
    if not where.path.exists():
        if absolute:
            return ToolResult("", failure=NOT_FOUND, detail=f"{shown} does not exist (Continue reads it as empty)")
        return failed(tool, f'File "{filepath}" does not exist or is not accessible. You might want to check '
                      "the path and try again.", NOT_FOUND)
    display = shown.replace("\\", "/") if not absolute else str(where.path)
    if not absolute and (display.startswith(("./", "../")) or display in (".", "..")):
        return failed(tool, f'path should be a `path.relative()`d string, but got "{display}"', TOOL_ERROR,
                      "Continue's security check fails on a ./ or ../ prefix")
    if is_security_concern(display):
        return failed(tool, REFUSAL.format(path=display), SECURITY)
    if where.path.is_dir():
        return ToolResult("", failure=NOT_FOUND, detail=f"{shown} is a folder (Continue reads it as empty)")
    if cap and where.path.stat().st_size > READ_LIMIT:
        return ToolResult("", (where.relative or "",), detail="over 1,000,000 bytes: Continue reads it as empty")
    with open(where.path, "rb") as fh:
        text = fh.read(READ_BYTES if cap else READ_LIMIT * 10).decode("utf-8", "replace")
    return _shown(text, where.relative or "")


def _shown(text: str, relative: str) -> ToolResult:
    """A file's text as the result, every line of it shown (for `{file, line}` findings)."""
    return ToolResult(text, (relative,), tuple((relative, line.strip()) for line in text.split("\n")))


def _line_number(value: object) -> int | None:
    """Continue's getNumberArg: a string is read as parseInt reads it, a number is floored."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value // 1) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str):
        digits = re.match(r"\s*([+-]?\d+)", value)
        return int(digits.group(1)) if digits else None
    return None


def read_file_range(root: Path, filepath: object, start: object, end: object) -> ToolResult:
    """read_file's resolution, refusals and errors, after Continue's checks of the two line numbers;
    the lines start..end of the file (the last line when end is past it)."""
    first, last = _line_number(start), _line_number(end)
    if first is None or last is None:
        return failed("read_file_range", "`startLine` and `endLine` must be numbers", TOOL_ERROR)
    for name, number in (("startLine", first), ("endLine", last)):
        if number < 1:
            return failed("read_file_range", f"{name} must be 1 or greater. Negative line numbers are not supported "
                          "- use the terminal tool with 'tail' command for reading from file end.", TOOL_ERROR)
    if last < first:
        return failed("read_file_range", f"endLine ({last}) must be greater than or equal to startLine ({first})",
                      TOOL_ERROR)
    whole = read_file(root, filepath, tool="read_file_range", cap=False)
    if not whole.ran or not whole.files:
        return whole
    lines = whole.output.split("\n")
    return _shown("\n".join(lines[first - 1:last]), whole.files[0])


def read_currently_open_file(root: Path, open_file: str | None) -> ToolResult:
    if not open_file:
        return ToolResult("There are no files currently open.")
    where = resolve(root, open_file)
    if where.path is None or not where.path.is_file():
        return ToolResult("There are no files currently open.", failure=NOT_FOUND, detail=f"{open_file} is missing")
    uri = where.path.as_uri()
    if is_security_concern(str(where.path)):
        return failed("read_currently_open_file", REFUSAL.format(path=uri), SECURITY)
    text = where.path.read_text(encoding="utf-8", errors="replace")
    shown = _shown(text, where.relative or "")
    return ToolResult(f"```{where.relative}\n{text}\n```", shown.files, shown.lines)


def _ignores(folder: Path, inherited: list[tuple[Path, pathspec.PathSpec]]) -> list[tuple[Path, pathspec.PathSpec]]:
    found = list(inherited)
    for name in (".gitignore", ".continueignore"):
        rules = folder / name
        if rules.is_file():
            found.append((folder, pathspec.PathSpec.from_lines("gitignore",
                                                               rules.read_text(errors="replace").splitlines())))
    return found


def _ignored(path: Path, is_dir: bool, rules: list[tuple[Path, pathspec.PathSpec]]) -> bool:
    for base, spec in rules:
        relative = path.relative_to(base).as_posix() + ("/" if is_dir else "")
        if spec.match_file(relative):
            return True
    return False


def _walk(start: Path, recursive: bool) -> list[str]:
    """Continue's walk: a folder's entries, then (recursive) a LIFO stack of its subfolders."""
    entries: list[str] = []
    stack: list[tuple[Path, list[tuple[Path, pathspec.PathSpec]]]] = [(start, _ignores(start, []))]
    while stack:
        folder, rules = stack.pop()
        names = sorted(os.listdir(folder), key=lambda n: n.encode("utf-8", "surrogateescape"))
        for name in names:
            path = folder / name
            if path.is_symlink() and not path.exists():
                continue  # a broken link: skipped
            is_dir = path.is_dir() and not path.is_symlink()  # a link to a folder is listed like a file
            if _ignored(path, is_dir, rules):
                continue
            relative = path.relative_to(start).as_posix()
            entries.append(relative + "/" if is_dir else relative)
            if is_dir and recursive:
                stack.append((path, _ignores(path, rules)))
    return entries


def ls(root: Path, dir_path: object, recursive: object) -> ToolResult:
    raw = "." if dir_path in (None, "", ".") else dir_path
    if not isinstance(raw, str):
        raw = str(raw)
    raw = raw.replace("\\", "/")
    where = resolve(root, raw)
    if where.path is None:
        return ToolResult("", failure=where.failure or OUTSIDE, detail=where.refusal or "")
    if not where.path.is_dir():
        if where.path.exists() or raw.startswith(("/", "file:")):
            return failed("ls", f"{raw} is not a folder", TOOL_ERROR)
        return failed("ls", f"Directory {dir_path} not found or is not accessible. You can use absolute paths, "
                      "relative paths, or paths starting with ~", NOT_FOUND)
    entries = _walk(where.path, bool(recursive))
    display = "." if where.relative == "" else raw.rstrip("/")
    if not entries:
        return ToolResult(f"No files/folders found in {display}")
    shown = entries[:LS_ENTRIES]
    text = "\n".join(shown)
    if len(entries) > LS_ENTRIES:
        text += f"\n\n{len(entries) - LS_ENTRIES} ls entries were truncated"
        text += ". Try using a non-recursive search" if recursive else ""
    prefix = where.relative
    files = tuple(posixpath.join(prefix, e) if prefix else e for e in shown)
    return ToolResult(text, files)
