"""Reply sources: where a case's replies come from, behind one interface.

A source answers "the replies of this case on this channel, attempt k" (`replies`), optionally
timed alone (`timed=True`, for the timed dimensions), or says it has none (`NotRecorded`, which
is scored as a missing case, never as passed). Two sources exist:

  LiveSource    asks a backend (ctft_eval.backends): one request, or a chain step by step;
  ReplaySource  `replay:RECORD.json[@BACKEND]`: the replies of a recorded run, re-read with
                today's parser (native calls kept as recorded, calls written in text parsed again).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from ctft_eval import record as run_record
from ctft_eval.backends import REPLAY_KIND, Backend, BackendSpec, BackendUnavailable, ModelIdentity, make_backend
from ctft_eval.cases import Case
from ctft_eval.chains.live import ask_live
from ctft_eval.conversation import ask
from ctft_eval.parsing import calls_for_channel
from ctft_eval.profile import Profile, builtin
from ctft_eval.reply import STRUCTURED, Reply
from ctft_eval.settings import Settings


@dataclass(frozen=True)
class NotRecorded:
    """The source has no replies for this case, channel and attempt."""

    reason: str


class ReplySource(Protocol):
    spec: BackendSpec
    live: bool
    """Whether it asks a model now (then a warm-up precedes timed requests)."""
    max_concurrency: int | None

    def open(self, channels: tuple[str, ...]) -> ModelIdentity: ...

    def replies(self, case: Case, channel: str, attempt: int, timed: bool = False) -> list[Reply] | NotRecorded: ...

    def close(self) -> None: ...


class LiveSource:
    live = True

    def __init__(self, spec: BackendSpec, settings: Settings, options: dict[str, Any], profile: Profile | None = None):
        self.spec, self.settings, self.options = spec, settings, options
        self.profile = profile or builtin()
        self.backend: Backend | None = None

    @property
    def max_concurrency(self) -> int | None:
        return getattr(self.backend, "max_concurrency", None)

    def open(self, channels: tuple[str, ...]) -> ModelIdentity:
        self.backend = make_backend(self.spec, self.settings, self.options)
        return self.backend.preflight(channels)

    def replies(self, case: Case, channel: str, attempt: int, timed: bool = False) -> list[Reply] | NotRecorded:
        if self.backend is None:
            return NotRecorded(f"backend {self.spec} was not prepared")
        if case.live:
            return ask_live(self.backend, case, channel, self.settings, self.profile)
        return ask(self.backend, case, channel, self.settings, self.profile)

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
            self.backend = None


class ReplaySource:
    live = False
    max_concurrency: int | None = None

    def __init__(self, spec: BackendSpec, settings: Settings, options: dict[str, Any]):
        self.spec = spec
        self.path = Path(spec.model)
        self.repeat = int(options.get("repeat", 1))
        self.entries: dict[tuple[str, str], run_record.Entry] = {}

    def open(self, channels: tuple[str, ...]) -> ModelIdentity:
        try:
            record = run_record.read(self.path)
        except run_record.RecordError as exc:
            raise BackendUnavailable(f"cannot replay {exc}") from None  # (it names the file)
        recorded = list(record.backends)
        if not recorded:
            raise BackendUnavailable(f"{self.path} records no backend to replay")
        label = self.spec.url or recorded[0]
        if label not in recorded:
            raise BackendUnavailable(f"{self.path} has no backend {label!r}; it has: {', '.join(recorded)}")
        if self.repeat > max(1, record.repeat):
            raise BackendUnavailable(f"{self.path} holds {record.repeat} attempt(s) per case; "
                                     f"--ctft-repeat {self.repeat} asks for more than were recorded")
        self.entries = {(e.case, e.channel): e for e in record.results if e.backend == label}
        identity = record.backends[label]
        details = {**identity.details, "replayed_from": str(self.path), "recorded_backend": label,
                   "recorded_settings": record.settings_used(label)}
        return ModelIdentity(identity.spec, identity.digest, identity.quantization, identity.template, details)

    def replies(self, case: Case, channel: str, attempt: int, timed: bool = False) -> list[Reply] | NotRecorded:
        entry = self.entries.get((case.id, channel))
        raw: list[Reply] = []
        if entry is not None:
            if timed:
                raw = entry.timed_replies
            elif attempt == 0:
                raw = entry.replies
            elif attempt - 1 < len(entry.repeats):
                raw = entry.repeats[attempt - 1]
        if not raw:
            what = "timed request" if timed else f"attempt {attempt + 1}"
            return NotRecorded(f"case {case.id!r} ({what} on the {channel} channel) is not in {self.path}")
        return [reparsed(r) for r in raw]

    def close(self) -> None:
        pass


def reparsed(recorded: Reply) -> Reply:
    """A copy of a recorded reply whose calls written in text are read again (a shallow copy: no
    walk of its content, which may nest as deep as a model wrote it)."""
    reply = replace(recorded, tool_calls=[replace(c) for c in recorded.tool_calls], timings=replace(recorded.timings))
    native = [c for c in reply.tool_calls if c.source == STRUCTURED]
    if not reply.error:
        reply.tool_calls = native or calls_for_channel(reply.text, reply.channel)
    return reply


def open_source(spec: BackendSpec, settings: Settings, options: dict[str, Any],
                profile: Profile | None = None) -> ReplySource:
    """The reply source a --backend spec names (not yet opened); a live one behind the reply cache
    (ctft_eval.cached_source) when options name a `cache` mode (off included: it then says so)."""
    if spec.kind == REPLAY_KIND:
        return ReplaySource(spec, settings, options)
    live = LiveSource(spec, settings, options, profile)
    if options.get("cache") is None:
        return live
    from ctft_eval.cached_source import CachedSource  # (it imports this module)

    return CachedSource(live, options["cache"])
