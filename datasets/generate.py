#!/usr/bin/env python
"""Generate the Continue tool-calling fine-tuning datasets (mlx-lm chat JSONL).

    python datasets/generate.py            # datasets/continue_finetuning_dataset.jsonl (+ _experimental.jsonl)
    python datasets/generate.py --seed 7 --out /tmp/x.jsonl    # /tmp/x.jsonl and /tmp/x_experimental.jsonl

The examples are data, datasets/scenarios/*.yaml, read in file-name order; datasets/README.md
describes the format. Most files hold hand-written examples; a templated file holds small tables
that become examples phrased one of several ways.

Every scenario is rendered twice, once per channel, exactly as Continue would send the conversation
(ctft_eval.profile): the agent-mode system message of the channel and tool set, and on the native
channel the tool schemas and structured calls, on the continue channel the calls written in the
system-message tool format and the results as user messages. Two files come out:

- the default dataset: a default agent session's 13 tools (profile.DEFAULT_TOOLS), holding every
  scenario that calls only those;
- the experimental variant: Continue's tools with experimental tools turned on (read_file_range,
  view_repo_map, ...), holding every scenario.

The output depends only on the seed: the same seed gives byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ctft_eval.catalog import TOOLS_BY_NAME
from ctft_eval.channels import CHANNELS, NATIVE, history_block
from ctft_eval.dataset import EXAMPLE_KINDS, argument_errors, result_message
from ctft_eval.profile import Profile, builtin, tool_set

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as Loader  # type: ignore[assignment]

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
DEFAULT_OUT = HERE / "continue_finetuning_dataset.jsonl"
TOOL_SETS = ("default", "experimental")
"""The datasets written: the default session's tools, and the tools with experimental ones turned on."""
TAUGHT_TOOLS: tuple[str, ...] = tool_set("experimental")
"""The tools a scenario may call: those of the experimental set (the default set is part of it)."""

EXAMPLE_KEYS = ("name", "prompt", "language", "framework", "steps", "answer")
STEP_KEYS = ("said", "tool", "arguments", "result")
STEP_COUNTS = {  # kind -> (fewest steps, most steps or None, the rule in words)
    "single": (1, 1, "exactly one step"),
    "chain": (2, None, "at least two steps"),
    "error_recovery": (1, None, "at least one step"),
    "no_tool": (0, 0, "no steps"),
}


class ScenarioError(ValueError):
    """A scenario that cannot become an example; the message names the file, the example and the field."""


# ---- one example ------------------------------------------------------------------------------------------


def example(raw: Any, kind: str, where: str) -> dict[str, Any]:
    """Check one example (`where` names it: file and position) and return it normalized."""
    if isinstance(raw, dict) and isinstance(raw.get("prompt"), str):
        where += f" ({raw['prompt'][:60]!r})"

    def fail(field: str, message: str) -> ScenarioError:
        return ScenarioError(f"{where}: {field}: {message}")

    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: an example is a mapping of {', '.join(EXAMPLE_KEYS)}; got {type(raw).__name__}")
    _no_unknown(raw, EXAMPLE_KEYS, fail)
    for field in ("prompt", "answer"):
        if not isinstance(raw.get(field), str):
            raise fail(field, "missing" if raw.get(field) is None else "must be text")
        if not raw[field].strip():
            raise fail(field, "empty")
    for field in ("language", "framework"):
        if field not in raw:
            raise fail(field, "missing (write null for none)")
        if raw[field] is not None and not isinstance(raw[field], str):
            raise fail(field, "must be a string or null")
    if "name" in raw and not (isinstance(raw["name"], str) and raw["name"]):
        raise fail("name", "must be a non-empty string")
    steps = raw.get("steps", [])
    if not isinstance(steps, list):
        raise fail("steps", "must be a list")
    fewest, most, rule = STEP_COUNTS[kind]
    if len(steps) < fewest or (most is not None and len(steps) > most):
        raise fail("steps", f"a {kind} example has {rule}; this one has {len(steps)}")
    return {"where": where, "kind": kind, "prompt": raw["prompt"], "answer": raw["answer"],
            "language": raw["language"], "framework": raw["framework"], "name": raw.get("name"),
            "steps": [_step(step, f"step {n}", fail) for n, step in enumerate(steps, 1)]}


