"""The pytest plugin: the hooks only. suites/*.yaml become one test per (backend, channel, case,
dimension); the session object (ctft_eval.session) owns the state, collection lives in
ctft_eval.collect, fetching in ctft_eval.fetch, the exit status in ctft_eval.gates and the
terminal output in ctft_eval.report.terminal.

Flow: collect suite files -> before the first test, open each backend once and fetch every needed
reply -> each test scores its shared reply -> after the run, the gates (which decide the exit
status), the run record, and the summary tables.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ctft_eval import cancel, dimensions, interrupts, shown
from ctft_eval.collect import DEFAULT_SUITE_FILES, SESSION, CaseFailed, CaseItem, session_of, suite_file
from ctft_eval.options import ConfigError, Options
from ctft_eval.profile import BEHAVIOURS
from ctft_eval.progress import Terminal
from ctft_eval.report import terminal
from ctft_eval.session import EvalSession


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ctft_eval", "ctft-eval: evaluate a model's Continue tool calls")
    group.addoption("--backend", action="append", default=[], metavar="KIND:MODEL[@URL]",
                    help="model to evaluate (ollama:NAME, openai:NAME@URL); repeat to compare side by side")
    group.addoption("--ollama-host", default=None, metavar="URL",
                    help="Ollama server for ollama: backends (default: $OLLAMA_HOST, else http://127.0.0.1:11434)")
    group.addoption("--ctft-channel", choices=("native", "continue", "both", "auto"), default="native",
                    help="native: tools field and structured calls; continue: Continue's system-message "
                         "tool format; both: each case on each channel; auto: the one Continue would use for "
                         "the provider and the model's name")
    group.addoption("--ctft-provider", choices=("ollama", "openai"), default="ollama",
                    help="build requests as Continue's ollama provider does (no tools after a tool result) or "
                         "its openai provider (tools on every request, parallel_tool_calls false); default ollama")
    group.addoption("--ctft-continue", choices=tuple(BEHAVIOURS), default=None,
                    help="which Continue the requests stand for: released (1.3.x and 2.0.0: the ollama provider "
                         "sends no tools after a tool result, continuedev/continue#13254; the default) or "
                         "tools-every-request (the open fixes: tools on every request)")
    group.addoption("--ctft-tools", choices=("default", "experimental", "all"), default="default",
                    help="the tools offered: default (the 13 a default Continue session gives a local model), "
                         "experimental (plus Continue's experimental tools) or all 20")
    group.addoption("--ctft-profile", default=None, metavar="PROFILE.json",
                    help="use the system message, tools and options your own Continue sent, as captured by "
                         "python -m ctft_eval capture")
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
    group.addoption("--ctft-schema", choices=("continue", "strict"), default=None,
                    help="how arguments are judged: continue (as Continue's tools receive them, the default) or "
                         "strict (the JSON schema: exact types, no unknown arguments)")
    group.addoption("--ctft-sample", type=int, default=None, metavar="N",
                    help="a fast first look: ask a deterministic sample of N cases, stratified by expected tool, "
                         "dimension and channel (every tool and dimension shown); the others are deselected")
    group.addoption("--ctft-cache", choices=("on", "off", "refresh"), default=None,
                    help="the reply cache (in $CTFT_EVAL_CACHE_DIR, else the user cache folder's ctft-eval): "
                         "replies of a model whose weights are identified are reused by default (off: ask every "
                         "request; on: cache a model that is not identified too; refresh: ask again and overwrite); "
                         "timed requests are always asked")
    group.addoption("--ctft-repeat", type=int, default=1, metavar="K",
                    help="ask every case K times: pass@k, pass^k and flaky cases (a test passes when all K do)")
    parser.addini("ctft_suite_files", "glob patterns (relative to rootdir) of suite files", type="linelist",
                  default=DEFAULT_SUITE_FILES)


def pytest_configure(config: pytest.Config) -> None:
    for name in dimensions.names():
        config.addinivalue_line("markers", f"{name}: ctft-eval tests of the {name} dimension")
    pyproject = config.inipath if config.inipath and config.inipath.name == "pyproject.toml" else None
    get = config.getoption
    options = Options(
        backends=get("backend"), channel=get("ctft_channel"), concurrency=get("ctft_concurrency"),
        overrides=get("ctft_set"), strict=get("ctft_strict"), record=get("ctft_record"), baselines=get("baseline"),
        repeat=get("ctft_repeat"), ollama_host=get("ollama_host"), schema=get("ctft_schema"),
        provider=get("ctft_provider"), tools=get("ctft_tools"), profile=get("ctft_profile"),
        continue_behaviour=get("ctft_continue"), sample=get("ctft_sample"),
        cache=get("ctft_cache") or "auto",
    )
    try:
        session = EvalSession.configure(options, pyproject or config.rootpath / "pyproject.toml")
    except ConfigError as exc:
        raise pytest.UsageError(shown.block(str(exc))) from None
    config.stash[SESSION] = session
    config.pluginmanager.register(session, "ctft_eval_session")  # other plugins can find it by name


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A fixture workspace (a folder holding workspace.yaml) is data: nothing in it is collected,
    neither its YAML nor its own tests and conftest.py files."""
    if collection_path.is_dir() and (collection_path / "workspace.yaml").is_file():
        return True
    return None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    return suite_file(file_path, parent)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """--ctft-sample N: the tests of cases outside the sample are deselected, so nothing is asked for them."""
    state = session_of(config)
    drawn = state.draw_sample() if state is not None else None
    if drawn is None or drawn.whole:
        return
    chosen = set(drawn.cases)
    outside = [i for i in items if isinstance(i, CaseItem) and i.case.id not in chosen]
    if outside:
        config.hook.pytest_deselected(items=outside)
        items[:] = [i for i in items if not (isinstance(i, CaseItem) and i.case.id not in chosen)]


