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

from ctft_eval import cancel, dimensions, interrupts, record_path, redact
from ctft_eval import record as run_record
from ctft_eval.backends import REPLAY_KIND, BackendSpec, BackendUnavailable, ModelIdentity, parse_spec
from ctft_eval.cached_source import cache_opened, cache_uses
from ctft_eval.cases import Case, Suite
from ctft_eval.channels import CHANNELS
from ctft_eval.compare import Comparison, RunView, compare_all, load_views, regression_settings, views
from ctft_eval.ending import RunEnd
from ctft_eval.fetch import Fetched, Plan, fetch
from ctft_eval.gates import decide, evaluate, regression_gates
from ctft_eval.options import ConfigError, Options, check
from ctft_eval.plan import BoundCases, RunConfig, score_entry
from ctft_eval.profile import RELEASED, Profile, builtin, channel_for, from_captured
from ctft_eval.record import Entry, Gate, Key, RunRecord
from ctft_eval.recording import build_record
from ctft_eval.reply import Reply
from ctft_eval.sample import Sample, draw, recorded
from ctft_eval.scorers import effect
from ctft_eval.scorers.outcome import Outcome
from ctft_eval.settings import Settings, SettingsError, load_settings
from ctft_eval.sources import NotRecorded, ReplySource, open_source


