"""Deterministic train/valid/test splits, written as mlx-lm reads them."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ctft_eval.dataset.stats import calls_of, kind_of


def split(examples: list[dict[str, Any]], seed: int = 2026, valid: float = 0.1, test: float = 0.1,
          min_size: int = 4) -> dict[str, list[dict[str, Any]]]:
    """Deterministic split, stratified by (kind, first tool): each stratum is shuffled with the seed
    and dealt out in proportion; every split gets at least `min_size` examples (mlx-lm's batch size)."""
    strata: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in examples:
        calls = calls_of(e)
        strata[(kind_of(e), calls[0] if calls else "-")].append(e)
    rng = random.Random(seed)
    out: dict[str, list[dict[str, Any]]] = {"train": [], "valid": [], "test": []}
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
    for name in ("valid", "test"):
        while len(out[name]) < min_size and len(out["train"]) > min_size:
            out[name].append(out["train"].pop())
    if any(len(v) < min_size for v in out.values()):
        raise ValueError(f"too few examples for three splits of at least {min_size}")
    return out


def clean(example: dict[str, Any]) -> dict[str, Any]:
    """An example as mlx-lm reads it: messages and tools only."""
    return {"messages": example["messages"], "tools": example["tools"]}


def write_jsonl(path: Path, examples: Iterable[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for e in examples:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")
