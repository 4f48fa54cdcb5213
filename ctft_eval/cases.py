"""Cases: scenarios loaded from suite files (suites/*.yaml), validated on load.

Every problem in a suite file raises SuiteError naming the file and the case id, so a bad file
stops the session once, at collection, with one message. The format is documented in
suites/README.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ctft_eval import custom_tools, suite_yaml
from ctft_eval import suite_fields as fields
from ctft_eval.catalog import TOOLS, TOOLS_BY_NAME
from ctft_eval.chains.goals import Goals, parse_goals
from ctft_eval.expectation import Expectation, parse_expectation, tool_params
from ctft_eval.findings import parse as parse_findings
from ctft_eval.reading import open_regular
from ctft_eval.suite_fields import PYTEST_MARKERS, short

_CASE_KEYS = {"id", "prompt", "messages", "system", "tools", "tool", "arguments", "steps",
              "latency_budget", "latency", "tags", "description", "workspace", "open_file", "must_find",
              "must_not_find", "example", "writes", "milestones", "minefields", "budget",
              "example_answer"}
_STEP_KEYS = {"tool", "arguments", "result", "must_find", "must_not_find", "example", "writes"}
_FILE_KEYS = {"suite", "description", "defaults", "cases", "custom_tools"}
_DEFAULT_KEYS = {"tools", "tags", "system", "latency_budget", "workspace"}
WORKSPACES = "workspaces"
"""The folder beside a suite file that holds its workspaces (suites/workspaces/NAME/workspace.yaml)."""
_ROLES = {"system", "user", "assistant"}
MAX_SUITE_BYTES = suite_yaml.MAX_BYTES
MAX_ID = 200


class SuiteError(ValueError):
    def __init__(self, file: Path | str, case_id: str | None, message: str):
        self.file, self.case_id, self.message = str(file), case_id, message
        where = f"{self.file}: case {case_id!r}" if case_id else self.file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Step:
    expect: Expectation
    result: str


@dataclass(frozen=True)
class Case:
    id: str
    file: str
    suite: str
    messages: tuple[dict[str, str], ...]
    tools: tuple[str, ...]
    expect: Expectation | None
    steps: tuple[Step, ...] = ()
    latency_budget: float | None = None
    """The suite's own budget; a bound case (ctft_eval.plan.bind) has the run's where the suite sets none."""
    tags: tuple[str, ...] = ()
    tools_declared: bool = False
    """Whether the suite names the tools offered (else the run's Continue profile decides them)."""
    custom: dict[str, dict] = field(default_factory=dict, compare=False, hash=False)
    """The suite's own tools (ctft_eval.custom_tools): name -> function schema, offered with the rest."""
    line: int = field(default=0, compare=False)
    """The line of the suite file where the case starts (1-based; 0 when not known)."""
    latency: bool = False
    """Whether its latency is measured (`latency: true`, or a budget of its own)."""
    workspace: str | None = None
    """The name of the workspace its calls run on (suites/workspaces/NAME), if any."""
    open_file: str | None = None
    """The file open in the editor (what read_currently_open_file reads), workspace-relative."""
    goals: Goals | None = field(default=None, compare=False, hash=False)
    """A chain's milestones, minefields and budget (ctft_eval.chains.goals): it runs live and is
    judged by what it achieves. None: a chain judged step by step on canned results."""
    example_answer: str | None = field(default=None, compare=False, hash=False)
    """A live chain's final answer that reaches its `answers` milestones (the suite's own tests use it)."""

    @property
    def live(self) -> bool:
        """A chain that runs live on its workspace (ctft_eval.chains.live)."""
        return self.goals is not None and bool(self.steps)

    @property
    def expectations(self) -> tuple[Expectation, ...]:
        return tuple(s.expect for s in self.steps) if self.steps else (self.expect,)  # type: ignore[return-value]

    @property
    def is_chain(self) -> bool:
        return bool(self.steps)

    @property
    def first_expectation(self) -> Expectation:
        return self.steps[0].expect if self.steps else self.expect  # type: ignore[return-value]

    @property
    def prompt(self) -> str:
        return next((m["content"] for m in reversed(self.messages) if m["role"] == "user"), "")

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The dimensions this case counts in (see README: denominators), from the registry."""
        from ctft_eval.dimensions import applicable

        return applicable(self)


@dataclass(frozen=True)
class Suite:
    name: str
    file: str
    sha256: str
    cases: tuple[Case, ...]


def load_suite(path: Path | str, *, reserved_tags: Collection[str] = PYTEST_MARKERS) -> Suite:
    """Read and validate one suite file. `reserved_tags`: marker names a tag may not be (the running
    pytest's registered markers, when collecting; else pytest's builtin ones and the dimensions)."""
    path = Path(path)
    try:
        with open_regular(path) as stream:
            raw_bytes = suite_yaml.read_bounded(stream)
        data, lines = suite_yaml.load(raw_bytes)
    except OSError as exc:
        raise SuiteError(path, None, f"cannot read: {exc.strerror or exc}") from None
    except suite_yaml.YAMLProblem as exc:
        raise SuiteError(path, None, str(exc)) from None

    def top(message: str) -> SuiteError:
        return SuiteError(path, None, message)

    if not isinstance(data, dict) or "cases" not in data:
        raise top("a suite file is a mapping with a `cases` list")
    _no_unknown(path, None, data, _FILE_KEYS, "suite file")
    defaults = {} if data.get("defaults") is None else data["defaults"]
    if not isinstance(defaults, dict):
        raise top("`defaults` must be a mapping")
    _no_unknown(path, None, defaults, _DEFAULT_KEYS, "defaults")
    fields.tags(defaults.get("tags"), "defaults.tags", reserved_tags, top)
    fields.text(defaults.get("system"), "defaults.system", top)
    fields.seconds(defaults.get("latency_budget"), "defaults.latency_budget", top)
    fields.text(data.get("description"), "description", top)
    raw_cases = data["cases"]
    if not isinstance(raw_cases, list) or not raw_cases:
        raise top("`cases` must be a non-empty list")
    name = fields.text(data.get("suite"), "suite", top) or path.stem
    custom = custom_tools.parse(data.get("custom_tools"), top)
    cases: list[Case] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_cases):
        case = _load_case(path, name, index, raw, defaults, custom, reserved_tags)
        if case.id in seen:
            raise SuiteError(path, case.id, "duplicate case id")
        seen.add(case.id)
        cases.append(replace(case, line=lines[index]) if index < len(lines) else case)
    return Suite(name, str(path), hashlib.sha256(raw_bytes).hexdigest(), tuple(cases))


def load_suites(paths: list[Path]) -> list[Suite]:
    """Load several files; case ids must be unique across them."""
    suites = [load_suite(p) for p in paths]
    owner: dict[str, str] = {}
    for suite in suites:
        for case in suite.cases:
            if case.id in owner:
                raise SuiteError(suite.file, case.id, f"case id also used in {owner[case.id]}")
            owner[case.id] = suite.file
    return suites


def _no_unknown(path: Path, case_id: str | None, data: dict, allowed: set[str], what: str) -> None:
    unknown = sorted({k if isinstance(k, str) and len(k) <= 60 else short(k) for k in data} - allowed)[:10]
    if unknown:
        raise SuiteError(path, case_id, f"unknown key(s) in {what}: {', '.join(unknown)}; "
                         f"allowed: {', '.join(sorted(allowed))}")


def _load_case(path: Path, suite: str, index: int, raw: Any, defaults: dict, custom: dict[str, dict],
               reserved: Collection[str]) -> Case:
    if not isinstance(raw, dict):
        raise SuiteError(path, f"#{index + 1}", "a case is a mapping")
    case_id = raw.get("id")
    if not isinstance(case_id, str) or not case_id.strip():
        raise SuiteError(path, f"#{index + 1}", "every case needs a non-empty string `id`")
    if len(case_id) > MAX_ID:
        raise SuiteError(path, f"#{index + 1}", f"case ids are at most {MAX_ID} characters")
    if any(ch in "[]|:/" or ch.isspace() or not ch.isprintable() for ch in case_id):
        raise SuiteError(path, case_id, "case ids may not contain spaces (or other blanks and control characters) "
                         "or any of []|:/")

    def fail(message: str) -> SuiteError:
        return SuiteError(path, case_id, message)

    _no_unknown(path, case_id, raw, _CASE_KEYS, "case")
    fields.text(raw.get("description"), "description", fail)
    messages = _messages(raw, defaults, fail)
    tools = raw.get("tools", defaults.get("tools"))
    if tools is None:
        tools = (*(t.name for t in TOOLS), *custom)
    elif not isinstance(tools, list) or not all(isinstance(t, str) for t in tools):
        raise fail("`tools` must be a list of tool names")
    else:
        unknown = [t for t in tools if t not in TOOLS_BY_NAME and t not in custom]
        if unknown:
            raise fail(f"unknown tool(s) in `tools`: {', '.join(short(t) for t in unknown[:5])}")
        tools = tuple(tools)

    steps: tuple[Step, ...] = ()
    expect: Expectation | None = None
    if "steps" in raw:
        if "tool" in raw or "arguments" in raw:
            raise fail("a chain case puts `tool`/`arguments` inside each of its `steps`")
        if not isinstance(raw["steps"], list) or len(raw["steps"]) < 2:
            raise fail("`steps` must list at least two steps")
        parsed = []
        for n, step in enumerate(raw["steps"], 1):
            if not isinstance(step, dict):
                raise fail(f"step {n} must be a mapping")
            _no_unknown(path, case_id, step, _STEP_KEYS, f"step {n}")
            if not isinstance(step.get("result"), str):
                raise fail(f"step {n} needs `result`: the canned tool output (text) fed back to the model")
            exp = parse_expectation(step, tools, lambda m, n=n: fail(f"step {n}: {m}"), custom)
            if not exp.wants_call:
                raise fail(f"step {n}: every chain step expects a tool call")
            parsed.append(Step(exp, step["result"]))
        steps = tuple(parsed)
    else:
        if "tool" not in raw:
            raise fail("say which tool is expected: `tool: NAME`, a list of names, or `tool: none`")
        expect = parse_expectation(raw, tools, fail, custom)
    goals = parse_goals(raw, tuple(tools), lambda name: tool_params(name, custom), fail)
    if goals is not None and not steps:
        raise fail("`milestones` are a chain's (a case with `steps`)")
    example_answer = fields.text(raw.get("example_answer"), "example_answer", fail)
    if example_answer is not None and goals is None:
        raise fail("`example_answer` goes with `milestones`: a final answer that reaches them")

    latency = fields.flag(raw.get("latency"), "latency", fail)
    budget = fields.seconds(raw.get("latency_budget", defaults.get("latency_budget") if latency else None),
                            "latency_budget", fail)
    timed = latency or budget is not None
    if timed and steps:
        raise fail("latency is measured on single-step cases only")
    tags = (*fields.tags(defaults.get("tags"), "defaults.tags", reserved, fail),
            *fields.tags(raw.get("tags"), "tags", reserved, fail))
    declared = raw.get("tools", defaults.get("tools")) is not None
    workspace = _workspace(path, raw.get("workspace", defaults.get("workspace")), fail)
    open_file = parse_findings([raw["open_file"]], "open_file", fail)[0].file if "open_file" in raw else None
    if (open_file or goals or any(e.judged_by_outcome for e in (expect, *(s.expect for s in steps)) if e)) \
            and workspace is None:
        raise fail("`must_find`, `must_not_find`, `writes`, `milestones` and `open_file` need a `workspace` (the "
                   "case's or the suite's)")
    return Case(case_id, str(path), suite, messages, tools, expect, steps, budget, tuple(dict.fromkeys(tags)),
                declared, custom, latency=timed, workspace=workspace, open_file=open_file, goals=goals,
                example_answer=example_answer)


def _workspace(path: Path, name: Any, fail) -> str | None:
    """A workspace's name, checked: a folder beside the suite file, suites/workspaces/NAME/."""
    if name is None:
        return None
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", name):
        raise fail(f"`workspace` must be a workspace's folder name (letters, digits, - and _), got {short(name)}")
    if not (path.parent / WORKSPACES / name / "workspace.yaml").is_file():
        raise fail(f"no workspace {name!r}: {path.parent / WORKSPACES / name / 'workspace.yaml'} does not exist")
    return name


def _messages(raw: dict, defaults: dict, fail) -> tuple[dict[str, str], ...]:
    if ("prompt" in raw) == ("messages" in raw):
        raise fail("give exactly one of `prompt` (a user message) or `messages`")
    system = raw.get("system", defaults.get("system"))
    if "prompt" in raw:
        if not isinstance(raw["prompt"], str) or not raw["prompt"].strip():
            raise fail("`prompt` must be non-empty text")
        messages = [{"role": "user", "content": raw["prompt"]}]
    else:
        messages = raw["messages"]
        if not isinstance(messages, list) or not messages:
            raise fail("`messages` must be a non-empty list")
        for m in messages:
            if (not isinstance(m, dict) or set(m) != {"role", "content"} or not isinstance(m["role"], str)
                    or m["role"] not in _ROLES or not isinstance(m["content"], str)):
                raise fail("each message is {role: system|user|assistant, content: text}")
        if messages[-1]["role"] != "user":
            raise fail("the last message must be the user's")
        messages = [dict(m) for m in messages]
    if system is not None:
        if not isinstance(system, str):
            raise fail("`system` must be text")
        if messages[0]["role"] != "system":
            messages.insert(0, {"role": "system", "content": system})
    return tuple(messages)
