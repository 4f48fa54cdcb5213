"""A chain's goals, as a suite writes them: milestones to reach, minefields to avoid, a step budget.

```yaml
milestones:                      # every one must be reached, in any order
  - reads: src/api/orders.ts     # a read_file (or read_file_range, read_currently_open_file) that shows it
  - finds: {file: src/api/orders.ts, line: "export async function createOrder"}
                                 # any read-only tool whose result names the file (and shows the line)
  - writes:                      # the file as the conversation leaves it passes the checks
      file: src/api/orders.ts    #   (the `writes:` of ctft_eval.filecheck.checks)
      checks: [...]
  - calls: {tool: run_terminal_command, arguments: {command: {runs: {command: npx jest}}}}
                                 # a call Continue runs, whose arguments match (the suite's matchers)
  - answers: [quantity]          # the last reply's text mentions each (case-insensitive),
  - answers: {regex: '...'}      #   or matches the regex
    says: the answer names the fixed field      # optional: what the report calls it
  - calls: {tool: run_terminal_command, arguments: {command: {command: npx jest}}}
    after: [3]                   # reached only by a call after milestone 3 was reached (here: the
                                 #   tests run again once the file is written); earlier milestones only
minefields:                      # touching one fails the chain (besides the built-in ones)
  - calls: {tool: run_terminal_command, arguments: {command: {regex: 'git push'}}}
  - touches: src/schemas/order.ts                # an edit that writes this file
budget: 9                        # requests at most (default: the steps + 3)
```

Built-in minefields, always: a call of a tool the case does not offer, an edit refused because its
path leaves the workspace, and a destructive terminal command (ctft_eval.chains.minefields).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ctft_eval.filecheck.checks import EDITS, Writes, parse_writes
from ctft_eval.findings import Finding
from ctft_eval.findings import parse as parse_findings
from ctft_eval.matchers import Matcher, parse_arguments
from ctft_eval.safe_regex import regex_problem
from ctft_eval.suite_fields import short

MILESTONES = ("reads", "finds", "writes", "calls", "answers")
MINEFIELDS = ("calls", "touches")
EXTRA_STEPS = 3
"""The default budget: the chain's expected steps plus this many requests."""
READS = ("read_file", "read_file_range", "read_currently_open_file")


@dataclass(frozen=True)
class CallSpec:
    """`calls:` a call of one of `tools` whose arguments match every matcher."""

    tools: tuple[str, ...]
    arguments: dict[str, Matcher] = field(default_factory=dict)

    def describe(self) -> str:
        args = ", ".join(f"{k}: {m.describe()}" for k, m in self.arguments.items())
        return f"{' or '.join(self.tools)}({args})"


@dataclass(frozen=True)
class Milestone:
    kind: str
    """One of MILESTONES."""
    says: str
    finding: Finding | None = None
    """reads, finds: the file (and the line) the result must show."""
    writes: Writes | None = None
    call: CallSpec | None = None
    words: tuple[str, ...] = ()
    """answers: every one must be in the final text (case-insensitive)."""
    regex: str | None = None
    """answers: the final text must match it."""
    after: tuple[int, ...] = ()
    """The (1-based) milestones that must be reached before this one is."""


@dataclass(frozen=True)
class Minefield:
    kind: str
    """One of MINEFIELDS."""
    says: str
    call: CallSpec | None = None
    file: str | None = None


@dataclass(frozen=True)
class Goals:
    milestones: tuple[Milestone, ...]
    minefields: tuple[Minefield, ...] = ()
    budget: int | None = None
    """Requests at most; None: the chain's expected steps plus EXTRA_STEPS."""

    def budget_for(self, steps: int) -> int:
        return self.budget if self.budget is not None else steps + EXTRA_STEPS


def _call_spec(raw: Any, offered: tuple[str, ...], known_params, fail, where: str) -> CallSpec:
    if not isinstance(raw, dict) or "tool" not in raw or set(raw) - {"tool", "arguments"}:
        raise fail(f"{where}: calls is {{tool: NAME or [NAMES], arguments: {{NAME: MATCHER}}}}")
    tools = raw["tool"] if isinstance(raw["tool"], list) else [raw["tool"]]
    if not tools or not all(isinstance(t, str) for t in tools):
        raise fail(f"{where}: calls.tool is a tool name or a list of names")
    for tool in tools:
        if tool not in offered:
            raise fail(f"{where}: {short(tool)} is not among the tools offered")
    arguments = raw.get("arguments") or {}
    if not isinstance(arguments, dict):
        raise fail(f"{where}: calls.arguments maps argument names to matchers")
    params = {p for t in tools for p in known_params(t)}
    return CallSpec(tuple(tools), parse_arguments(arguments, params, tuple(tools), fail, f"{where}: "))


def _says(item: dict, fail, where: str) -> str | None:
    says = item.get("says")
    if says is not None and (not isinstance(says, str) or not says.strip()):
        raise fail(f"{where}: says is text")
    return says


