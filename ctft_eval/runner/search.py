"""grep_search and file_glob_search as Continue runs them (grepSearch.ts, globSearch.ts, VsCodeIde.ts,
core/util/grepSearch.ts at d0a3c0b): ripgrep on the workspace copy, then Continue's cuts and format.

grep_search: rg's output (headings `./path`, context lines verbatim, `--` between groups) is cut
before its 101st block, empty lines dropped, each block re-indented to two spaces, the whole cut at
7,500 characters; no result reads "The search returned no results."; a bad pattern is a normal
result that says the search failed. file_glob_search: rg's file list (no sorting, paths relative to
the root) sliced to 100 entries, "No matches found…" when nothing matched, a bad glob an error.
"""

from __future__ import annotations

import re
from pathlib import Path

from ctft_eval.runner.result import TOOL_ERROR, ToolResult, failed
from ctft_eval.runner.ripgrep import NO_MATCHES, Ripgrep

GREP_RESULTS = 100
GREP_CHARS = 7500
GLOB_RESULTS = 100
_BLOCK = re.compile(r"\n(?:--|\./)")


def _prepared(query: str) -> str:
    """Continue's only edits to a query: three backslashes become two; raw tab, LF, CR escaped."""
    return query.replace("\\\\\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _cut_blocks(text: str) -> str:
    """Continue's cap of results: cut before the 101st block start after the first (see the module)."""
    starts = [m.start() for m in _BLOCK.finditer(text)]
    return text[:starts[GREP_RESULTS]] if len(starts) > GREP_RESULTS else text


def _format(text: str) -> tuple[str, int]:
    """Continue's formatting of rg's output for the model, and how many blocks it counted."""
    blocks: list[list[str]] = []
    for line in text.split("\n"):
        if not line:
            continue
        if line.startswith("./") or line == "--":
            blocks.append([line])
        elif blocks and (len(blocks[-1]) > 1 or len(line.strip()) > 1):
            blocks[-1].append(line)
    out = []
    for block in blocks:
        body = block[1:]
        if not body:
            continue
        indent = min(len(b) - len(b.lstrip(" ")) for b in body)
        out.append(block[0])
        out += [("  " + b[indent:]) if indent >= 2 else ("  "[: 2 - indent] + b) for b in body]
    return "\n".join(out), len(blocks)


def _shown(formatted: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    files: list[str] = []
    lines: list[tuple[str, str]] = []
    current = None
    for line in formatted.split("\n"):
        if line.startswith("./"):
            current = line[2:]
            files.append(current)
        elif line != "--" and current is not None:
            lines.append((current, line.strip()))
    return tuple(dict.fromkeys(files)), tuple(lines)


def grep_search(rg: Ripgrep, root: Path, query: object) -> ToolResult:
    if not isinstance(query, str) or not query.strip():
        return failed("grep_search", "`query` argument is required and must not be empty or whitespace-only. "
                      "(type string)", TOOL_ERROR)
    processed = _prepared(query)
    run = rg.grep(root, processed)
    if run.failure:
        return ToolResult("", failure=run.failure, detail=f"ripgrep stopped: {run.failure}")
    if run.stdout is None:
        text = (f"The search failed due to an invalid regex pattern.\n\nOriginal query: {query}\nProcessed query: "
                f"{processed}\n\nError: {run.error}\n\nTip: If you're searching for literal text with special "
                "characters, the query was automatically escaped. If you need regex patterns, ensure they use "
                "proper regex syntax.")
        return ToolResult(text, failure=TOOL_ERROR, detail=f"ripgrep rejected the pattern ({run.error})")
    formatted, count = _format(_cut_blocks(run.stdout))
    if count == 0 or run.stdout == NO_MATCHES:
        return ToolResult("The search returned no results.")
    reasons = []
    if count == GREP_RESULTS:
        reasons.append(f"the number of results exceeded {GREP_RESULTS}")
    if len(formatted) > GREP_CHARS:
        formatted = formatted[:GREP_CHARS]
        reasons.append(f"the number of characters exceeded {GREP_CHARS}")
    files, lines = _shown(formatted)
    if reasons:
        formatted += (f"\n\nThe above search results were truncated because {' and '.join(reasons)}. If the "
                      "results are not satisfactory, try refining your search query.")
    return ToolResult(formatted, files, lines)


def file_glob_search(rg: Ripgrep, root: Path, pattern: object) -> ToolResult:
    if not isinstance(pattern, str) or not pattern.strip():
        return failed("file_glob_search", "`pattern` argument is required and must not be empty or "
                      "whitespace-only. (type string)", TOOL_ERROR)
    run = rg.files(root, pattern)
    if run.failure:
        return ToolResult("", failure=run.failure, detail=f"ripgrep stopped: {run.failure}")
    if run.stdout is None:
        return failed("file_glob_search", run.error or "ripgrep failed", TOOL_ERROR, f"ripgrep: {run.error}")
    results = run.stdout.split("\n")[:GLOB_RESULTS]
    text = "\n".join(results)
    if len(results) == GLOB_RESULTS:
        text += ("\n\nWarning: the results above were truncated to the first 100 files. If the results are not "
                 "satisfactory, refine your search pattern")
    files = () if run.stdout == NO_MATCHES else tuple(r for r in results if r)
    return ToolResult(text, files)
