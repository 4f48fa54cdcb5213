"""Modelfile.continue-assistant, rendered from training/Modelfile.template.

FROM      the GGUF this pipeline wrote (or the fused safetensors directory, which Ollama converts itself)
TEMPLATE  the family's tools-aware Go template (training/templates.py): it references .Tools and
          .ToolCalls, which is what gives the model Ollama's `tools` capability
PARAMETER the sampling settings of the config (num_ctx, temperature, top_p, repeat_penalty, ...) and the
          family's stop strings
SYSTEM    the agent-mode system message Continue sends on the native channel with a default session's
          tools (ctft_eval.profile). In agent mode Continue sends its own system message with every request,
          and on Ollama that REPLACES the Modelfile's SYSTEM: this SYSTEM is what the model sees only outside
          Continue (`ollama run`, other clients), and it is the text the model was fine-tuned under.
"""

from __future__ import annotations

import os
from pathlib import Path
from string import Template
from typing import Any

from ctft_eval.channels import NATIVE
from ctft_eval.profile import DEFAULT_TOOLS, builtin
from training.config import Config, ConfigError
from training.templates import family

TEMPLATE_FILE = Path(__file__).with_name("Modelfile.template")

# Ollama's option names (api.Options and api.Runner) and the type each value must have.
PARAMETER_TYPES: dict[str, type] = {
    "num_keep": int, "seed": int, "num_predict": int, "top_k": int, "top_p": float, "min_p": float,
    "typical_p": float, "repeat_last_n": int, "temperature": float, "repeat_penalty": float,
    "presence_penalty": float, "frequency_penalty": float, "stop": str,
    "num_ctx": int, "num_batch": int, "num_gpu": int, "main_gpu": int, "use_mmap": bool, "num_thread": int,
}


def system_message() -> str:
    """The Modelfile's SYSTEM: Continue's agent-mode system message for the native channel and the
    default tools, the one the native half of the dataset is rendered with."""
    return builtin().system_message(NATIVE, DEFAULT_TOOLS)


def _format_value(name: str, value: Any) -> str:
    kind = PARAMETER_TYPES.get(name)
    if kind is None:
        raise ConfigError(f"modelfile.parameters: {name!r} is not an Ollama parameter "
                          f"(known: {', '.join(sorted(PARAMETER_TYPES))})")
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"modelfile.parameters.{name} must be true or false")
        return "true" if value else "false"
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"modelfile.parameters.{name} must be an integer, got {value!r}")
        return str(value)
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"modelfile.parameters.{name} must be a number, got {value!r}")
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    if '"' in text or "\n" in text:
        raise ConfigError(f"modelfile.parameters.{name}: {text!r} may not hold a double quote or a newline")
    return f'"{text}"'


def parameter_lines(cfg: Config) -> list[str]:
    lines = []
    extra_stops: list[str] = []
    for name, value in cfg.parameters.items():
        if value is None:  # `name: null` in the config drops a default
            continue
        if name == "stop":
            extra_stops = [value] if isinstance(value, str) else list(value)
            continue
        lines.append(f"PARAMETER {name} {_format_value(name, value)}")
    for stop in dict.fromkeys([*family(cfg.family).stops, *extra_stops]):
        lines.append(f"PARAMETER stop {_format_value('stop', stop)}")
    return lines


def _block(label: str, text: str) -> str:
    if '"""' in text:
        raise ConfigError(f"the {label} holds a triple quote, which a Modelfile block cannot contain")
    return text


def from_target(cfg: Config) -> Path:
    return cfg.final_gguf if cfg.modelfile_from == "gguf" else cfg.fused_dir


def render(cfg: Config) -> str:
    target = from_target(cfg)
    relative = os.path.relpath(target.resolve(), cfg.modelfile_path.parent.resolve())
    source = relative if os.path.isabs(relative) else f"./{relative}"
    if any(c.isspace() for c in source):
        source = f'"{source}"'
    text = Template(TEMPLATE_FILE.read_text(encoding="utf-8")).substitute(
        name=cfg.ollama_name,
        base=cfg.base_gguf or cfg.model,
        family=cfg.family,
        config=cfg.path.as_posix(),
        modelfile=cfg.modelfile_path.name,
        source=source,
        template=_block("TEMPLATE", family(cfg.family).go_template),
        parameters="\n".join(parameter_lines(cfg)),
        system=_block("system message", system_message()),
    )
    return text


def write(cfg: Config) -> Path:
    cfg.modelfile_path.parent.mkdir(parents=True, exist_ok=True)
    cfg.modelfile_path.write_text(render(cfg), encoding="utf-8")
    return cfg.modelfile_path
