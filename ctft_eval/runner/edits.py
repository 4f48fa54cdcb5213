"""The edit tools applied as Continue applies them, on the workspace copy (confined to it).

Facts (Continue d0a3c0b; ctft_eval/runner/CONTINUE.md §12):
- create_new_file (core/tools/implementations/createNewFile.ts): `filepath` a non-empty string,
  `contents` a string (may be empty; an object the parser made of JSON text is written back as
  JSON); the path is taken relative to the workspace (a leading `/` dropped, backslashes made
  slashes: core/util/ideUtils.ts `inferResolvedUriFromRelativePath`); a security-concern name is
  refused, an existing file is refused ("already exists"), otherwise the file is written (folders
  created) and the model reads "File created successfuly".
- single_find_and_replace, multi_edit (gui/src/util/clientTools/*Impl.ts): the arguments are
  validated first, then the file must exist; ctft_eval.runner.find_replace does the rest. No
  security check.
- edit_existing_file (gui/src/util/clientTools/editImpl.ts, core/edit/lazy/applyCodeBlock.ts):
  `filepath` and `changes` must be truthy; a leading `./` is dropped; the file must exist. Continue
  applies `changes` without a model only when it holds no lazy placeholder (`... existing code ...`,
  core/edit/lazy/deterministic.ts `isLazyText`) and the diff removes at most 30% of its lines; else
  its apply model merges the text into the file, which is not deterministic. Here a text with no
  placeholder line is the new file (what either path writes for a whole file); a text with
  placeholder lines gives the changed lines alone (`ToolResult.partial`), and the file's checks run
  on those lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from ctft_eval.runner.continue_ignores import REFUSAL, is_security_concern
from ctft_eval.runner.find_replace import ABSENT, EditError, multi_validate, replace, validate
from ctft_eval.runner.paths import OUTSIDE, resolve
from ctft_eval.runner.result import NOT_FOUND, SECURITY, TOOL_ERROR, ToolResult, failed

EXISTS = "file_exists"
"""create_new_file on a file that exists: Continue refuses."""
EDIT_FAILED = "edit_failed"
"""Continue's find-and-replace threw (no match, several matches, old == new, a bad replace_all)."""
WRITE_LIMIT = 8 * 1024 * 1024
"""What this runner writes at most (the text is in the reply already); more is a named failure."""
TOO_BIG = "write_too_big"
LAZY = re.compile(r"\.{3}\s*(.+?)\s*\.{3}")
"""Continue's `isLazyText` pattern (core/edit/lazy/deterministic.ts)."""


def _string(tool: str, name: str, value: object, allow_empty: bool = False) -> str | ToolResult:
    """Continue's getStringArg: an object made of JSON comes back as its JSON text."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        rest = "" if allow_empty else " and must not be empty or whitespace-only"
        return failed(tool, f"`{name}` argument is required{rest}. (type string)", TOOL_ERROR)
    return value


def as_written(text: str) -> str:
    """The text as a UTF-8 file holds it: a lone surrogate (a JavaScript string may hold one) is
    written as U+FFFD, as the editor's UTF-8 encoder writes it."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "replace")


def _written(relative: str, text: str, output: str, detail: str, partial: bool = False) -> ToolResult:
    return ToolResult(output, (relative,), written=((relative, as_written(text)),), detail=detail, partial=partial)


def create_new_file(root: Path, filepath: object, contents: object) -> ToolResult:
    tool = "create_new_file"
    path = _string(tool, "filepath", filepath)
    if isinstance(path, ToolResult):
        return path
    text = _string(tool, "contents", contents, allow_empty=True)
    if isinstance(text, ToolResult):
        return text
    if len(text) > WRITE_LIMIT:
        return ToolResult("", failure=TOO_BIG, detail=f"{len(text):,} characters: more than this runner writes")
    shown = path.strip().replace("\\", "/").lstrip("/")  # Continue makes a leading / relative to the workspace
    where = resolve(root, shown)
    if where.path is None or not where.relative:
        return ToolResult("", failure=where.failure or OUTSIDE, detail=where.refusal or f"{shown!r} is the workspace")
    if is_security_concern(where.relative):
        return failed(tool, REFUSAL.format(path=where.relative), SECURITY)
    if where.path.exists():
        return failed(tool, f"File {path} already exists. Use the edit tool to edit this file", EXISTS)
    try:
        _write(where.path, as_written(text))
    except (OSError, UnicodeError) as exc:
        return failed(tool, f"could not write {shown}: {exc}", TOOL_ERROR)
    return _written(where.relative, text, "File created successfuly", f"created {where.relative}")


