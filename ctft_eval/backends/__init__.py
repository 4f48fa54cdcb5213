"""Backends: one small interface, chosen by a spec string KIND:MODEL[@URL].

A backend has
  preflight(channels) -> dict   checks once, before any test, that the model is there and usable,
                                and returns the model's identity as the server reports it;
                                raises BackendUnavailable with one clear message otherwise;
  chat(messages, tools, settings) -> Reply
                                one request; a failed request is a Reply with `error`, never a raise.

Messages use one neutral shape that each backend turns into its wire format:
  {"role": "system"|"user", "content": str}
  {"role": "assistant", "content": str, "tool_calls": [{"id": str, "name": str, "arguments": dict}]}
  {"role": "tool", "content": str, "tool_name": str, "tool_call_id": str}
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ctft_eval.models import DEFAULT_MODEL
from ctft_eval.reply import Reply
from ctft_eval.settings import Settings

KINDS = {
    "ollama": "ctft_eval.backends.ollama:OllamaBackend",
    "openai": "ctft_eval.backends.openai:OpenAIBackend",
    "llamacpp": "ctft_eval.backends.llamacpp:LlamaCppBackend",
    "replay": "ctft_eval.backends.replay:ReplayBackend",
}
DEFAULT_MODELS = {"llamacpp": DEFAULT_MODEL}  # a kind that runs its own model may omit it


class BackendUnavailable(RuntimeError):
    """The backend cannot run this evaluation at all (unknown kind, unreachable, model missing)."""


@dataclass(frozen=True)
class BackendSpec:
    kind: str
    model: str
    url: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}:{self.model}" + (f"@{self.url}" if self.url else "")

    @property
    def label(self) -> str:
        """Short name used in test ids."""
        return f"{self.kind}:{self.model}"


def parse_spec(text: str) -> BackendSpec:
    kind, _, rest = text.partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise BackendUnavailable(
            f"unknown backend kind {kind!r} in --backend={text!r}; known kinds: {', '.join(KINDS)} "
            "(write KIND:MODEL[@URL], e.g. ollama:continue-assistant)"
        )
    model, _, url = rest.partition("@")
    if not model.strip() and kind in DEFAULT_MODELS:
        model = DEFAULT_MODELS[kind]
    if not model.strip():
        raise BackendUnavailable(f"--backend={text!r} names no model; write {kind}:MODEL[@URL]")
    return BackendSpec(kind, model.strip(), url.strip() or None)


class Backend(Protocol):
    """What the plugin needs of a backend. One that sets `serves_one_at_a_time = True` (a single
    in-process model) is sent one request at a time, whatever --ctft-concurrency says."""

    spec: BackendSpec

    def preflight(self, channels: tuple[str, ...]) -> dict[str, Any]: ...

    def chat(self, messages: list[dict], tools: list[dict] | None, settings: Settings) -> Reply: ...

    def close(self) -> None: ...


def make_backend(spec: BackendSpec, settings: Settings, options: dict[str, Any]) -> Backend:
    module_name, _, class_name = KINDS[spec.kind].partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(spec, settings, options)


def with_retries(
    attempt: Callable[[], Reply], retryable: Callable[[Reply], bool], retries: int, backoff: float = 0.5
) -> Reply:
    """Run one request, again after a pause while the failure is retryable (bounded)."""
    reply = attempt()
    tries = 1
    while reply.error and retryable(reply) and tries <= retries:
        time.sleep(backoff * 2 ** (tries - 1))
        reply = attempt()
        tries += 1
    reply.attempts = tries
    return reply
