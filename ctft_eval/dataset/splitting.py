"""Deterministic train/valid/test splits, written as mlx-lm reads them."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ctft_eval.dataset.expected import channel_of
from ctft_eval.dataset.stats import calls_of, kind_of


def scenario_of(example: dict[str, Any]) -> str:
    """What ties an example to its scenario: its first user message (the generator keeps prompts unique),
    the same on both channels."""
    for m in example.get("messages") or []:
        if isinstance(m, dict) and m.get("role") == "user":
            return str(m.get("content"))
    return ""


def split(examples: list[dict[str, Any]], seed: int = 2026, valid: float = 0.1, test: float = 0.1,
          min_size: int = 4) -> dict[str, list[dict[str, Any]]]:
    """Deterministic split, stratified by (channels, kind, first tool), that keeps a scenario's renderings
    together: the examples of one scenario (its native and continue forms) form one unit, so a split
    never trains on one channel's form of a prompt it tests on the other's, and every split holds the
    channels in the dataset's proportion. Each stratum of units is shuffled with the seed and dealt out in
    proportion; every split gets at least `min_size` examples (mlx-lm's batch size)."""
    units: dict[str, list[dict[str, Any]]] = {}
    for e in examples:
        units.setdefault(scenario_of(e), []).append(e)
    strata: dict[tuple[tuple[str, ...], str, str], list[list[dict[str, Any]]]] = defaultdict(list)
    for unit in units.values():
        calls = calls_of(unit[0])
        channels = tuple(sorted({channel_of(e) for e in unit}))
        strata[(channels, kind_of(unit[0]), calls[0] if calls else "-")].append(unit)
    rng = random.Random(seed)
    out: dict[str, list[list[dict[str, Any]]]] = {"train": [], "valid": [], "test": []}
    carry = {"valid": 0.0, "test": 0.0}
    for key in sorted(strata):
        group = strata[key]
        rng.shuffle(group)
        for name, share in (("valid", valid), ("test", test)):
            carry[name] += len(group) * share
            take = int(carry[name])
            carry[name] -= take
            out[name] += group[:take]
            group = group[take:]
        out["train"] += group

    def size(name: str) -> int:
        return sum(len(unit) for unit in out[name])

    for name in ("valid", "test"):
        while size(name) < min_size and len(out["train"]) > 1 and size("train") - len(out["train"][-1]) >= min_size:
            out[name].append(out["train"].pop())
    parts = {name: [e for unit in part for e in unit] for name, part in out.items()}
    if any(len(v) < min_size for v in parts.values()):
        raise ValueError(f"too few examples for three splits of at least {min_size}")
    return parts


def clean(example: dict[str, Any]) -> dict[str, Any]:
    """An example as mlx-lm reads it: messages, and tools where the example sends them (native channel)."""
    out = {"messages": example["messages"]}
    if "tools" in example:
        out["tools"] = example["tools"]
    return out


def write_jsonl(path: Path, examples: Iterable[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for e in examples:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