def _step(step: Any, label: str, fail: Callable[[str, str], ScenarioError]) -> dict[str, Any]:
    if not isinstance(step, dict):
        raise fail(label, "a step is a mapping of tool, arguments, result (and, optionally, said)")
    _no_unknown(step, STEP_KEYS, fail, f"{label} ")
    for key in ("tool", "arguments", "result"):
        if key not in step:
            raise fail(f"{label} {key}", "missing")
    name, args, result, said = step["tool"], step["arguments"], step["result"], step.get("said", "")
    if name not in TAUGHT_TOOLS:
        what = "not among the tools the dataset teaches" if name in TOOLS_BY_NAME else "not one of Continue's tools"
        raise fail(f"{label} tool", f"{name!r} is {what} ({', '.join(TAUGHT_TOOLS)})")
    if not isinstance(args, dict):
        raise fail(f"{label} arguments", f"must be a mapping, got {type(args).__name__}")
    errors = argument_errors(name, args)
    if errors:
        raise fail(f"{label} arguments", errors[0][1])
    if not isinstance(result, str) or not result:
        raise fail(f"{label} result", "must be non-empty text (what the tool returned)")
    if not isinstance(said, str):
        raise fail(f"{label} said", "must be text")
    return {"tool": name, "arguments": args, "result": result, "said": said}


def _no_unknown(mapping: dict, known: tuple[str, ...], fail: Callable[[str, str], ScenarioError],
                prefix: str = "") -> None:
    for key in mapping:
        if key not in known:
            raise fail(f"{prefix}{key}", f"unknown key; known: {', '.join(known)}")


# ---- templated examples -----------------------------------------------------------------------------------


def _glob(task: dict[str, Any], asks: list[str], answers: list[str], rng: random.Random) -> dict[str, Any]:
    matches = task["result"].split("\n")
    dirs = sorted({m.rsplit("/", 1)[0] for m in matches})
    where = f"all in `{dirs[0]}/`" if len(dirs) == 1 else f"spread over {len(dirs)} folders"
    prompt = rng.choice(asks).format(what=task["what"])
    answer = rng.choice(answers).format(count=len(matches), what=task["what"], pattern=task["pattern"],
                                        where=where, listing="\n".join(f"- `{m}`" for m in matches))
    return {"prompt": prompt, "answer": answer, "steps": [{"tool": "file_glob_search",
                                                           "arguments": {"pattern": task["pattern"]},
                                                           "result": task["result"]}]}


def _grep(task: dict[str, Any], asks: list[str], answers: list[str], rng: random.Random) -> dict[str, Any]:
    rows = [row.split(":", 2) for row in task["result"].split("\n")]
    if any(len(row) != 3 for row in rows):
        raise ValueError("result: every line is path:line:text")
    definition = task.get("definition", 1)
    if not isinstance(definition, int) or not 1 <= definition <= len(rows):
        raise ValueError(f"definition: a line number of result, 1 to {len(rows)}")
    path, line, _ = rows[definition - 1]
    uses = rows[: definition - 1] + rows[definition:]
    ask = rng.choice(asks)
    prompt = ask.format(symbol=f"`{task['symbol']}`" if rng.random() < 0.5 else task["symbol"])
    answer = rng.choice(answers).format(symbol=task["symbol"], path=path, line=line, uses=len(uses), hits=len(rows),
                                        files=len({p for p, _, _ in rows}),
                                        bullets="\n".join(f"- `{p}:{n}`" for p, n, _ in uses))
    return {"prompt": prompt, "answer": answer, "steps": [{"tool": "grep_search", "arguments": {"query": task["query"]},
                                                           "result": task["result"]}]}