def _existing(tool: str, root: Path, filepath: object, strip_dot: bool = False) -> tuple[Path, str] | ToolResult:
    if not isinstance(filepath, str) or not filepath:
        return failed(tool, "filepath (string) is required", TOOL_ERROR)
    name = filepath[2:] if strip_dot and filepath.startswith("./") else filepath
    where = resolve(root, name)
    if where.path is None:
        return ToolResult("", failure=where.failure or OUTSIDE, detail=where.refusal or "")
    if not where.relative or not where.path.is_file():
        message = f"{name} does not exist" if strip_dot else f"File {filepath} does not exist"
        return failed(tool, message, NOT_FOUND)
    return where.path, where.relative


def single_find_and_replace(root: Path, args: dict) -> ToolResult:
    def validated() -> list[tuple[str, str, bool]]:
        return [validate(args.get("old_string"), args.get("new_string"),
                         args["replace_all"] if "replace_all" in args else ABSENT)]

    return _find_and_replace("single_find_and_replace", root, args.get("filepath"), validated)


def multi_edit(root: Path, args: dict) -> ToolResult:
    return _find_and_replace("multi_edit", root, args.get("filepath"), lambda: multi_validate(args.get("edits")))


def _find_and_replace(tool: str, root: Path, filepath: object,
                      validated: Callable[[], list[tuple[str, str, bool]]]) -> ToolResult:
    """Continue's order: the arguments validated, then the file found, then every edit applied in
    turn on the previous result; any error leaves the file as it was."""
    try:
        edits = validated()
    except EditError as exc:
        return failed(tool, str(exc), EDIT_FAILED)
    found = _existing(tool, root, filepath)
    if isinstance(found, ToolResult):
        return found
    path, relative = found
    text, used = _read(path), []
    try:
        for n, (old, new, every) in enumerate(edits):
            text, strategy = replace(text, old, new, every, n)
            used.append(strategy)
    except EditError as exc:
        return failed(tool, str(exc), EDIT_FAILED)
    _write(path, as_written(text))
    return _written(relative, text, f"Edited {relative}", f"{', '.join(used)} in {relative}")


def is_placeholder(line: str) -> bool:
    """A line that only holds a lazy placeholder comment (`// ... existing code ...`, `# ...`)."""
    bare = line.strip()
    for opener, closer in (("{/*", "*/}"), ("<!--", "-->"), ("/*", "*/"), ("//", ""), ("#", ""), ("--", ""),
                           (";", ""), ("*", "")):
        if bare.startswith(opener) and bare.endswith(closer):
            bare = bare[len(opener):len(bare) - len(closer)].strip()
            break
    return bool(LAZY.fullmatch(bare)) and bare.startswith("...")


def edit_existing_file(root: Path, filepath: object, changes: object) -> ToolResult:
    tool = "edit_existing_file"
    if not filepath or not changes:
        return failed(tool, "`filepath` and `changes` arguments are required to edit an existing file.", TOOL_ERROR)
    if not isinstance(filepath, str) or not isinstance(changes, str):
        return failed(tool, "`filepath` and `changes` must be text", TOOL_ERROR)
    found = _existing(tool, root, filepath, strip_dot=True)
    if isinstance(found, ToolResult):
        return found
    path, relative = found
    if not any(is_placeholder(line) for line in changes.split("\n")):
        _write(path, as_written(changes))
        return _written(relative, changes, f"Edited {relative}", f"{relative} rewritten as a whole (no placeholder)")
    lines = [line for line in changes.split("\n") if not is_placeholder(line)]
    return _written(relative, "\n".join(lines), f"Edited {relative}",
                    f"{relative}: a placeholder edit, which Continue's apply model merges (not deterministic): "
                    "judged on the lines it writes", partial=True)
