"""Evaluation settings and gate thresholds, from `[tool.ctft_eval]` in pyproject.toml."""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ctft_eval import dimensions
from ctft_eval.reply import MAX_JSON_DEPTH
from ctft_eval.scorers.judging import SCHEMAS


def default_gates() -> dict[str, float]:
    """Each registered dimension's gate with its default threshold (those without one have no gate)."""
    return {d.gate_name: d.threshold for d in dimensions.registered() if d.threshold is not None}


def gate_keys() -> tuple[str, ...]:
    """The gates [tool.ctft_eval.gates] may set: one per registered dimension."""
    return tuple(d.gate_name for d in dimensions.registered())


def default_regression() -> dict[str, Any]:
    return {
        "alpha": 0.05,  # a drop with an exact McNemar p below this fails
        "max_drop_points": 5.0,  # a drop of more than this many percentage points fails
        "dimensions": [d.name for d in dimensions.registered() if d.regression],
    }


def __getattr__(name: str) -> Any:
    """DEFAULT_GATES, DEFAULT_REGRESSION and GATE_KEYS, read from the registry when asked for."""
    lazy = {"DEFAULT_GATES": default_gates, "DEFAULT_REGRESSION": default_regression, "GATE_KEYS": gate_keys}
    if name in lazy:
        return lazy[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


TRANSPORT_LIMITS = ("retry_max_wait", "retry_budget", "max_reply_bytes", "max_json_depth")
"""Settings that bound the transport, not the sampling: records without them compare as equal."""


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
    """Seconds one request may take, all of it: connect, headers, body, stream (a deadline, not per read)."""
    concurrency: int = 4
    latency_budget: float = 2.0
    retries: int = 2
    """More attempts after a 429, a 5xx or a connection failure (ctft_eval.backends.retry)."""
    retry_max_wait: float = 30.0
    """The longest wait before a retry; a server's Retry-After beyond it is not waited for (no retry)."""
    retry_budget: float = 300.0
    """Seconds from a request's first attempt after which no further attempt starts."""
    max_reply_bytes: int = 8 * 1024 * 1024
    """A reply larger than this is not read (too_large)."""
    max_json_depth: int = MAX_JSON_DEPTH
    """JSON nested deeper is not read: a reply's envelope (too_deep), or a call's argument text (invalid)."""
    keep_alive: str = "30m"
    threads: int = 0
    """CPU threads of an in-process model (the llamacpp backend), for generation and prompt evaluation
    alike; 0: half the cores this process may use (at least one)."""
    schema: str = "continue"
    """How arguments are judged: continue (as Continue's tools receive them) or strict (JSON schema)."""
    gates: dict[str, float] = field(default_factory=default_gates)
    regression: dict[str, Any] = field(default_factory=default_regression)

    def override(self, assignment: str) -> None:
        """Set one setting from KEY=VALUE text, converted to the setting's type."""
        key, sep, text = assignment.partition("=")
        key = key.strip()
        known = [f.name for f in fields(self) if f.name not in ("gates", "regression")]
        if not sep or key not in known:
            raise SettingsError(f"write KEY=VALUE with KEY one of {', '.join(known)}")
        kind = type(getattr(self, key))
        try:
            setattr(self, key, kind(text.strip()))
        except ValueError:
            raise SettingsError(f"{key} must be a {kind.__name__}, got {text!r}") from None
        self.check()

    def check(self) -> None:
        """Values that are of the right type but make no sense."""
        if self.schema not in SCHEMAS:
            raise SettingsError(f"schema must be one of {', '.join(SCHEMAS)}, got {self.schema!r}")
        if not 2 <= self.max_json_depth <= 500:  # the clients' JSON decoders recurse (Python's limit: ~1000)
            raise SettingsError(f"max_json_depth must be between 2 and 500, got {self.max_json_depth}")
        if self.max_reply_bytes < 1024:
            raise SettingsError(f"max_reply_bytes must be at least 1024, got {self.max_reply_bytes}")
        for key in ("timeout", "retry_max_wait", "retry_budget"):
            if not getattr(self, key) >= 0:
                raise SettingsError(f"{key} must be a number of seconds, at least 0, got {getattr(self, key)}")
        if self.retries < 0:
            raise SettingsError(f"retries must be at least 0, got {self.retries}")

    def request_settings(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("gates")
        data.pop("regression")
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
    known = {f.name: f for f in fields(Settings) if f.name not in ("gates", "regression")}
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
    known_gates = gate_keys()
    for key, value in gates.items():
        if key not in known_gates:
            raise SettingsError(f"{pyproject}: unknown gate {key!r}; known: {', '.join(known_gates)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingsError(f"{pyproject}: gate {key} must be a number")
        settings.gates[key] = float(value)
    regression = table.get("regression", {})
    if not isinstance(regression, dict):
        raise SettingsError(f"{pyproject}: [tool.ctft_eval.regression] must be a table")
    rate_dimensions = tuple(d.name for d in dimensions.registered())
    for key, value in regression.items():
        if key not in settings.regression:
            raise SettingsError(f"{pyproject}: unknown key [tool.ctft_eval.regression].{key}; "
                                f"known: {', '.join(settings.regression)}")
        if key == "dimensions":
            if not isinstance(value, list) or not all(v in rate_dimensions for v in value):
                raise SettingsError(f"{pyproject}: regression.dimensions lists dimensions of {rate_dimensions}")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingsError(f"{pyproject}: regression.{key} must be a number")
        settings.regression[key] = value
    if settings.concurrency < 1:
        raise SettingsError(f"{pyproject}: concurrency must be at least 1")
    try:
        settings.check()
    except SettingsError as exc:
        raise SettingsError(f"{pyproject}: {exc}") from None
    return settings
