"""A live chain's tool results as a record keeps them (Reply.tool_results), and back.

Each call Continue runs gets one dict, in the calls' order: the tool, the text the model was shown,
the runner's named failure (None: it ran), the files and lines its result names, the files it wrote
(their whole text after the edit), whether that text is a placeholder edit's lines alone, and where
the output came from: `ran` (the tool runner, on the workspace copy), `canned` (the case's own
output for a command or the web) or `default` (a command or web call the case has no output for).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ctft_eval.runner.result import ToolResult

RAN, CANNED, DEFAULT = "ran", "canned", "default"


@dataclass(frozen=True)
class Ran:
    """One recorded call's result, as the judge reads it."""

    tool: str
    shown: str
    failure: str | None
    files: tuple[str, ...]
    lines: tuple[tuple[str, str], ...]
    written: tuple[tuple[str, str], ...]
    partial: bool
    source: str

    @property
    def ran(self) -> bool:
        return self.failure is None


def to_record(tool: str, result: ToolResult, shown: str, source: str) -> dict[str, Any]:
    return {"tool": tool, "shown": shown, "failure": result.failure, "files": list(result.files),
            "lines": [list(pair) for pair in result.lines], "written": [list(pair) for pair in result.written],
            "partial": result.partial, "source": source}


def _texts(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    return tuple((p[0], p[1]) for p in value if isinstance(p, list) and len(p) == 2
                 and all(isinstance(x, str) for x in p))


def from_record(data: Any) -> Ran:
    """A recorded result; a malformed one reads as a failed call, never a crash."""
    if not isinstance(data, dict):
        return Ran("", "", "malformed_result", (), (), (), False, RAN)
    failure = data.get("failure")
    return Ran(str(data.get("tool", "")), str(data.get("shown", "")),
               failure if isinstance(failure, str) or failure is None else "malformed_result",
               _texts(data.get("files")), _pairs(data.get("lines")), _pairs(data.get("written")),
               data.get("partial") is True, str(data.get("source", RAN)))
