"""The pytest plugin: suites/*.yaml become one test per (backend, channel, case, dimension).

Flow: collect suite files -> before the first test, check each backend once and fetch every
needed reply (concurrently, bounded; latency cases then one at a time after a warm-up) -> each
test scores its shared reply -> after the run, the summary tables, the gates (which decide the
exit status) and the JSON run record.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from ctft_eval import record as run_record
from ctft_eval.backends import Backend, BackendSpec, BackendUnavailable, make_backend, parse_spec
from ctft_eval.cases import DIMENSIONS, Case, Suite, SuiteError, load_suite
from ctft_eval.channels import CHANNELS
from ctft_eval.compare import (
    Comparison,
    RunView,
    load_views,
    pair_runs,
    regression_settings,
    render,
    views_from_record,
)
from ctft_eval.compare import compare as compare_runs
from ctft_eval.conversation import ask
from ctft_eval.gates import Gate, evaluate, regression_gates
from ctft_eval.reply import Reply
from ctft_eval.report import gate_table, summary
from ctft_eval.results import Key, Results
from ctft_eval.scorers import SCORERS
from ctft_eval.scorers.outcome import Outcome, combine, not_applicable
from ctft_eval.settings import Settings, SettingsError, load_settings

MISSING_REASON = "missing from the replay record (not scored, not passed)"
DEFAULT_SUITE_FILES = ["suites/*.yaml", "suites/*.yml", "*/suites/*.yaml", "*/suites/*.yml"]


# ---- options ----------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ctft_eval", "ctft-eval: evaluate a model's Continue tool calls")
    group.addoption("--backend", action="append", default=[], metavar="KIND:MODEL[@URL]",
                    help="model to evaluate (ollama:NAME, openai:NAME@URL); repeat to compare side by side")
    group.addoption("--ollama-host", default=None, metavar="URL",
                    help="Ollama server for ollama: backends (default: $OLLAMA_HOST, else http://127.0.0.1:11434)")
    group.addoption("--ctft-channel", choices=("native", "continue", "both"), default="native",
                    help="native: tools field and structured calls; continue: Continue's system-message "
                         "tool format; both: each case on each channel")
    group.addoption("--ctft-concurrency", type=int, default=None, metavar="N",
                    help="requests in flight at once per backend while fetching replies (default from settings: 4; "
                         "the embedded llamacpp backend always takes one at a time)")
    group.addoption("--ctft-set", action="append", default=[], metavar="KEY=VALUE",
                    help="override one [tool.ctft_eval] setting for this run, e.g. --ctft-set max_tokens=256")
    group.addoption("--ctft-strict", action="store_true",
                    help="every failing case fails the session, as plain pytest (gates still apply)")
    group.addoption("--ctft-record", default=None, metavar="PATH", help="write the run record (JSON) to PATH")
    group.addoption("--baseline", action="append", default=[], metavar="RECORD.json",
                    help="compare with a recorded run side by side; a significant drop fails the regression gate")
    group.addoption("--ctft-repeat", type=int, default=1, metavar="K",
                    help="ask every case K times: pass@k, pass^k and flaky cases (a test passes when all K do)")
    parser.addini("ctft_suite_files", "glob patterns (relative to rootdir) of suite files", type="linelist",
                  default=DEFAULT_SUITE_FILES)


# ---- session state ----------------------------------------------------------------------------


@dataclass
class State:
    settings: Settings
    specs: list[BackendSpec]
    channels: tuple[str, ...]
    strict: bool
    record_path: Path | None
    repeat: int = 1
    baselines: list[RunView] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    backends: dict[str, Backend] = field(default_factory=dict)
    identities: dict[str, dict[str, Any]] = field(default_factory=dict)
    suites: dict[str, Suite] = field(default_factory=dict)
    results: Results = field(default_factory=Results)
    warmups: dict[str, Reply] = field(default_factory=dict)
    gates: list[Gate] = field(default_factory=list)
    other_failures: int = 0
    started: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def spec(self, label: str) -> BackendSpec:
        return next(s for s in self.specs if s.label == label)


STATE = pytest.StashKey[State]()


def _state(config: pytest.Config) -> State | None:
    return config.stash.get(STATE, None)


def pytest_configure(config: pytest.Config) -> None:
    for dim in DIMENSIONS:
        config.addinivalue_line("markers", f"{dim}: ctft-eval tests of the {dim} dimension")
    pyproject = config.inipath if config.inipath and config.inipath.name == "pyproject.toml" else None
    pyproject = pyproject or config.rootpath / "pyproject.toml"
    try:
        settings = load_settings(pyproject)
        specs = [parse_spec(s) for s in config.getoption("backend")]
    except (SettingsError, BackendUnavailable) as exc:
        raise pytest.UsageError(str(exc)) from None
    labels = [s.label for s in specs]
    if len(set(labels)) != len(labels):
        raise pytest.UsageError(f"the same backend is named twice: {', '.join(labels)}")
    for override in config.getoption("ctft_set"):
        try:
            settings.override(override)
        except SettingsError as exc:
            raise pytest.UsageError(f"--ctft-set {override}: {exc}") from None
    concurrency = config.getoption("ctft_concurrency")
    if concurrency is not None:
        if concurrency < 1:
            raise pytest.UsageError("--ctft-concurrency must be at least 1")
        settings.concurrency = concurrency
    channel = config.getoption("ctft_channel")
    channels = CHANNELS if channel == "both" else (channel,)
    record = config.getoption("ctft_record")
    repeat = config.getoption("ctft_repeat")
    if repeat < 1:
        raise pytest.UsageError("--ctft-repeat must be at least 1")
    baselines: list[RunView] = []
    for path in config.getoption("baseline"):
        try:
            baselines += load_views(path)
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
    config.stash[STATE] = State(
        settings, specs, channels, config.getoption("ctft_strict"), Path(record).resolve() if record else None,
        repeat, baselines,
    )


# ---- collection -------------------------------------------------------------------------------


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    config = parent.config
    try:
        relative = file_path.relative_to(config.rootpath).as_posix()
    except ValueError:
        relative = file_path.as_posix()
    if not any(fnmatch.fnmatch(relative, pat) for pat in config.getini("ctft_suite_files")):
        return None
    return SuiteFile.from_parent(parent, path=file_path)


class SuiteFile(pytest.File):
    def collect(self):
        state = _state(self.config)
        assert state is not None
        suite = load_suite(self.path, default_latency_budget=state.settings.latency_budget)
        for other in state.suites.values():
            clash = {c.id for c in other.cases} & {c.id for c in suite.cases}
            if clash and other.file != suite.file:
                raise SuiteError(suite.file, sorted(clash)[0], f"case id also used in {other.file}")
        state.suites[suite.file] = suite
        for case in suite.cases:
            state.results.cases[case.id] = case
            for tag in case.tags:
                self.config.addinivalue_line("markers", f"{tag}: suite tag")
            for spec in state.specs:
                for channel in state.channels:
                    for dim in case.dimensions:
                        item = CaseItem.from_parent(
                            self, name=f"{case.id}[{spec.label}|{channel}|{dim}]",
                            case=case, backend=spec.label, channel=channel, dimension=dim,
                        )
                        item.add_marker(dim)
                        for tag in case.tags:
                            item.add_marker(tag)
                        yield item

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, SuiteError):
            return f"bad suite file: {excinfo.value}"
        return super().repr_failure(excinfo, style)


class CaseFailed(Exception):
    def __init__(self, outcome: Outcome):
        super().__init__(outcome.reason)
        self.outcome = outcome


class CaseItem(pytest.Item):
    def __init__(self, *, case: Case, backend: str, channel: str, dimension: str, **kwargs):
        super().__init__(**kwargs)
        self.case, self.backend, self.channel, self.dimension = case, backend, channel, dimension

    @property
    def key(self) -> Key:
        return (self.backend, self.channel, self.case.id)

    def runtest(self) -> None:
        state = _state(self.config)
        assert state is not None
        attempts = _attempts_for(state, self)
        scorer = SCORERS[self.dimension]
        outcomes = [
            not_applicable(self.dimension, MISSING_REASON) if any(r.error_kind == "missing" for r in replies)
            else scorer(self.case, replies)
            for replies in attempts
        ]
        outcome = combine(outcomes)
        with state.lock:
            state.results.add(self.key, outcome)
            if len(outcomes) > 1:
                state.results.attempts.setdefault(self.key, {})[self.dimension] = outcomes
        self.user_properties.append(("ctft_reason", outcome.reason))
        if outcome.failure:
            self.user_properties.append(("ctft_failure", outcome.failure))
        if outcome.passed is None:
            pytest.skip(f"not applicable: {outcome.reason}")
        if not outcome.passed:
            raise CaseFailed(outcome)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseFailed):
            o = excinfo.value.outcome
            where = f"case {self.case.id} ({self.case.file}): {self.case.prompt[:200]!r}"
            return f"{o.dimension} [{o.failure}]: {o.reason}\n  {where}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.case.id} [{self.backend}|{self.channel}|{self.dimension}]"


def pytest_collection_finish(session: pytest.Session) -> None:
    state = _state(session.config)
    if state is None:
        return
    if state.suites and not state.specs:
        raise pytest.UsageError(
            f"collected {len(state.suites)} suite file(s) but no model to evaluate: pass "
            "--backend=ollama:MODEL or --backend=openai:MODEL@URL"
        )


# ---- fetching replies, before the first test ---------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session):
    state = _state(session.config)
    items = [i for i in session.items if isinstance(i, CaseItem)]
    errors = session.testsfailed and not session.config.option.continue_on_collection_errors
    if state is not None and items and not session.config.option.collectonly and not errors:
        _prepare(session, state, items)
    return (yield)


def _prepare(session: pytest.Session, state: State, items: list[CaseItem]) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")

    def say(line: str) -> None:
        if reporter is not None:
            reporter.write_line(line)

    labels = list(dict.fromkeys(i.backend for i in items))
    for label in labels:
        spec = state.spec(label)
        channels = tuple(dict.fromkeys(i.channel for i in items if i.backend == label))
        try:
            backend = make_backend(spec, state.settings, {"ollama_host": session.config.getoption("ollama_host")})
            state.identities[label] = {"spec": str(spec), **backend.preflight(channels)}
        except BackendUnavailable as exc:
            raise pytest.UsageError(str(exc)) from None
        state.backends[label] = backend
        say(f"ctft-eval: {spec} ready ({', '.join(channels)} channel{'s' if len(channels) > 1 else ''})")

    # Grouped by backend and channel: requests that share a long prompt prefix (the tools) run
    # back to back, so that runtimes reuse the prefix they evaluated last (llama.cpp does).
    # The latency cases likewise, so that each is timed as Continue's user would wait for it: with
    # the preamble already evaluated, not re-evaluated because the other channel came in between.
    keys = sorted(dict.fromkeys(i.key for i in items if i.dimension != "latency"), key=_backend_and_channel)
    latency_keys = sorted(dict.fromkeys(i.key for i in items if i.dimension == "latency"), key=_backend_and_channel)
    cases = state.results.cases
    if keys:
        # One pool per backend. A backend that serves one request at a time (embedded llama.cpp)
        # gets one worker: more would only interleave chains, and each chain step would then
        # re-evaluate its own history instead of extending the prompt evaluated just before.
        asked = Counter(key[0] for key in keys)
        workers = {
            label: 1 if getattr(state.backends[label], "serves_one_at_a_time", False)
            else min(state.settings.concurrency, count * state.repeat)
            for label, count in asked.items()
        }
        times = f" x {state.repeat} attempts" if state.repeat > 1 else ""
        pace = ", ".join(f"{label} {n} at a time" for label, n in workers.items()) if len(workers) > 1 \
            else f"{next(iter(workers.values()))} at a time"
        say(f"ctft-eval: fetching {len(keys)} replies{times}, {pace}")
        started = time.perf_counter()
        with ExitStack() as stack:
            pools = {
                label: stack.enter_context(ThreadPoolExecutor(max_workers=n, thread_name_prefix="ctft-fetch"))
                for label, n in workers.items()
            }
            futures = {
                pools[b].submit(ask, state.backends[b], cases[c], ch, state.settings): ((b, ch, c), attempt)
                for attempt in range(state.repeat) for (b, ch, c) in keys
            }
            total = len(futures)
            step = max(1, total // 10)
            # A chain asks up to one request per step: weigh it so, for the estimate of what is left.
            weights = {key: len(cases[key[2]].steps) or 1 for key in keys}
            work, work_done = sum(weights[key] for key, _ in futures.values()), 0
            try:
                for done, future in enumerate(as_completed(futures), 1):
                    key, attempt = futures[future]
                    replies = future.result()
                    # a chain stops early when the model answers without a call: count what it asked
                    work += len(replies) - weights[key]
                    work_done += len(replies)
                    with state.lock:
                        if attempt == 0:
                            state.results.replies[key] = replies
                        else:
                            state.results.repeats.setdefault(key, []).append(replies)
                    if done % step == 0 or done == total:
                        timing = _timing(time.perf_counter() - started, work_done, work)
                        say(f"ctft-eval: {done}/{total} replies{timing}")
            except BaseException:
                for pool in pools.values():
                    pool.shutdown(wait=False, cancel_futures=True)
                raise
    if latency_keys:
        say(f"ctft-eval: timing {len(latency_keys)} latency cases one at a time, after a warm-up request")
        warmed: set[tuple[str, str]] = set()
        for backend, channel, case_id in latency_keys:
            recorded = getattr(state.backends[backend], "recorded", None)
            if recorded is not None:  # a replayed run: its own timings, as measured then
                state.results.latency_replies[(backend, channel, case_id)] = recorded(case_id, channel, latency=True)
                continue
            if (backend, channel) not in warmed:
                warmup = ask(state.backends[backend], cases[case_id], channel, state.settings)
                state.warmups[f"{backend}|{channel}"] = warmup[0]
                warmed.add((backend, channel))
            state.results.latency_replies[(backend, channel, case_id)] = ask(
                state.backends[backend], cases[case_id], channel, state.settings
            )


def _backend_and_channel(key: tuple[str, str, str]) -> tuple[str, str]:
    return key[0], key[1]


def _timing(elapsed: float, done: int, total: int) -> str:
    """' (95 s, about 4 min left)': elapsed time and, while work remains, a linear estimate from
    the share of the work done (done and total in any unit)."""
    if done <= 0 or done >= total:
        return f" ({elapsed:.0f} s)"
    left = elapsed / done * (total - done)
    estimate = f"{left:.0f} s" if left < 120 else f"{left / 60:.0f} min"
    return f" ({elapsed:.0f} s, about {estimate} left)"


def _attempts_for(state: State, item: CaseItem) -> list[list[Reply]]:
    """Every attempt's replies for an item: the shared fetch (and its repeats), or, for latency,
    the sequential timing request."""
    latency = item.dimension == "latency"
    store = state.results.latency_replies if latency else state.results.replies
    with state.lock:
        replies = store.get(item.key)
    if replies is None:  # not prefetched (e.g. an interrupted fetch): ask now
        backend = state.backends.get(item.backend)
        if backend is None:
            pytest.fail(f"backend {item.backend} was not prepared", pytrace=False)
        replies = ask(backend, item.case, item.channel, state.settings)
        with state.lock:
            store[item.key] = replies
    if latency:
        return [replies]
    with state.lock:
        return [replies, *state.results.repeats.get(item.key, [])]


# ---- outcome bookkeeping, gates, exit status, record --------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> None:
    """Count failures that are not a model's scored failure (other tests, errors in setup or in
    ctft-eval itself): the gates never turn those into exit status 0."""
    if call.excinfo is None or call.excinfo.errisinstance(pytest.skip.Exception):
        return
    if isinstance(item, CaseItem) and call.excinfo.errisinstance(CaseFailed):
        return
    state = _state(item.config)
    if state is not None:
        state.other_failures += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state(session.config)
    if state is None:
        return
    if not state.results.outcomes and not state.results.replies:
        _close(state)
        return
    state.gates = evaluate(state.results, state.settings.gates)
    data = build_record(session, state)
    if state.baselines and state.results.outcomes:
        current = views_from_record(data, "this run")
        state.comparisons = [compare_runs(b, c) for b, c in pair_runs(state.baselines, current)]
        state.gates += regression_gates(state.comparisons, state.settings.regression)
    gates_hold = all(g.holds for g in state.gates)
    if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) and state.results.outcomes:
        if not gates_hold:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        elif not state.strict and state.other_failures == 0:
            session.exitstatus = pytest.ExitCode.OK
    if state.record_path is not None:
        data["exit_status"] = int(session.exitstatus)
        data["gates"] = [g.to_dict() for g in state.gates]
        run_record.write_atomic(state.record_path, data)
    _close(state)


def _close(state: State) -> None:
    for backend in state.backends.values():
        backend.close()
    state.backends.clear()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    state = _state(config)
    if state is None or not state.results.outcomes:
        return
    tr = terminalreporter
    tr.section("ctft-eval summary")
    tr.write_line(summary(state.results, state.gates))
    missing = sorted({k[2] for k, by_dim in state.results.outcomes.items()
                      for o in by_dim.values() if o.reason == MISSING_REASON})
    if missing:
        tr.write_line(f"ctft-eval: {len(missing)} case(s) missing from the replay record, not scored: "
                      f"{', '.join(missing[:20])}", yellow=True)
    if state.comparisons or state.baselines:
        tr.section("ctft-eval baseline comparison")
        if state.comparisons:
            views = list(dict.fromkeys([*(c.base for c in state.comparisons), *(c.current for c in state.comparisons)]))
            tr.write_line(render(views, state.comparisons, regression_settings(state.settings.regression)))
        else:
            tr.write_line("no baseline run shares a channel with this run: nothing to compare")
    tr.section("ctft-eval gates")
    tr.write_line(gate_table(state.gates))
    failed = [g for g in state.gates if not g.holds]
    if failed:
        names = ", ".join(f"{g.name} ({g.backend}, {g.channel})" for g in failed)
        tr.write_line(f"GATE FAILED: {names}: exit status 1", red=True, bold=True)
    elif state.strict:
        tr.write_line("all gates hold; --ctft-strict: failing cases decide the exit status", green=True)
    else:
        failures = sum(1 for by_dim in state.results.outcomes.values() for o in by_dim.values() if o.passed is False)
        note = f" ({failures} single case failure(s) are listed above)" if failures else ""
        tr.write_line(f"all gates hold: exit status 0{note}", green=True)
    if state.record_path is not None:
        tr.write_line(f"ctft-eval: run record written to {state.record_path}")


def build_record(session: pytest.Session, state: State) -> dict[str, Any]:
    results = state.results
    keys = list(dict.fromkeys([*results.replies, *results.latency_replies, *results.outcomes]))
    attempts = results.attempts
    entries = []
    for key in keys:
        backend, channel, case_id = key
        entries.append({
            "backend": backend,
            "channel": channel,
            "case": case_id,
            "outcomes": {d: o.to_dict() for d, o in results.outcomes.get(key, {}).items()},
            "replies": [r.to_dict() for r in results.replies.get(key, [])],
            "latency_replies": [r.to_dict() for r in results.latency_replies.get(key, [])],
            **({"repeats": [[r.to_dict() for r in replies] for replies in results.repeats[key]],
                "attempts": {d: [o.passed for o in outs] for d, outs in attempts.get(key, {}).items()}}
               if key in results.repeats else {}),
        })
    runs = []
    for backend, channel in results.runs():
        runs.append({
            "backend": backend,
            "channel": channel,
            "dimensions": {d: r.to_dict() for d, r in results.dimension_rates(backend, channel).items()},
            "latency_median_s": results.latency_median(backend, channel),
            "tools": {t: {d: r.to_dict() for d, r in v.items()}
                      for t, v in results.tool_rates(backend, channel).items()},
        })
    try:
        version = metadata.version("ctft-eval")
    except metadata.PackageNotFoundError:
        version = "unknown"

    def rel(path: str) -> str:
        try:
            return Path(path).relative_to(session.config.rootpath).as_posix()
        except ValueError:
            return path

    complete = session.exitstatus not in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR) and all(
        len(results.outcomes.get(k, {})) for k in keys
    )
    return {
        "format": run_record.FORMAT,
        "ctft_eval_version": version,
        "started": state.started,
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "complete": complete,
        "exit_status": int(session.exitstatus),
        "backends": {label: state.identities.get(label, {"spec": str(state.spec(label))})
                     for label in dict.fromkeys(k[0] for k in keys)},
        "channels": list(state.channels),
        "repeat": state.repeat,
        "settings": state.settings.request_settings(),
        "gate_thresholds": state.settings.gates,
        "suites": [{"file": rel(s.file), "name": s.name, "sha256": s.sha256, "cases": len(s.cases)}
                   for s in state.suites.values()],
        "cases": {c.id: {"file": rel(c.file), "suite": c.suite, "tags": list(c.tags), "dimensions": list(c.dimensions),
                         "expected_tools": list(c.first_expectation.tools)}
                  for c in results.cases.values()},
        "warmups": {k: r.to_dict() for k, r in state.warmups.items()},
        "runs": runs,
        "gates": [g.to_dict() for g in state.gates],
        "results": entries,
    }

