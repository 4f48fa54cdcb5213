"""Mutations of valid suite files, for fuzzing the loader (tests/test_suite_faults.py and the
one-off run tests/tools/fuzz_suites.py): every mutant must load or raise SuiteError, nothing else."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml
from conftest import SMALL_SUITE

SUITES = Path(__file__).resolve().parent.parent / "suites"

# Valid suite texts to start from: the small fixture suite, a shipped suite that uses anchors and
# aliases, and a chain suite with custom tools and latency budgets.
CUSTOM = """\
suite: custom
defaults: {tags: [mcp], latency_budget: 1.5}
custom_tools:
  - name: jira_search
    description: Search Jira
    parameters: {type: object, properties: {jql: {type: string, pattern: '^[a-z ]+$'}}, required: [jql]}
cases:
  - id: jira
    messages:
      - {role: system, content: be terse}
      - {role: user, content: 'open bugs?'}
    tool: jira_search
    arguments: {jql: {regex: '^bug(s)?\\b'}}
    latency: true
  - id: chain
    prompt: find then read
    steps:
      - {tool: ls, arguments: {dirPath: {path: src}}, result: a.ts}
      - {tool: [read_file, read_file_range], arguments: {filepath: {glob: 'src/*.ts'}}, result: x}
"""


def base_texts() -> list[str]:
    return [SMALL_SUITE, CUSTOM, (SUITES / "editing.yaml").read_text()]


_SCALARS: list[Any] = [None, True, False, 0, -1, 5, 1.5, 10**30, float("nan"), float("inf"), float("-inf"), "",
                       "none", "python", "skip", "xfail", "a{4294967296}", "(" * 300 + ")" * 300, "[", "*x", "&x",
                       "2020-13-45", "1" * 5000, "ls", "read_file", "user", "\x00", "\u202e", "a b"]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.5:
        return rng.choice(_SCALARS) if rng.random() < 0.8 else rng.randbytes(rng.randint(0, 12)).decode("latin-1")
    if roll < 0.75:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(["id", "tool", "role", "tags", "regex", "x", 1, None]): random_value(rng, depth + 1)
            for _ in range(rng.randint(0, 3))}


def _nodes(data: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _nodes(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _nodes(v, (*path, i))
    return out


def _mutate_data(rng: random.Random, data: Any) -> Any:
    path = rng.choice(_nodes(data)[1:] or [()])
    if not path:
        return random_value(rng)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    kind = rng.choice(["replace", "replace", "delete", "nest"])
    if kind == "replace":
        parent[last] = random_value(rng)
    elif kind == "delete":
        del parent[last]
    else:
        value = parent[last]
        for _ in range(rng.choice([2, 60, 120, 250])):
            value = [value] if rng.random() < 0.5 else {"k": value}
        parent[last] = value
    return data


def _bomb(rng: random.Random) -> Any:
    """Billion laughs: lists holding the same list several times, which YAML writes as aliases."""
    width, levels = rng.choice([(10, 9), (4, 30), (2, 60)])
    bomb: Any = "lol"
    for _ in range(levels):
        bomb = [bomb] * width
    return bomb


def mutate(rng: random.Random, text: str) -> bytes:
    """One mutant of a valid suite text: structural edits re-dumped as YAML, or edits of the text."""
    kind = rng.choice(["data", "data", "data", "bytes", "bomb", "deep_text"])
    if kind in ("data", "bomb"):
        data = yaml.safe_load(text)
        for _ in range(rng.randint(0 if kind == "bomb" else 1, 3)):
            data = _mutate_data(rng, data)
        if kind == "bomb" and isinstance(data, dict):
            # in the file's description (free text, where nothing looks at it) and maybe in a case
            data["description"] = bomb = _bomb(rng)
            cases = [c for c in data.get("cases") or [] if isinstance(c, dict)] if isinstance(data.get("cases"), list) else []
            if cases and rng.random() < 0.7:
                rng.choice(cases)[rng.choice(["tags", "tool", "prompt", "arguments", "x"])] = bomb
        try:
            return yaml.dump(data, allow_unicode=rng.random() < 0.5, sort_keys=False).encode()
        except (yaml.YAMLError, RecursionError):
            return text.encode()
    raw = text.encode()
    at = rng.randint(0, len(raw))
    if kind == "bytes":
        return raw[:at] + rng.randbytes(rng.randint(1, 8)) + raw[at:]
    n = rng.choice([80, 500, 20000])
    opener, closer = rng.choice([("[", "]"), ("{a: ", "}")])
    return raw[:at] + (opener * n + closer * n).encode() + raw[at:]
