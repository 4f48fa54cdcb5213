"""Faults of a whole session: Ctrl-C (once, twice, in the fetch and in the test phase), credentials
in a backend URL, and a run record that cannot be written. Each runs `pytest --backend=...` in a
subprocess against loopback protocol doubles, some of which stall like a server that hangs."""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
from pathlib import Path

import pytest
from conftest import SMALL_SUITE
from doubles.ollama_server import OllamaDouble
from doubles.openai_server import OpenAIDouble, OpenAIHandler
from doubles.oracle import Oracle
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from session_runner import DOUBLES, Session, backend_args, stalling

from ctft_eval import record as run_record
from ctft_eval import redact
from ctft_eval.pool import DaemonPool

# a server that hangs keeps the client waiting its whole timeout, then the retries: what Ctrl-C must cut short
PYPROJECT = """
[tool.ctft_eval]
timeout = 60.0
retries = 2
[tool.ctft_eval.gates]
tool_selection = 0.95
"""
QUICK_EXIT_S = 10.0  # generous: the point is "not the request timeout", on a loaded machine
EARLIER = {"format": "ctft-eval-run/1", "earlier": True}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "suites").mkdir(parents=True)
    (root / "suites" / "small.yaml").write_text(SMALL_SUITE)
    (root / "pyproject.toml").write_text(PYPROJECT)
    return root


# ---- Ctrl-C ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_ctrl_c_during_the_fetch_stops_at_once_and_records_what_finished(project, small_cases, kind):
    record = project / "run.json"
    with DOUBLES[kind](stalling(Oracle(small_cases), answered=2)) as server:
        run = Session(project, *backend_args(kind, server), "--ctft-concurrency=2", f"--ctft-record={record}")
        run.wait_for(r"ctft-eval: 2/\d+ requests")
        sent = run.interrupt()
        code = run.finish()
        took = time.monotonic() - sent
        asked = len(server.chat_requests())
    assert code == 2, run.output
    assert took < QUICK_EXIT_S, f"exited {took:.1f} s after Ctrl-C\n{run.output}"
    assert asked <= 4, "a request started (or was retried) after Ctrl-C"  # 2 answered, 2 stalled in flight
    saved = run_record.read(record)
    assert saved.complete is False and saved.exit_status == 2
    finished = [e for e in saved.results if e.replies]
    assert 2 <= len(finished) < 6
    assert all(r.error is None for e in finished for r in e.replies)  # no cut-short request recorded
    assert "INTERRUPTED" in run.output and "Traceback" not in run.output


def test_a_second_ctrl_c_exits_at_once_and_leaves_a_valid_record(project, small_cases):
    record = project / "run.json"
    record.write_text(json.dumps(EARLIER))
    with OpenAIDouble(stalling(Oracle(small_cases), answered=2)) as server:
        run = Session(project, f"--backend=openai:m@{server.base_url}", "--ctft-concurrency=2",
                      f"--ctft-record={record}")
        run.wait_for(r"ctft-eval: 2/\d+ requests")
        sent = run.interrupt(times=2)
        code = run.finish()
        took = time.monotonic() - sent
    assert code == 2, run.output
    assert took < QUICK_EXIT_S, f"exited {took:.1f} s after the second Ctrl-C\n{run.output}"
    assert "Traceback" not in run.output
    data = json.loads(record.read_text())
    if data != EARLIER:  # written before the second Ctrl-C came: then whole and readable
        assert run_record.read(record).exit_status == 2


CTRL_C_IN_TEST = """
import os, signal
import pytest

seen = []

def pytest_runtest_call(item):
    seen.append(item)
    if len(seen) == 6:  # the user presses Ctrl-C while the tests score the replies
        os.kill(os.getpid(), signal.SIGINT)
"""
AND_AGAIN = """
@pytest.hookimpl(trylast=True)
def pytest_keyboard_interrupt(excinfo):
    os.kill(os.getpid(), signal.SIGINT)  # ... and again, while pytest handles the first
"""


def test_ctrl_c_in_the_test_phase_says_interrupted_in_the_record_and_on_the_terminal(project, small_cases):
    (project / "conftest.py").write_text(CTRL_C_IN_TEST)
    record = project / "run.json"
    with OllamaDouble(Oracle(small_cases, {"read-config": "wrong_tool"})) as server:
        run = Session(project, *backend_args("ollama", server), f"--ctft-record={record}")
        code = run.finish()
    assert code == 2, run.output
    saved = run_record.read(record)
    assert saved.exit_status == 2 and saved.complete is False
    assert "INTERRUPTED" in run.output and "GATE FAILED" not in run.output, run.output


def test_a_second_ctrl_c_in_the_test_phase_exits_2_without_a_traceback(project, small_cases):
    (project / "conftest.py").write_text(CTRL_C_IN_TEST + AND_AGAIN)
    record = project / "run.json"
    record.write_text(json.dumps(EARLIER))
    with OllamaDouble(Oracle(small_cases, {"read-config": "wrong_tool"})) as server:
        run = Session(project, *backend_args("ollama", server), f"--ctft-record={record}")
        code = run.finish()
    assert code == 2, run.output
    assert "Traceback" not in run.output and "GATE FAILED" not in run.output, run.output
    data = json.loads(record.read_text())
    if data != EARLIER:
        assert run_record.read(record).exit_status == 2