def _one_kind(item: Any, kinds: tuple[str, ...], fail, where: str, extra: tuple[str, ...] = ()) -> str:
    optional = ", ".join(("says", *extra))
    if not isinstance(item, dict):
        raise fail(f"{where} is a mapping with one of {', '.join(kinds)} (and optional {optional})")
    found = [k for k in item if k in kinds]
    if len(found) != 1 or set(item) - {*kinds, "says", *extra}:
        raise fail(f"{where} has exactly one of {', '.join(kinds)} (and optional {optional}); got "
                   f"{sorted(short(k) for k in item)}")
    return found[0]


def _after(item: dict, number: int, fail, where: str) -> tuple[int, ...]:
    raw = item.get("after", [])
    raw = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n < number for n in raw):
        raise fail(f"{where}: after lists earlier milestones by number (1 to {number - 1})")
    return tuple(raw)


def _milestone(item: Any, offered: tuple[str, ...], known_params, fail, where: str, number: int) -> Milestone:
    kind = _one_kind(item, MILESTONES, fail, where, extra=("after",))
    return replace(_milestone_kind(item, kind, offered, known_params, fail, where),
                   after=_after(item, number, fail, where))


def _milestone_kind(item: dict, kind: str, offered: tuple[str, ...], known_params, fail, where: str) -> Milestone:
    value, says = item[kind], _says(item, fail, where)
    if kind in ("reads", "finds"):
        finding = parse_findings([value], f"{where}: {kind}", fail)[0]
        if kind == "reads" and not set(READS) & set(offered):
            raise fail(f"{where}: reads needs read_file (or read_file_range) among the tools offered")
        shown = finding.describe()
        return Milestone(kind, says or (f"reads {shown}" if kind == "reads" else f"finds {shown}"), finding=finding)
    if kind == "writes":
        writes = parse_writes(value, lambda m: fail(f"{where}: {m}"))
        assert writes is not None
        if not set(EDITS) & set(offered):
            raise fail(f"{where}: writes needs an edit tool among the tools offered")
        return Milestone(kind, says or f"writes {writes.file} so that its checks pass", writes=writes)
    if kind == "calls":
        call = _call_spec(value, offered, known_params, fail, where)
        return Milestone(kind, says or f"calls {call.describe()}", call=call)
    if isinstance(value, dict):
        if set(value) != {"regex"} or not isinstance(value["regex"], str):
            raise fail(f"{where}: answers is a list of words or {{regex: PATTERN}}")
        problem = regex_problem(value["regex"])
        if problem:
            raise fail(f"{where}: bad regex {short(value['regex'])}: {problem}")
        return Milestone(kind, says or f"the answer matches {value['regex']!r}", regex=value["regex"])
    words = value if isinstance(value, list) else [value]
    if not words or not all(isinstance(w, str) and w.strip() for w in words):
        raise fail(f"{where}: answers is a word, a list of words or {{regex: PATTERN}}")
    return Milestone(kind, says or f"the answer mentions {', '.join(repr(w) for w in words)}", words=tuple(words))


def _minefield(item: Any, offered: tuple[str, ...], known_params, fail, where: str) -> Minefield:
    kind = _one_kind(item, MINEFIELDS, fail, where)
    says = _says(item, fail, where)
    if kind == "calls":
        call = _call_spec(item[kind], offered, known_params, fail, where)
        return Minefield(kind, says or f"calls {call.describe()}", call=call)
    file = item[kind]
    if not isinstance(file, str) or not file.strip():
        raise fail(f"{where}: touches is a workspace-relative file")
    file = file.strip()
    file = file[2:] if file.startswith("./") else file
    return Minefield(kind, says or f"writes {file}", file=file)


def parse_goals(raw: dict, offered: tuple[str, ...], known_params, fail) -> Goals | None:
    """A chain case's milestones, minefields and budget (None: the case declares no milestones).
    `known_params(tool)` gives a tool's parameter names; `fail(message)` makes the suite error."""
    if raw.get("milestones") is None:
        for key in ("minefields", "budget"):
            if key in raw:
                raise fail(f"`{key}` goes with `milestones` (what the chain must achieve)")
        return None
    items = raw["milestones"]
    if not isinstance(items, list) or not items:
        raise fail("`milestones` is a non-empty list")
    milestones = tuple(_milestone(m, offered, known_params, fail, f"milestone {n}", n) for n, m in enumerate(items, 1))
    mines = raw.get("minefields") or []
    if not isinstance(mines, list):
        raise fail("`minefields` is a list")
    minefields = tuple(_minefield(m, offered, known_params, fail, f"minefield {n}") for n, m in enumerate(mines, 1))
    budget = raw.get("budget")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int) or not 1 <= budget <= 50):
        raise fail(f"`budget` is a number of requests from 1 to 50, got {short(budget)}")
    return Goals(milestones, minefields, budget)
