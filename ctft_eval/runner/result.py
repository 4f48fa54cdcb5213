"""What running one tool call gave: the text the model would see, what it names, how it failed."""

from __future__ import annotations

from dataclasses import dataclass

NOT_RUN = "not_run"
"""A tool that never runs here (a terminal command, the web)."""
NOT_FOUND = "not_found"
"""Continue answers that the file or folder does not exist (or reads nothing)."""
SECURITY = "security_refused"
"""Continue refuses to read a security-ignored file (.env*, keys, ...)."""
TOOL_ERROR = "tool_error"
"""Continue reports an error to the model (a bad regex or glob, a path it cannot use)."""


@dataclass(frozen=True)
class ToolResult:
    output: str
    """The tool's result as the model would see it (Continue's formatting, caps and error wording)."""
    files: tuple[str, ...] = ()
    """Workspace-relative files the result names: what a search, glob or listing found, the file read."""
    lines: tuple[tuple[str, str], ...] = ()
    """(file, line) of every line a search result shows."""
    failure: str | None = None
    """None when the tool ran and answered; else a named failure (this module's, ripgrep's, paths')."""
    detail: str = ""
    """Why, for a person (a refusal's reason)."""
    written: tuple[tuple[str, str], ...] = ()
    """(file, text) of every file an edit wrote: its whole text after the edit."""
    partial: bool = False
    """The written text is the changed lines alone (a placeholder edit Continue's apply model merges)."""

    @property
    def ran(self) -> bool:
        return self.failure is None


def failed(tool: str, message: str, failure: str, detail: str = "") -> ToolResult:
    """A thrown error as Continue's GUI wraps it for the model."""
    text = f"{tool} failed with the message: {message}\n\nPlease try something else or request further instructions."
    return ToolResult(text, failure=failure, detail=detail or message)
