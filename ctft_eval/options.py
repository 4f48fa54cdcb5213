"""The plugin's command-line options as plain values, and the checks that need no settings.

ctft_eval.plugin reads them from pytest; ctft_eval.session builds a run from them. A value a user
must fix raises ConfigError, which the plugin turns into a usage error naming the option.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ConfigError(ValueError):
    """Options or settings that make the run impossible; one message says what to fix."""


@dataclass
class Options:
    """The plugin's command-line options, as plain values."""

    backends: list[str] = field(default_factory=list)
    channel: str = "native"
    concurrency: int | None = None
    overrides: list[str] = field(default_factory=list)
    strict: bool = False
    record: str | None = None
    baselines: list[str] = field(default_factory=list)
    repeat: int = 1
    ollama_host: str | None = None
    schema: str | None = None
    provider: str = "ollama"
    tools: str = "default"
    profile: str | None = None
    continue_behaviour: str | None = None
    """Which Continue the requests stand for (ctft_eval.profile.BEHAVIOURS); None: released, or what a
    captured profile shows."""
    sample: int | None = None
    """--ctft-sample N: ask a stratified sample of N cases (ctft_eval.sample); None: every case."""
    cache: str = "auto"
    """--ctft-cache: auto, on, off or refresh (ctft_eval.cached_source)."""


def check(opts: Options) -> None:
    """The options' own bounds (ConfigError naming the option)."""
    if opts.concurrency is not None and opts.concurrency < 1:
        raise ConfigError("--ctft-concurrency must be at least 1")
    if opts.sample is not None and opts.sample < 1:
        raise ConfigError(f"--ctft-sample must be at least 1 (the number of cases to ask), got {opts.sample}")
    if opts.repeat < 1:
        raise ConfigError("--ctft-repeat must be at least 1")