@dataclass(eq=False)
class EvalSession:
    """A live run: its plan, the fetch's bookkeeping, and what it hands the reports at the end."""

    settings: Settings
    specs: list[BackendSpec]
    profile: Profile
    config: RunConfig
    """The run plan (ctft_eval.plan): how cases are bound and scored, and what the record keeps of it."""
    options: Options
    baselines: list[RunView] = field(default_factory=list)
    record_path: Path | None = None
    bound: BoundCases = field(default_factory=BoundCases)
    entries: dict[Key, Entry] = field(default_factory=dict)
    sources: dict[str, ReplySource] = field(default_factory=dict)
    identities: dict[str, ModelIdentity] = field(default_factory=dict)
    warmups: dict[str, Reply] = field(default_factory=dict)
    fetched: set[tuple[Key, int, bool]] = field(default_factory=set)
    """The (key, attempt, timed) requests already answered (with replies or NotRecorded)."""
    scored_order: dict[Key, int] = field(default_factory=dict)
    """The order in which keys got their first outcome (the tests' order): the record's order."""
    other_failures: int = 0
    started: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    lock: threading.Lock = field(default_factory=threading.Lock)
    end: RunEnd | None = None
    """How the run ended, for the reports (set by finish)."""
    sample: Sample | None = None
    """The cases a --ctft-sample run asks (set by draw_sample; None: no --ctft-sample)."""

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
        check(opts)
        if opts.concurrency is not None:
            settings.concurrency = opts.concurrency
        if opts.schema is not None:
            settings.schema = opts.schema
        baselines: list[RunView] = []
        for path in opts.baselines:
            try:
                baselines += load_views(path)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        try:
            if opts.profile:
                profile = from_captured(opts.profile, opts.continue_behaviour)
            else:
                profile = builtin(opts.provider, opts.tools, opts.continue_behaviour or RELEASED)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        channels = tuple(dict.fromkeys(c for spec in specs for c in channel_for(opts.channel, profile, spec.model)))
        record = record_path.absolute(opts.record) if opts.record else None
        why = record_path.problem(record) if record is not None else None
        if why:
            raise ConfigError(f"--ctft-record {opts.record}: {record} {why}")
        config = RunConfig.live(settings.request_settings(), profile, channels or CHANNELS, opts.repeat)
        return cls(settings, specs, profile, config, opts, baselines, record)

    def channels_for(self, spec: BackendSpec) -> tuple[str, ...]:
        return channel_for(self.options.channel, self.profile, spec.model)

    # ---- collection ---------------------------------------------------------------------------

    def add_suite(self, suite: Suite) -> list[Case]:
        """Bind a suite's cases to this run (ctft_eval.plan.bind): the tools each offers, its latency
        budget; a case that expects a tool not offered is left out, with the reason."""
        return self.bound.add(suite, self.config)

    @property
    def cases(self) -> dict[str, Case]:
        return self.bound.cases

    @property
    def left_out(self) -> dict[str, str]:
        return self.bound.left_out

    def draw_sample(self) -> Sample | None:
        """Under --ctft-sample, draw the sample from every collected case that is not left out
        (ctft_eval.sample); the record keeps it unless it holds them all."""
        if self.options.sample is not None:
            self.sample = draw([c for c in self.cases.values() if c.id not in self.left_out], self.options.sample)
        else:
            self.sample = replayed_sample(self.specs)
        return self.sample

    # ---- fetching -----------------------------------------------------------------------------

    def prepare(self, wanted: list[tuple[Key, str]], say: Callable[[str], None]) -> None:
        """Open each backend once, then fetch every reply the selected tests need."""
        keys = [key for key, _ in wanted]
        try:  # (before any request: a missing ripgrep must not cost the run)
            effect.ready(self.cases[k[2]] for k in keys if k[2] in self.cases)
        except effect.CannotJudge as exc:
            raise ConfigError(str(exc)) from None
        note = effect.ripgrep_note() if any(self.cases[k[2]].workspace for k in keys if k[2] in self.cases) else None
        if note:
            say(note)
        for label in dict.fromkeys(k[0] for k in keys):
            spec = next(s for s in self.specs if s.label == label)
            channels = tuple(dict.fromkeys(k[1] for k in keys if k[0] == label))
            options = {"ollama_host": self.options.ollama_host, "repeat": self.config.repeat,
                       "cache": self.options.cache}
            source = open_source(spec, self.settings, options, self.profile)
            self.sources[label] = source
            try:
                self.identities[label] = redact.redact_identity(source.open(channels))
            except BackendUnavailable as exc:
                raise ConfigError(redact.redact(str(exc))) from None
            say(f"ctft-eval: {redact.redact(str(spec))} ready "
                f"({', '.join(channels)} channel{'s' if len(channels) > 1 else ''})")
            for line in cache_opened(source):
                say(line)
        timed = {d.name for d in dimensions.registered() if d.timed}
        plan = Plan([k for k, d in wanted if d not in timed], [k for k, d in wanted if d in timed],
                    tuple(d for d in dimensions.names() if d in {d for _, d in wanted} & timed))
        try:
            fetch(plan, self.sources, self.cases, concurrency=self.settings.concurrency, repeat=self.config.repeat,
                  sink=self._store, say=say, warmups=self.warmups)
        finally:
            for reply in self.warmups.values():
                redact.redact_reply(reply)

    def _store(self, key: Key, attempt: int, timed: bool, replies: Fetched) -> None:
        for reply in replies if isinstance(replies, list) else ():
            redact.redact_reply(reply)  # before anything scores, prints or records it
        with self.lock:
            self.fetched.add((key, attempt, timed))
            if isinstance(replies, list):
                entry = self._entry(key)
                if timed:
                    entry.timed_replies = replies
                elif attempt == 0:
                    entry.replies = replies
                else:  # attempts finish in any order: each goes to its own place
                    entry.repeats += [[] for _ in range(attempt - len(entry.repeats))]
                    entry.repeats[attempt - 1] = replies

    def _entry(self, key: Key) -> Entry:
        if key not in self.entries:
            self.entries[key] = Entry(*key)
        return self.entries[key]

    def _ask(self, key: Key, attempt: int, timed: bool) -> None:
        """A request the fetch did not make (e.g. an interrupted fetch): ask now."""
        with self.lock:
            if (key, attempt, timed) in self.fetched:
                return
        source = self.sources.get(key[0])
        found = source.replies(self.cases[key[2]], key[1], attempt, timed) if source is not None \
            else NotRecorded(f"backend {key[0]} was not prepared")
        self._store(key, attempt, timed, found)

    # ---- scoring ------------------------------------------------------------------------------

    def score(self, key: Key, dimension: str) -> Outcome:
        """One test: the dimension's attempts fetched (if they were not), then scored as rescore and
        replay score them (ctft_eval.plan.score_entry)."""
        timed = dimensions.get(dimension).timed
        for attempt in range(1 if timed else self.config.repeat):
            self._ask(key, attempt, timed)
        with self.lock:
            entry = self._entry(key)
            self.scored_order.setdefault(key, len(self.scored_order))
        return score_entry(entry, self.cases[key[2]], self.config, dimension)

    # ---- the end ------------------------------------------------------------------------------

    @property
    def scored(self) -> bool:
        return any(e.outcomes for e in self.entries.values())

    def finish(self, status: int, interrupted: bool, rootpath: Path) -> int:
        """Gates, comparisons, the exit status, and the record (written when asked for; when that
        fails, a copy goes to the temporary folder and the end says where and why)."""
        record = self.build_record(status, interrupted, rootpath)
        gates: list[Gate] = evaluate(record, self.settings.gates)
        comparisons: list[Comparison] = []
        if self.baselines and self.scored:
            comparisons = compare_all(self.baselines, views(record, "this run"))
            gates += regression_gates(comparisons, self.settings.regression)
        case_failures = sum(1 for e in record.results for o in e.outcomes.values() if o.passed is False)
        verdict = decide(status, gates, scored=self.scored, strict=self.options.strict,
                         other_failures=self.other_failures, case_failures=case_failures)
        record.gates, record.exit_status = gates, verdict.exit_status
        written = record_path.write(self.record_path, record) if self.record_path is not None else None
        self.end = RunEnd(record, verdict, interrupted and status == interrupts.INTERRUPTED, comparisons,
                          len(self.baselines), regression_settings(self.settings.regression), written)
        return verdict.exit_status

    def build_record(self, status: int, interrupted: bool, rootpath: Path) -> RunRecord:
        """Entries in the order the tests scored them; paths relative to pytest's rootdir."""
        last = len(self.scored_order)
        entries = sorted(self.entries.values(), key=lambda e: self.scored_order.get(e.key, last))
        labels = dict.fromkeys(e.backend for e in entries)
        backends = {label: self.identities.get(label, ModelIdentity(str(self.spec(label)))) for label in labels}
        profile = {**self.profile.fingerprint(), "schema": self.settings.schema,
                   "deviations": self.profile.deviations(self.settings.request_settings())}
        record = build_record(self.config, profile, self.bound, entries, backends=backends,
                              warmups=dict(self.warmups), started=self.started, status=status,
                              complete=not interrupted and all(e.outcomes for e in entries),
                              gate_thresholds=self.settings.gates, rootpath=rootpath)
        if self.sample is not None and not self.sample.whole:
            record.plan["sample"] = self.sample.to_json()
        uses = cache_uses(self.sources)
        if uses:
            record.plan["cache"] = uses
        return record

    def spec(self, label: str) -> BackendSpec:
        return next(s for s in self.specs if s.label == label)

    def close(self) -> None:
        sources = list(self.sources.values())
        self.sources.clear()
        if cancel.cancelled():  # a request may still hold a connection: do not wait for it
            threading.Thread(target=_close_all, args=(sources,), name="ctft-close", daemon=True).start()
        else:
            _close_all(sources)


def replayed_sample(specs: list[BackendSpec]) -> Sample | None:
    """Without --ctft-sample, a run that only replays sampled records asks what they sampled (the
    union, if several): their other cases were never asked, and are not missing replies."""
    if not specs or any(s.kind != REPLAY_KIND for s in specs):
        return None
    drawn: list[Sample] = []
    for spec in specs:
        try:
            found = recorded(run_record.read(spec.model).plan)
        except run_record.RecordError:
            return None  # (opening the source reports it, naming the file)
        if found is None:
            return None
        drawn.append(found)
    cases = tuple(dict.fromkeys(c for s in drawn for c in s.cases))
    return replace(drawn[0], cases=cases, replayed=True)


def _close_all(sources: list[ReplySource]) -> None:
    for source in sources:
        source.close()