TEMPLATES = {  # tool -> (render, the fields of a task, the optional ones)
    "file_glob_search": (_glob, ("what", "pattern", "result"), ()),
    "grep_search": (_grep, ("symbol", "query", "result"), ("definition",)),
}


def templated(templates: Any, kind: str, where: str, rng: random.Random) -> list[dict[str, Any]]:
    """The examples a templated file's tables make, each phrasing drawn from `rng` in file order."""
    if not isinstance(templates, dict) or not templates:
        raise ScenarioError(f"{where}: templates: must map a tool ({', '.join(TEMPLATES)}) to its table")
    out = []
    for name, table in templates.items():
        if name not in TEMPLATES:
            raise ScenarioError(f"{where}: templates: no template for {name!r}; there are: {', '.join(TEMPLATES)}")
        render, fields, optional = TEMPLATES[name]
        here = f"{where}: templates.{name}"
        if not isinstance(table, dict) or set(table) != {"asks", "answers", "tasks"}:
            raise ScenarioError(f"{here}: a table is a mapping of asks, answers and tasks")
        for key in ("asks", "answers", "tasks"):
            if not isinstance(table[key], list) or not table[key]:
                raise ScenarioError(f"{here}.{key}: must be a non-empty list")
        if not all(isinstance(text, str) for text in table["asks"] + table["answers"]):
            raise ScenarioError(f"{here}: asks and answers are lists of text")
        for n, task in enumerate(table["tasks"], 1):
            label = f"{here} task {n}"

            def fail(field: str, message: str, label: str = label) -> ScenarioError:
                return ScenarioError(f"{label}: {field}: {message}")

            if not isinstance(task, dict):
                raise ScenarioError(f"{label}: a task is a mapping of language, framework, {', '.join(fields)}")
            _no_unknown(task, ("language", "framework", *fields, *optional), fail)
            for field in fields:
                if not isinstance(task.get(field), str) or not task[field]:
                    raise fail(field, "missing" if field not in task else "must be non-empty text")
            try:
                raw = render(task, table["asks"], table["answers"], rng)
            except KeyError as exc:
                raise fail("asks/answers", f"unknown placeholder {{{exc.args[0]}}}") from None
            except (IndexError, ValueError) as exc:
                raise ScenarioError(f"{label}: {exc}") from None
            meta = {k: task[k] for k in ("language", "framework") if k in task}
            out.append(example({**raw, **meta}, kind, label))
    return out


# ---- the files and the dataset ----------------------------------------------------------------------------