def pytest_report_collectionfinish(config: pytest.Config) -> list[str]:
    state = session_of(config)
    return [shown.line(state.sample.collection_line())] if state is not None and state.sample is not None else []


def pytest_collection_finish(session: pytest.Session) -> None:
    state = session_of(session.config)
    if state is not None and state.bound.suites and not state.specs:
        raise pytest.UsageError(
            f"collected {len(state.bound.suites)} suite file(s) but no model to evaluate: pass "
            "--backend=ollama:MODEL or --backend=openai:MODEL@URL"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session):
    state = session_of(session.config)
    items = [i for i in session.items if isinstance(i, CaseItem) and not i.left_out]
    errors = session.testsfailed and not session.config.option.continue_on_collection_errors
    if state is not None and items and not session.config.option.collectonly and not errors:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        say = Terminal(reporter) if reporter is not None else (lambda line: None)
        try:
            state.prepare([(i.key, i.dimension) for i in items], say)
        except ConfigError as exc:
            raise pytest.UsageError(shown.block(str(exc))) from None
    return (yield)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> None:
    """Count failures that are not a model's scored failure (other tests, errors in setup or in
    ctft-eval itself): the gates never turn those into exit status 0."""
    if call.excinfo is None or call.excinfo.errisinstance(pytest.skip.Exception):
        return
    if isinstance(item, CaseItem) and call.excinfo.errisinstance(CaseFailed):
        return
    state = session_of(item.config)
    if state is not None:
        state.other_failures += 1


@pytest.hookimpl(tryfirst=True)
def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo) -> None:
    """Ctrl-C: stop every request in flight (no retries after it); another Ctrl-C exits at once."""
    cancel.cancel()
    interrupts.arm()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state: EvalSession | None = session_of(session.config)
    if state is None:
        return
    try:
        status = int(session.exitstatus)
        if cancel.cancelled() and status != pytest.ExitCode.INTERNAL_ERROR:
            status = pytest.ExitCode.INTERRUPTED  # (also when a second Ctrl-C cut pytest's own handling short)
        if state.entries:
            interrupted = status in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR)
            status = state.finish(status, interrupted, session.config.rootpath)
        session.exitstatus = pytest.ExitCode(status) if status in {c.value for c in pytest.ExitCode} else status
    finally:
        state.close()


def pytest_unconfigure(config: pytest.Config) -> None:
    interrupts.disarm()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    state = session_of(config)
    if state is None or state.end is None:
        return
    if state.end.scored:
        terminal.write_session(terminalreporter, state.end)
    else:
        terminal.write_record_line(terminalreporter, state.end)
