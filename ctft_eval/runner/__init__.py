"""The one tool runner: `run_tool(name, arguments, place)`, the one place a model's tool call runs.

Read-only tools run as Continue runs them, on a temporary copy of the case's workspace and confined
to it (ctft_eval.runner.paths): read_file, read_currently_open_file, ls, file_glob_search and
grep_search (ripgrep, ctft_eval.runner.ripgrep), view_diff (git, hardened). The edit tools are
applied to the copy as Continue applies them (ctft_eval.runner.edits, find_replace).
run_terminal_command, search_web and fetch_url_content never run: they are NOT_RUN. Nothing else
runs on the host. Facts on how Continue runs each tool: ctft_eval/runner/CONTINUE.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ctft_eval.runner import diff, edits, files, search
from ctft_eval.runner.result import NOT_RUN, TOOL_ERROR, ToolResult, failed
from ctft_eval.runner.ripgrep import Ripgrep

READ_ONLY = ("read_file", "read_file_range", "read_currently_open_file", "ls", "file_glob_search", "grep_search",
             "view_diff")


@dataclass(frozen=True)
class Place:
    """Where a call runs: the case's workspace copy, git's empty HOME, the open file, the ripgrep."""

    root: Path
    home: Path
    rg: Ripgrep
    open_file: str | None = None


def run_tool(name: str, arguments: Any, place: Place) -> ToolResult:
    """Run one call as Continue would, on `place`; never raises for what a model wrote."""
    args = arguments if isinstance(arguments, dict) else {}
    root = place.root.resolve()
    if name == "read_file":
        return files.read_file(root, args.get("filepath"))
    if name == "read_file_range":
        return files.read_file_range(root, args.get("filepath"), args.get("startLine"), args.get("endLine"))
    if name == "fetch_url_content":
        return fetch_check(args.get("url"))
    if name == "read_currently_open_file":
        return files.read_currently_open_file(root, place.open_file)
    if name == "ls":
        return files.ls(root, args.get("dirPath"), args.get("recursive"))
    if name == "file_glob_search":
        return search.file_glob_search(place.rg, root, args.get("pattern"))
    if name == "grep_search":
        return search.grep_search(place.rg, root, args.get("query"))
    if name == "view_diff":
        return diff.view_diff(root, place.home)
    if name == "create_new_file":
        return edits.create_new_file(root, args.get("filepath"), args.get("contents"))
    if name == "single_find_and_replace":
        return edits.single_find_and_replace(root, args)
    if name == "multi_edit":
        return edits.multi_edit(root, args)
    if name == "edit_existing_file":
        return edits.edit_existing_file(root, args.get("filepath"), args.get("changes"))
    return ToolResult("", failure=NOT_RUN, detail=f"{name} does not run here")


def fetch_check(url: object) -> ToolResult:
    """fetch_url_content never fetches here; what Continue refuses before fetching is said:
    a URL without a scheme (its `new URL(...)` throws)."""
    if isinstance(url, str) and not urlsplit(url.strip()).scheme:
        return failed("fetch_url_content", f"Invalid URL: {url}", TOOL_ERROR, "a URL without a scheme")
    return ToolResult("", failure=NOT_RUN, detail="fetch_url_content does not run here")
