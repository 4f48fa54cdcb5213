"""A case's expected call as a suite writes it: the tool(s), argument matchers, what running it must
find, the file it must write (an `Expectation`), and its parser. A single-step case has one; a chain
has one per step (ctft_eval.cases)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ctft_eval import custom_tools
from ctft_eval.catalog import TOOLS_BY_NAME
from ctft_eval.filecheck.checks import EDITS, Writes, parse_writes
from ctft_eval.findings import Finding
from ctft_eval.findings import parse as parse_findings
from ctft_eval.matchers import Matcher, parse_arguments
from ctft_eval.suite_fields import short


@dataclass(frozen=True)
class Expectation:
    """One expected call: which tool(s) are acceptable (empty = no tool) and matchers per argument."""

    tools: tuple[str, ...]
    arguments: dict[str, Matcher] = field(default_factory=dict)
    must_find: tuple[Finding, ...] = ()
    """What running the call on the case's workspace must find (ctft_eval.findings)."""
    must_not_find: tuple[Finding, ...] = ()
    example: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    """A call's arguments that do what the case asks (`example:`), where the matchers alone do not
    show one: the suite's own tests run it and check that it finds what it must."""
    writes: Writes | None = field(default=None, compare=False, hash=False)
    """The file an edit or a new file must leave, and its checks (ctft_eval.filecheck.checks)."""

    @property
    def judged_by_outcome(self) -> bool:
        """Whether its calls are judged by what they do on the workspace (not only by matchers)."""
        return bool(self.must_find or self.must_not_find or self.writes)

    @property
    def wants_call(self) -> bool:
        return bool(self.tools)

    def describe(self) -> str:
        return " or ".join(self.tools) if self.tools else "no tool call"



def tool_params(name: str, custom: dict[str, dict]) -> set[str]:
    """A tool's parameter names (a custom tool's from its schema)."""
    if name in custom:
        return set(custom_tools.param_names(custom[name]))
    return {q.name for q in TOOLS_BY_NAME[name].params} if name in TOOLS_BY_NAME else set()



def parse_expectation(raw: dict, offered: tuple[str, ...], fail, custom: dict[str, dict]) -> Expectation:
    tool = raw.get("tool")
    if tool == "none" or tool is None and "tool" in raw and raw["tool"] is None:
        names: tuple[str, ...] = ()
    elif isinstance(tool, str):
        names = (tool,)
    elif isinstance(tool, list) and tool and all(isinstance(t, str) for t in tool):
        names = tuple(tool)
    else:
        raise fail("`tool` must be a tool name, a list of names, or none")
    for name in names:
        if name not in TOOLS_BY_NAME and name not in custom:
            raise fail(f"unknown tool {short(name)}")
        if name not in offered:
            raise fail(f"expected tool {short(name)} is not among the tools offered")
    args_raw = {} if raw.get("arguments") is None else raw["arguments"]
    if not isinstance(args_raw, dict):
        raise fail("`arguments` must map argument names to matchers")
    if args_raw and not names:
        raise fail("`arguments` makes no sense when no tool is expected")
    known = {p for n in names for p in tool_params(n, custom)}
    matchers = parse_arguments(args_raw, known, names, fail)
    found = parse_findings(raw.get("must_find"), "must_find", fail)
    not_found = parse_findings(raw.get("must_not_find"), "must_not_find", fail)
    if (found or not_found) and not names:
        raise fail("`must_find` and `must_not_find` make no sense when no tool is expected")
    example = raw.get("example")
    if example is not None and (not isinstance(example, dict) or not names or set(example) - known):
        raise fail(f"`example` maps parameters of {' or '.join(names) or 'the expected tool'} to values, "
                   f"got {short(example)}")
    writes = parse_writes(raw.get("writes"), fail)
    if writes is not None and not set(names) & set(EDITS):
        raise fail("`writes` needs an expected edit tool (create_new_file, edit_existing_file, "
                   "single_find_and_replace or multi_edit)")
    return Expectation(names, matchers, found, not_found, example, writes)
