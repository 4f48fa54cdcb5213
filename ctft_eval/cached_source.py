"""A reply source that answers from the reply cache (ctft_eval.reply_cache) before asking a model.

`CachedSource` wraps a LiveSource. Its mode is --ctft-cache:

  auto     (the default) on where the model's weights are identified (ctft_eval.cache_key.model_part),
           else off, with the reason in the summary;
  on       on, also for a model whose weights are not identified (its name and server stand for them);
  off      never read nor written;
  refresh  every request asked anew and its replies stored over the old ones.

What it caches is a whole `replies(case, channel, attempt)` result: a single reply, or a chain's
replies step by step, keyed by the case's first request, its canned results and everything else
that decides the replies (ctft_eval.cache_key). A timed request (the latency dimension) is never
cached, nor a result with a failed, cancelled or interrupted reply: only replies a model completed
are stored, each as soon as it arrives, so an interrupted run's replies are there for the next.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from ctft_eval import redact
from ctft_eval.backends import ModelIdentity
from ctft_eval.cache_key import code_part, model_part, reply_key
from ctft_eval.cases import Case
from ctft_eval.reply import Reply
from ctft_eval.reply_cache import ReplyCache, cache_folder
from ctft_eval.sources import LiveSource, NotRecorded, ReplySource

MODES = ("auto", "on", "off", "refresh")


@dataclass
class CacheUse:
    """How one backend used the cache in a run (kept in the record's plan as `cache`)."""

    mode: str
    used: bool = False
    why_off: str | None = None
    from_cache: int = 0
    """Replies answered from the cache (a chain counts each step)."""
    asked: int = 0
    """Untimed replies asked of the model."""
    stored: int = 0
    """Replies stored in the cache (asked ones a model completed)."""

    notes: tuple[str, ...] = ()
    """What went wrong with the cache (a file set aside, an entry that did not decode), each once."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mode": self.mode, "used": self.used, "why_off": self.why_off,
                               "from_cache": self.from_cache, "asked": self.asked, "stored": self.stored}
        if self.notes:
            out["notes"] = list(self.notes)
        return out


class CachedSource:
    """A LiveSource behind the reply cache; the ReplySource interface, delegated where not cached."""

    live = True

    def __init__(self, inner: LiveSource, mode: str = "auto", cache: ReplyCache | None = None):
        if mode not in MODES:
            raise ValueError(f"unknown reply cache mode {mode!r}; known: {', '.join(MODES)}")
        self.inner, self.spec = inner, inner.spec
        self.use = CacheUse(mode)
        self.cache = cache
        self.notes: list[str] = []
        self._model: dict[str, Any] = {}
        self._code: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def max_concurrency(self) -> int | None:
        return self.inner.max_concurrency

    def open(self, channels: tuple[str, ...]) -> ModelIdentity:
        identity = self.inner.open(channels)
        self._model, why = model_part(self.spec, identity)
        mode = self.use.mode
        if mode == "off":
            self.use.why_off = "--ctft-cache off"
        elif why is not None and mode == "auto":
            self.use.why_off = f"{why} (--ctft-cache on caches it anyway)"
        else:
            self.cache = self.cache or ReplyCache.open()
            self.notes += self.cache.notes
            self.use.used = self.cache.usable
            if not self.cache.usable:
                self.use.why_off = "the cache cannot be used"
            self._code = code_part(self.inner.backend)
        return identity

    def replies(self, case: Case, channel: str, attempt: int, timed: bool = False) -> list[Reply] | NotRecorded:
        if timed or not self.use.used or self.cache is None:
            found = self.inner.replies(case, channel, attempt, timed)
            if not timed:
                self._count(asked=_count(found))
            return found
        try:
            key: str | None = reply_key(self._model, self._code, self.inner.settings.request_settings(), case,
                                        channel, self.inner.profile, attempt)
        except (TypeError, ValueError) as exc:  # a case whose request JSON cannot hold: asked, not cached
            self._note(f"case {case.id!r} is not cached: its request cannot be keyed ({exc})")
            key = None
        if key is not None and self.use.mode != "refresh":
            cached = self.cache.get(key)
            if cached is not None:
                self._count(from_cache=len(cached))
                return cached
        found = self.inner.replies(case, channel, attempt, timed)
        stored = 0
        if key is not None and isinstance(found, list) and storable(found):
            for reply in found:
                redact.redact_reply(reply)  # (what the session does to every reply, before it is kept)
            stored = len(found) if self.cache.put(key, found, f"{self.spec.label}|{channel}|{case.id}") else 0
        self._count(asked=_count(found), stored=stored)
        return found

    def _count(self, from_cache: int = 0, asked: int = 0, stored: int = 0) -> None:
        with self._lock:
            self.use.from_cache += from_cache
            self.use.asked += asked
            self.use.stored += stored

    def _note(self, text: str) -> None:
        with self._lock:
            if text not in self.notes:
                self.notes.append(text)

    def all_notes(self) -> list[str]:
        """What went wrong with the cache in this run (each once)."""
        later = self.cache.notes if self.cache is not None else []
        return list(dict.fromkeys([*self.notes, *later]))

    def close(self) -> None:
        self.inner.close()
        if self.cache is not None:
            self.cache.close()


def storable(replies: list[Reply]) -> bool:
    """Whether a result may be cached: at least one reply, and every one completed by the model (no
    failed, timed-out, cancelled or interrupted request, which asking again may answer)."""
    return bool(replies) and all(r.error is None and r.error_kind is None for r in replies)


def _count(found: list[Reply] | NotRecorded) -> int:
    return len(found) if isinstance(found, list) else 0


def cache_opened(source: ReplySource) -> list[str]:
    """The lines a run says once a source is open: whether its replies are cached, and any trouble."""
    if not isinstance(source, CachedSource):
        return []
    use, label = source.use, source.spec.label
    if use.used:
        what = "asked anew and stored (refresh)" if use.mode == "refresh" else "answered from the cache where stored"
        lines = [f"ctft-eval: replies of {label} {what}; the reply cache is in {cache_folder()}"]
    else:
        lines = [f"ctft-eval: reply cache off for {label}: {use.why_off}"]
    return lines + [f"ctft-eval: {note}" for note in source.all_notes()]


def cache_uses(sources: dict[str, ReplySource]) -> dict[str, dict[str, Any]]:
    """Per backend label, how its source used the cache (for the record's plan)."""
    out = {}
    for label, source in sources.items():
        if isinstance(source, CachedSource):
            source.use.notes = tuple(source.all_notes())
            out[label] = source.use.to_json()
    return out
