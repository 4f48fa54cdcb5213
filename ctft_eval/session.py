"""One evaluation session: the state a pytest run owns, from its options to its run record.

The plugin (ctft_eval.plugin) creates one EvalSession in pytest_configure and calls it from its
hooks; nothing here imports pytest. Errors a user must fix raise ConfigError, which the plugin
turns into a usage error.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ctft_eval import cancel, dimensions, interrupts, record_path, redact
from ctft_eval.backends import BackendSpec, BackendUnavailable, ModelIdentity, parse_spec
from ctft_eval.cases import Case, Suite, SuiteError
from ctft_eval.channels import CHANNELS
from ctft_eval.compare import (
    Comparison,
    RegressionSettings,
    RunView,
    compare_all,
    load_views,
    regression_settings,
    views,
)
from ctft_eval.fetch import Fetched, Plan, fetch
from ctft_eval.gates import Verdict, decide, evaluate, regression_gates
from ctft_eval.profile import Profile, builtin, channel_for, from_captured
from ctft_eval.record import Entry, Gate, Key, RunRecord
from ctft_eval.reply import Reply
from ctft_eval.scorers.judging import Judging, judging_as
from ctft_eval.scorers.outcome import Outcome, combine, not_recorded
from ctft_eval.settings import Settings, SettingsError, load_settings
from ctft_eval.sources import NotRecorded, ReplySource, open_source

MISSING_REASON = "missing from the replay record (not scored, not passed)"


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


@dataclass(eq=False)
class EvalSession:
    settings: Settings
    specs: list[BackendSpec]
    channels: tuple[str, ...]
    strict: bool = False
    record_path: Path | None = None
    repeat: int = 1
    baselines: list[RunView] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    """Backend options (ollama_host) and the repeat count, for the reply sources."""
    profile: Profile = field(default_factory=builtin)
    channel_request: str = "native"
    """The --ctft-channel asked for: native, continue, both or auto (per backend, see channels_for)."""
    left_out: dict[str, str] = field(default_factory=dict)
    """Cases not run because the profile does not offer the tools they expect: case id -> why."""
    suites: dict[str, Suite] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    entries: dict[Key, Entry] = field(default_factory=dict)
    sources: dict[str, ReplySource] = field(default_factory=dict)
    identities: dict[str, ModelIdentity] = field(default_factory=dict)
    warmups: dict[str, Reply] = field(default_factory=dict)
    fetched: dict[tuple[Key, int, bool], Fetched] = field(default_factory=dict)
    scored_order: dict[Key, int] = field(default_factory=dict)
    """The order in which keys got their first outcome (the tests' order): the record's order."""
    other_failures: int = 0
    started: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    lock: threading.Lock = field(default_factory=threading.Lock)
    record: RunRecord | None = None
    comparisons: list[Comparison] = field(default_factory=list)
    verdict: Verdict | None = None
    interrupted: bool = False
    written: record_path.Written | None = None
    """Where the record went at the end (and why not where it was asked for, if so)."""

    @classmethod
    def configure(cls, opts: Options, pyproject: Path | None) -> EvalSession:
        cancel.reset()
        redact.forget()
        redact.remember(*redact.secrets_in(opts.ollama_host), os.environ.get("OPENAI_API_KEY"))
        for text in opts.backends:
            redact.remember(*redact.secrets_in(text.partition("@")[2]))
        try:
            settings = load_settings(pyproject)
            specs = [parse_spec(s) for s in opts.backends]
        except (SettingsError, BackendUnavailable) as exc:
            raise ConfigError(redact.redact(str(exc))) from None
        labels = [s.label for s in specs]
        if len(set(labels)) != len(labels):
            raise ConfigError(f"the same backend is named twice: {', '.join(labels)}")
        for override in opts.overrides:
            try:
                settings.override(override)
            except SettingsError as exc:
                raise ConfigError(f"--ctft-set {override}: {exc}") from None
        if opts.concurrency is not None:
            if opts.concurrency < 1:
                raise ConfigError("--ctft-concurrency must be at least 1")
            settings.concurrency = opts.concurrency
        if opts.schema is not None:
            settings.schema = opts.schema
        if opts.repeat < 1:
            raise ConfigError("--ctft-repeat must be at least 1")
        baselines: list[RunView] = []
        for path in opts.baselines:
            try:
                baselines += load_views(path)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        try:
            profile = from_captured(opts.profile) if opts.profile else builtin(opts.provider, opts.tools)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        channels = tuple(dict.fromkeys(c for spec in specs for c in channel_for(opts.channel, profile, spec.model)))
        record = Path(opts.record).expanduser().resolve() if opts.record else None
        why = record_path.problem(record) if record is not None else None
        if why:
            raise ConfigError(f"--ctft-record {opts.record}: {record} {why}")
        return cls(settings, specs, channels or CHANNELS, opts.strict, record, opts.repeat, baselines,
                   {"ollama_host": opts.ollama_host, "repeat": opts.repeat}, profile, opts.channel)

    def channels_for(self, spec: BackendSpec) -> tuple[str, ...]:
        return channel_for(self.channel_request, self.profile, spec.model)

    # ---- collection ---------------------------------------------------------------------------

    def add_suite(self, suite: Suite) -> list[Case]:
        """Take a suite's cases, each offering the tools the profile offers (or the suite names);
        a case that expects a tool not offered is left out, with the reason."""
        for other in self.suites.values():
            clash = {c.id for c in other.cases} & {c.id for c in suite.cases}
            if clash and other.file != suite.file:
                raise SuiteError(suite.file, sorted(clash)[0], f"case id also used in {other.file}")
        self.suites[suite.file] = suite
        bound = []
        for case in suite.cases:
            offered = case.tools if case.tools_declared else (*self.profile.offered(None), *case.custom)
            case = replace(case, tools=tuple(offered))
            wanted = [e.describe() for e in case.expectations if e.wants_call and not set(e.tools) & set(case.tools)]
            if wanted:
                self.left_out[case.id] = (f"expects {', '.join(dict.fromkeys(wanted))}, which the "
                                          f"{self.profile.tools_name} tool set does not offer")
            self.cases[case.id] = case
            bound.append(case)
        return bound

    # ---- fetching -----------------------------------------------------------------------------

    def prepare(self, wanted: list[tuple[Key, str]], say: Callable[[str], None]) -> None:
        """Open each backend once, then fetch every reply the selected tests need."""
        keys = [key for key, _ in wanted]
        for label in dict.fromkeys(k[0] for k in keys):
            spec = next(s for s in self.specs if s.label == label)
            channels = tuple(dict.fromkeys(k[1] for k in keys if k[0] == label))
            source = open_source(spec, self.settings, self.options, self.profile)
            self.sources[label] = source
            try:
                self.identities[label] = redact.redact_identity(source.open(channels))
            except BackendUnavailable as exc:
                raise ConfigError(redact.redact(str(exc))) from None
            say(f"ctft-eval: {redact.redact(str(spec))} ready "
                f"({', '.join(channels)} channel{'s' if len(channels) > 1 else ''})")
        timed = {d.name for d in dimensions.registered() if d.timed}
        plan = Plan([k for k, d in wanted if d not in timed], [k for k, d in wanted if d in timed],
                    tuple(d for d in dimensions.names() if d in {d for _, d in wanted} & timed))
        try:
            fetch(plan, self.sources, self.cases, concurrency=self.settings.concurrency, repeat=self.repeat,
                  sink=self._store, say=say, warmups=self.warmups)
        finally:
            for reply in self.warmups.values():
                redact.redact_reply(reply)

    def _store(self, key: Key, attempt: int, timed: bool, replies: Fetched) -> None:
        for reply in replies if isinstance(replies, list) else ():
            redact.redact_reply(reply)  # before anything scores, prints or records it
        with self.lock:
            self.fetched[(key, attempt, timed)] = replies
            if isinstance(replies, list):
                entry = self._entry(key)
                if timed:
                    entry.timed_replies = replies
                elif attempt == 0:
                    entry.replies = replies
                else:
                    entry.repeats.append(replies)

    def _entry(self, key: Key) -> Entry:
        if key not in self.entries:
            self.entries[key] = Entry(*key)
        return self.entries[key]

    def _replies(self, key: Key, attempt: int, timed: bool) -> Fetched:
        with self.lock:
            found = self.fetched.get((key, attempt, timed))
        if found is None:  # not prefetched (e.g. an interrupted fetch): ask now
            source = self.sources.get(key[0])
            if source is None:
                return NotRecorded(f"backend {key[0]} was not prepared")
            found = source.replies(self.cases[key[2]], key[1], attempt, timed)
            self._store(key, attempt, timed, found)
        return found

    # ---- scoring ------------------------------------------------------------------------------

    def score(self, key: Key, dimension: str) -> Outcome:
        dim = dimensions.get(dimension)
        case = self.cases[key[2]]
        attempts = [self._replies(key, 0, True)] if dim.timed else \
            [self._replies(key, a, False) for a in range(self.repeat)]
        with judging_as(Judging(self.settings.schema)):  # type: ignore[arg-type]
            outcomes = [not_recorded(dimension, MISSING_REASON) if isinstance(r, NotRecorded)
                        else dim.score(case, r) for r in attempts]
        outcome = combine(outcomes)
        with self.lock:
            entry = self._entry(key)
            self.scored_order.setdefault(key, len(self.scored_order))
            entry.outcomes[dimension] = outcome
            if len(outcomes) > 1:
                entry.attempts[dimension] = [o.passed for o in outcomes]
        return outcome

    # ---- the end ------------------------------------------------------------------------------

    @property
    def scored(self) -> bool:
        return any(e.outcomes for e in self.entries.values())

    def finish(self, status: int, interrupted: bool, rootpath: Path) -> int:
        """Gates, comparisons, the exit status, and the record (written when asked for; when that
        fails, a copy goes to the temporary folder and `written` says where and why)."""
        self.interrupted = interrupted and status == interrupts.INTERRUPTED  # (not an internal error)
        record = self.build_record(status, interrupted, rootpath)
        gates: list[Gate] = evaluate(record, self.settings.gates)
        if self.baselines and self.scored:
            self.comparisons = compare_all(self.baselines, views(record, "this run"))
            gates += regression_gates(self.comparisons, self.settings.regression)
        case_failures = sum(1 for e in record.results for o in e.outcomes.values() if o.passed is False)
        self.verdict = decide(status, gates, scored=self.scored, strict=self.strict,
                              other_failures=self.other_failures, case_failures=case_failures)
        record.gates, record.exit_status = gates, self.verdict.exit_status
        self.record = record
        if self.record_path is not None:
            self.written = record_path.write(self.record_path, record)
        return self.verdict.exit_status

    def build_record(self, status: int, interrupted: bool, rootpath: Path) -> RunRecord:
        from ctft_eval.recording import build_record

        return build_record(self, status, interrupted, rootpath)

    def spec(self, label: str) -> BackendSpec:
        return next(s for s in self.specs if s.label == label)

    def regression_rules(self) -> RegressionSettings:
        return regression_settings(self.settings.regression)

    def close(self) -> None:
        sources = list(self.sources.values())
        self.sources.clear()
        if cancel.cancelled():  # a request may still hold a connection: do not wait for it
            threading.Thread(target=_close_all, args=(sources,), name="ctft-close", daemon=True).start()
        else:
            _close_all(sources)


def _close_all(sources: list[ReplySource]) -> None:
    for source in sources:
        source.close()