def test_the_pool_never_waits_for_a_stuck_job():
    stuck, started = threading.Event(), threading.Event()

    def hang() -> None:
        started.set()
        stuck.wait()

    pool = DaemonPool(1)
    running = pool.submit(hang)
    queued = pool.submit(lambda: "never")
    assert started.wait(10)
    pool.shutdown()  # returns although `hang` never will
    assert queued.cancelled() and not running.done()
    assert all(t.daemon for t in threading.enumerate() if t.name.startswith("ctft-worker"))
    stuck.set()


# ---- credentials in a URL -------------------------------------------------------------------------


class AuthSeen(OpenAIDouble):
    """The OpenAI double, noting each request's Authorization header; the chain case's requests
    lose their connection (so that an error message quotes the URL)."""

    def __init__(self, responder):
        super().__init__(responder)
        self.authorization: list[str | None] = []
        owner = self

        class Handler(OpenAIHandler):
            def do_GET(self) -> None:
                owner.authorization.append(self.headers.get("Authorization"))
                super().do_GET()

            def do_POST(self) -> None:
                owner.authorization.append(self.headers.get("Authorization"))
                super().do_POST()

            def completions(self, body: dict) -> None:
                if "/users endpoint" in json.dumps(body):
                    self.close_connection = True  # no answer at all: the client's connection fails
                    return
                super().completions(body)

        self.handler_class = Handler


def test_credentials_in_the_url_reach_the_server_and_nothing_else(project, small_cases):
    record = project / "run.json"
    junit = project / "junit.xml"
    with AuthSeen(Oracle(small_cases)) as server:
        url = f"http://user:secret@127.0.0.1:{server.port}/v1"
        run = Session(project, f"--backend=openai:m@{url}", f"--ctft-record={record}", f"--junitxml={junit}",
                      "--ctft-set", "retries=0")
        code = run.finish()
    assert code in (0, 1) and "FAILED suites/small.yaml::chain-fix" in run.output, run.output
    assert f"Basic {base64.b64encode(b'user:secret').decode()}" in server.authorization
    assert "openai:m@http://user:***@127.0.0.1" in run.output  # the ready line
    assert "connection to http://user:***@127.0.0.1" in junit.read_text()  # the failure's reason
    for where, text in (("stdout", run.output), ("record", record.read_text()), ("junit", junit.read_text())):
        assert "secret" not in text, where


SAFE = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;="),
               min_size=4, max_size=24)
VALUE = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$'()*+,%"),
                min_size=4, max_size=24)  # a query value: no & ; = # (they end it)


@settings(max_examples=100, deadline=None)
@given(user=SAFE, password=SAFE, token=VALUE)
def test_redaction_hides_passwords_and_tokens_in_any_url(user, password, token):
    text = f"connection to http://{user}:{password}@127.0.0.1:8080/v1/x?api_key={token} failed"
    for secret in (password, token):
        assume(secret not in f"connection to http://{user}:@127.0.0.1:8080/v1/x?api_key= failed")
    shown = redact.redact(text)
    assert password not in shown and token not in shown
    assert "127.0.0.1:8080/v1/x" in shown and "failed" in shown


def test_a_remembered_secret_is_hidden_where_no_pattern_finds_it():
    redact.remember(*redact.secrets_in("http://me:p@ss%2Fw0rd@host/v1"))
    try:
        assert "w0rd" not in redact.redact("server said: bad password p@ss/w0rd")
    finally:
        redact.forget()


# ---- the run record's path --------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["a directory", "under a file"])
def test_an_unwritable_record_path_is_one_usage_error_before_any_request(project, small_cases, where):
    target = project / "runs"
    if where == "a directory":
        target.mkdir()
    else:
        target.write_text("not a folder")
        target = target / "run.json"
    with OllamaDouble(Oracle(small_cases)) as server:
        run = Session(project, *backend_args("ollama", server), f"--ctft-record={target}")
        code = run.finish()
        asked = len(server.requests)
    assert code == 4, run.output
    assert asked == 0
    errors = [line for line in run.lines if line.startswith("ERROR:")]
    assert len(errors) == 1 and f"--ctft-record {target}" in errors[0], run.output
    assert "Traceback" not in run.output


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_for_the_record_is_one_usage_error(project, small_cases):
    folder = project / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        run = Session(project, "--backend=ollama:m", "--ollama-host=http://127.0.0.1:9",
                      f"--ctft-record={folder / 'run.json'}")
        assert run.finish() == 4 and "cannot be written" in run.output
    finally:
        folder.chmod(0o700)


BREAK_THE_FOLDER = """
import shutil
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    shutil.rmtree("runs")  # the folder goes away (or the disk fills) while the run is going on
    open("runs", "w").write("in the way")
"""


def test_a_record_that_cannot_be_written_at_the_end_keeps_the_summary_and_a_copy(project, small_cases):
    (project / "runs").mkdir()
    (project / "conftest.py").write_text(BREAK_THE_FOLDER)
    target = project / "runs" / "run.json"
    with OllamaDouble(Oracle(small_cases)) as server:
        run = Session(project, *backend_args("ollama", server), f"--ctft-record={target}")
        code = run.finish()
    assert code == 0, run.output  # the verdict stands: the gates decided it
    assert "ctft-eval summary" in run.output and "all gates hold" in run.output
    assert f"ERROR: cannot write the run record to {target}" in run.output
    copy = re.search(r"the run record was written to (\S+) instead", run.output)
    assert copy, run.output
    try:
        saved = run_record.read(copy.group(1))
        assert saved.complete and len(saved.results) == 6
    finally:
        Path(copy.group(1)).unlink()
    assert "Traceback" not in run.output
