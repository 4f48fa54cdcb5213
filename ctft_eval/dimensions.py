"""The registry of scoring dimensions: each is declared once, and everything else loops over it.

A dimension says which cases it applies to, how it scores a case's replies, what its gate is and
what it counts, and whether its replies are timed one request at a time (after a warm-up, apart
from the shared fetch) instead of shared with the other dimensions.

The built-in dimensions are the modules named in BUILTIN, in table order; a third party adds one
with a module that defines a `Dimension` and an entry point in the group `ctft_eval.dimensions`
pointing at it (or, in a conftest.py, by calling `register`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ctft_eval.cases import Case
    from ctft_eval.reply import Reply
    from ctft_eval.scorers.outcome import Outcome

ENTRY_POINT_GROUP = "ctft_eval.dimensions"
BUILTIN = ("tool_selection", "json_validity", "arguments", "chain", "latency")
"""Modules of ctft_eval.scorers that each define DIMENSION."""


@dataclass(frozen=True)
class Dimension:
    name: str
    applies: Callable[[Case], bool]
    """Whether a case counts in this dimension (it then gets one test per backend and channel)."""
    score: Callable[[Case, list[Reply]], Outcome]
    gate: Literal["rate", "median"] = "rate"
    """rate: the pass rate must be at least the threshold; median: the median of the outcomes'
    values must be at most it (the gate is then named NAME_median)."""
    threshold: float | None = None
    """The gate's default threshold; None: no gate unless pyproject.toml sets one."""
    unit: str = ""
    """The unit of the outcomes' values (a median gate's unit)."""
    timed: bool = False
    """Its replies are asked one at a time after a warm-up, not taken from the shared fetch."""
    per_tool: bool = False
    """Shown per expected tool in the summary's tool table."""
    regression: bool = True
    """Gated by default when a run is compared with a baseline."""
    order: int = 0
    """Where its test comes among a case's tests (lower first; ties keep the registry's order)."""

    @property
    def gate_name(self) -> str:
        return self.name if self.gate == "rate" else f"{self.name}_{self.gate}"


_REGISTRY: dict[str, Dimension] = {}
_loaded = False


def register(dimension: Dimension) -> Dimension:
    """Add a dimension (or replace one of the same name)."""
    if not isinstance(dimension, Dimension):
        raise TypeError(f"not a Dimension: {dimension!r}")
    _REGISTRY[dimension.name] = dimension
    return dimension


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name in BUILTIN:
        register(importlib.import_module(f"ctft_eval.scorers.{name}").DIMENSION)
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry.load()
        register(getattr(loaded, "DIMENSION", loaded))


def registered() -> tuple[Dimension, ...]:
    _load()
    return tuple(_REGISTRY.values())


def names() -> tuple[str, ...]:
    return tuple(d.name for d in registered())


def get(name: str) -> Dimension:
    _load()
    return _REGISTRY[name]


def by_gate_name(name: str) -> Dimension | None:
    return next((d for d in registered() if d.gate_name == name), None)


def applicable(case: Case) -> tuple[str, ...]:
    """The dimensions a case counts in, in the order of its tests."""
    dims = [d for d in registered() if d.applies(case)]
    return tuple(d.name for d in sorted(dims, key=lambda d: d.order))
