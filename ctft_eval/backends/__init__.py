"""Backends: one small interface, chosen by a spec string KIND:MODEL[@URL].

A backend kind is a class registered under the entry-point group `ctft_eval.backends` (the built-in
ones in this package's pyproject.toml; a third party adds a kind with a package of its own). The
class is called as `cls(spec, settings, options)` and provides:

  preflight(channels) -> ModelIdentity
                        checks once, before any test, that the model is there and usable, and says
                        which model it is; raises BackendUnavailable with one clear message otherwise;
  chat(messages, tools, settings, **options) -> Reply
                        one request; a failed request is a Reply with `error`, never a raise;
                        options: parallel_tool_calls (sent with tools by the openai provider;
                        a backend that has no such field ignores it);
  close()               releases what preflight opened;
  max_concurrency       requests it can serve at once (None: as many as the settings allow; 1 for a
                        single in-process model, which the fetch then sends one at a time);
  default_model         (class attribute, optional) the model a spec without one means.

Messages use one neutral shape that each backend turns into its wire format:
  {"role": "system"|"user", "content": str}
  {"role": "assistant", "content": str, "tool_calls": [{"id": str, "name": str, "arguments": dict}]}
  {"role": "tool", "content": str, "tool_call_id": str}      (conversation.feed_back writes these)

The HTTP backends (ollama, openai) send every request through one guarded path: the retry policy
(ctft_eval.backends.retry), under a budget that bounds time, size, bytes and depth
(ctft_eval.backends.guard); whatever a server sends becomes a Reply with a named failure
(ctft_eval.backends.failures).

The kind `replay` is not a backend: `replay:RECORD.json` names a reply source (ctft_eval.sources).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from typing import Any, Protocol

from ctft_eval.reply import Reply
from ctft_eval.settings import Settings

ENTRY_POINT_GROUP = "ctft_eval.backends"
REPLAY_KIND = "replay"


class BackendUnavailable(RuntimeError):
    """The backend cannot run this evaluation at all (unknown kind, unreachable, model missing)."""


@dataclass(frozen=True)
class BackendSpec:
    kind: str
    model: str
    url: str | None = None

    def __str__(self) -> str:
        """For display: credentials in the URL masked (ctft_eval.redact); `url` keeps them."""
        from ctft_eval.redact import redact

        return redact(f"{self.kind}:{self.model}" + (f"@{self.url}" if self.url else ""))

    @property
    def label(self) -> str:
        """Short name used in test ids."""
        return f"{self.kind}:{self.model}"


@dataclass(frozen=True)
class ModelIdentity:
    """Which model answered: what a run's fingerprint compares, plus everything the backend reported."""

    spec: str
    digest: str | None = None
    """The model's digest (Ollama) or the model file's sha256."""
    quantization: str | None = None
    template: str | None = None
    """sha256 of the chat template the model is prompted with."""
    details: dict[str, Any] = field(default_factory=dict)
    """What the backend reported about the model, as it reported it."""

    def fingerprint(self) -> dict[str, Any]:
        out = {"spec": self.spec, "digest": self.digest, "quantization": self.quantization, "template": self.template}
        return {k: v for k, v in out.items() if v is not None}

    def to_json(self) -> dict[str, Any]:
        return {"spec": self.spec, "digest": self.digest, "quantization": self.quantization,
                "template": self.template, "details": self.details}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelIdentity:
        return cls(str(data["spec"]), data.get("digest"), data.get("quantization"), data.get("template"),
                   dict(data.get("details") or {}))


class Backend(Protocol):
    spec: BackendSpec
    max_concurrency: int | None

    def preflight(self, channels: tuple[str, ...]) -> ModelIdentity: ...

    def chat(self, messages: list[dict], tools: list[dict] | None, settings: Settings, **options: Any) -> Reply: ...

    def close(self) -> None: ...


@cache
def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def backend_kinds() -> list[str]:
    """Every kind a spec may name: the registered backends, then replay."""
    return [*_entry_points(), REPLAY_KIND]


def backend_class(kind: str) -> type:
    entry = _entry_points().get(kind)
    if entry is None:
        raise BackendUnavailable(f"unknown backend kind {kind!r}; known kinds: {', '.join(backend_kinds())}")
    try:
        return entry.load()
    except (ImportError, AttributeError) as exc:
        raise BackendUnavailable(f"backend kind {kind!r} ({entry.value}) cannot be loaded: {exc}") from None


def parse_spec(text: str) -> BackendSpec:
    kind, _, rest = text.partition(":")
    kind = kind.strip().lower()
    if kind not in backend_kinds():
        known = ", ".join(backend_kinds()) or "none (is ctft-eval installed? pip install -e .)"
        raise BackendUnavailable(
            f"unknown backend kind {kind!r} in --backend={text!r}; known kinds: {known} "
            "(write KIND:MODEL[@URL], e.g. ollama:continue-assistant)"
        )
    model, _, url = rest.partition("@")
    if not model.strip() and kind != REPLAY_KIND:
        model = getattr(backend_class(kind), "default_model", None) or ""
    if not model.strip():
        raise BackendUnavailable(f"--backend={text!r} names no model; write {kind}:MODEL[@URL]")
    return BackendSpec(kind, model.strip(), url.strip() or None)


def make_backend(spec: BackendSpec, settings: Settings, options: dict[str, Any]) -> Backend:
    return backend_class(spec.kind)(spec, settings, options)