def load_file(path: Path, rng: random.Random) -> list[dict[str, Any]]:
    """The checked examples of one scenario file."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or set(data) not in ({"kind", "examples"}, {"kind", "templates"}):
        got = f"keys {', '.join(map(str, data))}" if isinstance(data, dict) else type(data).__name__
        raise ScenarioError(f"{path}: a scenario file is a mapping of kind and examples (or templates); got {got}")
    kind = data["kind"]
    if kind not in EXAMPLE_KINDS:
        raise ScenarioError(f"{path}: kind: {kind!r} is not one of {', '.join(EXAMPLE_KINDS)}")
    if "templates" in data:
        return templated(data["templates"], kind, str(path), rng)
    if not isinstance(data["examples"], list) or not data["examples"]:
        raise ScenarioError(f"{path}: examples: must be a non-empty list")
    return [example(raw, kind, f"{path}: example {n}") for n, raw in enumerate(data["examples"], 1)]


def load(directory: Path, rng: random.Random) -> list[dict[str, Any]]:
    """Every example of every scenario file, in file-name order; no two with the same prompt."""
    paths = sorted(Path(directory).glob("*.yaml"))
    if not paths:
        raise ScenarioError(f"{directory}: no scenario files (*.yaml)")
    scenarios: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for path in paths:
        for s in load_file(_shown(path), rng):
            if s["prompt"] in seen:
                raise ScenarioError(f"{s['where']}: prompt: the same prompt as {seen[s['prompt']]}")
            seen[s["prompt"]] = s["where"]
            scenarios.append(s)
    return scenarios


def _shown(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def render(s: dict[str, Any], profile: Profile, channel: str) -> dict[str, Any]:
    """One example as Continue sends it on `channel` with the profile's tools, plus `meta`.

    native:   the system message, `tools` (the schemas), each call a structured tool call in an
              assistant message and its result a `tool` message (mlx-lm's chat-with-tools format);
    continue: the system message with the tool instructions and no `tools`; each call is its
              assistant text, a newline and the call block as Continue writes it back into the history
              (every value JSON-encoded), each result a user message "Tool output for NAME tool call:".
    The call ids were drawn for the scenario (`s["ids"]`), so both channels and both files share them."""
    offered = profile.tools
    messages: list[dict[str, Any]] = [{"role": "system", "content": profile.system_message(channel, offered)},
                                      {"role": "user", "content": s["prompt"]}]
    for step, call_id in zip(s["steps"], s["ids"], strict=True):
        if channel == NATIVE:
            messages.append({"role": "assistant", "content": step["said"], "tool_calls": [
                {"id": call_id, "type": "function", "function": {"name": step["tool"],
                                                                 "arguments": step["arguments"]}}]})
            messages.append({"role": "tool", "tool_call_id": call_id, "name": step["tool"], "content": step["result"]})
        else:
            block = history_block(step["tool"], step["arguments"])
            messages.append({"role": "assistant", "content": f"{step['said'].rstrip()}\n{block}"})
            messages.append({"role": "user", "content": result_message(step["tool"], step["result"])})
    messages.append({"role": "assistant", "content": s["answer"]})
    meta: dict[str, Any] = {"kind": s["kind"], "tools": [step["tool"] for step in s["steps"]],
                            "language": s["language"], "framework": s["framework"], "channel": channel,
                            "tool_set": profile.tools_name}
    if s["name"]:
        meta["name"] = s["name"]
    if channel == NATIVE:
        return {"messages": messages, "tools": profile.native_tools(offered), "meta": meta}
    return {"messages": messages, "meta": meta}


def build_all(seed: int, directory: Path = SCENARIOS) -> dict[str, list[dict[str, Any]]]:
    """Both datasets, by tool set: each scenario (in the seed's order) once per channel, native first.
    The default set keeps the scenarios whose every call is one of a default session's tools."""
    rng = random.Random(seed)
    scenarios = load(directory, rng)
    rng.shuffle(scenarios)
    for s in scenarios:
        s["ids"] = [f"call_{rng.getrandbits(48):012x}" for _ in s["steps"]]
    out: dict[str, list[dict[str, Any]]] = {}
    for name in TOOL_SETS:
        profile = builtin(tools=name)
        fits = [s for s in scenarios if all(step["tool"] in profile.tools for step in s["steps"])]
        out[name] = [render(s, profile, channel) for s in fits for channel in CHANNELS]
    return out


def build(seed: int, directory: Path = SCENARIOS, tools: str = "default") -> list[dict[str, Any]]:
    """One dataset: `tools` is "default" or "experimental"."""
    return build_all(seed, directory)[tools]


def experimental_path(out: Path) -> Path:
    """Where the experimental variant of a dataset written to `out` goes: NAME_experimental.jsonl beside it."""
    return out.with_name(f"{out.stem}_experimental{out.suffix}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"the default dataset (default datasets/{DEFAULT_OUT.name}); the experimental "
                             "variant goes beside it, NAME_experimental.jsonl")
    parser.add_argument("--experimental-out", type=Path, default=None,
                        help="the experimental-tools variant (default: beside --out)")
    parser.add_argument("--scenarios", type=Path, default=SCENARIOS,
                        help="folder of the scenario files (default datasets/scenarios)")
    args = parser.parse_args(argv)
    try:
        datasets = build_all(args.seed, args.scenarios)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    paths = {"default": args.out, "experimental": args.experimental_out or experimental_path(args.out)}
    for name, path in paths.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            for e in datasets[name]:
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")
        print(f"wrote {len(datasets[name])} examples ({name} tools, both channels) to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
