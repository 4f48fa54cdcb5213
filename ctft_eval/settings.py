"""Evaluation settings and gate thresholds, from `[tool.ctft_eval]` in pyproject.toml."""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_GATES: dict[str, float] = {
    "tool_selection": 0.95,
    "json_validity": 0.99,
    "arguments": 0.90,
    "latency_median": 2.0,
}
GATE_KEYS = ("tool_selection", "json_validity", "arguments", "chain", "latency_median")


class SettingsError(ValueError):
    pass


@dataclass
class Settings:
    """Sampling and request settings, sent explicitly with every request."""

    temperature: float = 0.0
    seed: int = 42
    num_ctx: int = 8192
    max_tokens: int = 512
    timeout: float = 120.0
    concurrency: int = 4
    latency_budget: float = 2.0
    retries: int = 2
    keep_alive: str = "30m"
    gates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_GATES))

    def request_settings(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("gates")
        return data


def load_settings(pyproject: Path | None) -> Settings:
    """Settings from a pyproject.toml's [tool.ctft_eval] table; defaults where it is silent."""
    table: dict[str, Any] = {}
    if pyproject is not None and pyproject.is_file():
        try:
            with pyproject.open("rb") as fh:
                table = tomllib.load(fh).get("tool", {}).get("ctft_eval", {})
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{pyproject}: not valid TOML: {exc}") from None
    settings = Settings()
    known = {f.name: f for f in fields(Settings) if f.name != "gates"}
    for key, value in table.items():
        if key in ("gates", "regression"):
            continue
        if key not in known:
            raise SettingsError(f"{pyproject}: unknown key [tool.ctft_eval].{key}; known: {', '.join(known)}")
        expected = type(getattr(settings, key))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool):
            raise SettingsError(f"{pyproject}: [tool.ctft_eval].{key} must be a {expected.__name__}")
        setattr(settings, key, value)
    gates = table.get("gates", {})
    if not isinstance(gates, dict):
        raise SettingsError(f"{pyproject}: [tool.ctft_eval.gates] must be a table")
    for key, value in gates.items():
        if key not in GATE_KEYS:
            raise SettingsError(f"{pyproject}: unknown gate {key!r}; known: {', '.join(GATE_KEYS)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingsError(f"{pyproject}: gate {key} must be a number")
        settings.gates[key] = float(value)
    if settings.concurrency < 1:
        raise SettingsError(f"{pyproject}: concurrency must be at least 1")
    return settings
