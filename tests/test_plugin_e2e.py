"""End to end: `pytest --backend=...` in a subprocess against loopback protocol servers."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import SMALL_SUITE
from doubles.ollama_server import OllamaDouble
from doubles.openai_server import OpenAIDouble
from doubles.oracle import Oracle
from doubles.scripted import Scripted

PYPROJECT = """
[tool.ctft_eval]
timeout = 10.0
retries = 0
[tool.ctft_eval.gates]
tool_selection = {sel}
json_validity = 0.99
arguments = 0.90
latency_median = 2.0
"""


@pytest.fixture
def project(pytester):
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    pytester.makefile(".toml", pyproject=PYPROJECT.format(sel=0.95))
    return pytester


def run(pytester, *args):
    """These tests are about the plugin's machinery, so they offer every tool and build requests as
    Continue's openai provider does (tools on every chain step); the default profile has its own tests."""
    return pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", "-rf", "--ctft-tools=all",
                                         "--ctft-provider=openai", *args, timeout=120)


def failed_ids(result):
    return sorted(line.split(" ", 2)[1] for line in result.outlines if line.startswith("FAILED "))


def test_always_right_model_passes_every_gate_on_ollama(project, small_cases):
    with OllamaDouble(Oracle(small_cases)) as server:
        result = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", "--ctft-channel=both")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=2 * (3 + 3 + 4 + 4 + 1 + 2))
    out = result.stdout.str()
    assert "ctft-eval summary" in out and "all gates hold: exit status 0" in out
    assert "| tool_selection | 5/5" in out and "[56.6%, 100.0%]" in out
    assert "ollama:m on the continue channel" in out
    progress = [line for line in result.outlines if line.startswith("ctft-eval: ") and " requests (" in line]
    # 6 cases x 2 channels, the chain's steps counted as requests: the last line says all are done
    done, total = progress[-1].split()[1].split("/")
    assert done == total and int(total) >= 12
    assert all("left)" in line for line in progress[:-1])


def test_always_right_model_passes_every_gate_on_openai(project, small_cases):
    with OpenAIDouble(Oracle(small_cases)) as server:
        result = run(project, f"--backend=openai:m@{server.base_url}")
    assert result.ret == 0, result.stdout.str()
    result.assert_outcomes(passed=17)


def test_known_mistakes_give_exactly_those_failures_and_the_gate_fails(project, small_cases):
    mistakes = {"read-config": "wrong_tool", "range-parser": "wrong_argument", "chain-fix": "call_in_text"}
    with OllamaDouble(Oracle(small_cases, mistakes)) as server:
        result = run(project, "--backend=ollama:m", f"--ollama-host={server.url}")
    assert result.ret == 1
    assert failed_ids(result) == [
        "suites/small.yaml::chain-fix[ollama:m|native|chain]",
        "suites/small.yaml::range-parser[ollama:m|native|arguments]",
        "suites/small.yaml::read-config[ollama:m|native|arguments]",
        "suites/small.yaml::read-config[ollama:m|native|tool_selection]",
    ]
    out = result.stdout.str()
    assert "tool_selection [wrong_tool]: called ls, expected read_file" in out
    assert "chain [call_in_text]: step 1/2 (grep_search): call in text" in out
    assert "GATE FAILED: tool_selection (ollama:m, native), arguments (ollama:m, native)" in out


def test_gates_decide_the_exit_status_and_strict_counts_every_failure(project, small_cases):
    project.makefile(".toml", pyproject=PYPROJECT.format(sel=0.75))
    mistakes = {"explain-rest": "unexpected_call"}
    with OllamaDouble(Oracle(small_cases, mistakes)) as server:
        lenient = run(project, "--backend=ollama:m", f"--ollama-host={server.url}")
        strict = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", "--ctft-strict")
    assert lenient.ret == 0 and failed_ids(lenient) == ["suites/small.yaml::explain-rest[ollama:m|native|tool_selection]"]
    assert "all gates hold" in lenient.stdout.str()
    assert strict.ret == 1


def test_latency_gate_uses_sequential_timing(project, small_cases):
    project.makefile(".toml", pyproject=PYPROJECT.format(sel=0.95).replace("latency_median = 2.0",
                                                                               "latency_median = 0.2"))
    mistakes = {"run-tests": "slow", "glob-dockerfiles": "slow"}
    with OllamaDouble(Oracle(small_cases, mistakes, slow_seconds=0.5)) as server:
        result = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", "-m", "latency")
        chats = server.chat_requests()
    assert result.ret == 1
    assert "latency_median | 0.5" in result.stdout.str()
    assert len(chats) == 3  # one warm-up, then each latency case once


def test_latency_requests_of_a_channel_run_back_to_back(project, small_cases):
    # Alternating channels would make a runtime re-evaluate the whole tool preamble on every
    # request (no shared prefix), timing prompt evaluation instead of what Continue's user waits.
    with OllamaDouble(Oracle(small_cases)) as server:
        result = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", "--ctft-channel=both",
                     "-m", "latency")
        chats = server.chat_requests()
    assert result.ret == 0, result.stdout.str()
    native = [bool(body.get("tools")) for body in chats]
    assert len(native) == 6  # per channel: one warm-up, then each of the two latency cases
    assert native in ([True] * 3 + [False] * 3, [False] * 3 + [True] * 3)


def test_record_holds_identity_settings_outcomes_and_replies(project, small_cases):
    record = project.path / "runs" / "run.json"
    with OllamaDouble(Oracle(small_cases)) as server:
        result = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", f"--ctft-record={record}",
                     "--junitxml=junit.xml")
    assert result.ret == 0
    data = json.loads(record.read_text())
    assert data["format"] == "ctft-eval-run/5" and data["complete"] is True and data["exit_status"] == 0
    assert data["backends"]["ollama:m"]["digest"] == "ab12" * 16
    assert data["settings"]["temperature"] == 0.0 and data["settings"]["timeout"] == 10.0
    assert data["suites"][0]["sha256"] and data["suites"][0]["cases"] == 6
    entry = next(e for e in data["results"] if e["case"] == "range-parser")
    assert entry["outcomes"]["arguments"]["passed"] is True
    assert entry["replies"][0]["tool_calls"][0]["name"] == "read_file_range"
    chain = next(e for e in data["results"] if e["case"] == "chain-fix")
    assert len(chain["replies"]) == 2
    assert data["runs"][0]["dimensions"]["tool_selection"]["passed"] == 5
    assert (project.path / "junit.xml").read_text().count("<testcase") == 17


def test_each_reply_is_fetched_once_and_selection_keeps_working(project, small_cases):
    with OllamaDouble(Oracle(small_cases)) as server:
        result = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", "-k", "read-config")
        assert len(server.chat_requests()) == 1
    result.assert_outcomes(passed=3)


def test_two_backends_side_by_side(project, small_cases):
    oracle = Oracle(small_cases)
    with OllamaDouble(oracle) as ollama_server, OpenAIDouble(oracle) as openai_server:
        result = run(project, "--backend=ollama:m", f"--ollama-host={ollama_server.url}",
                     f"--backend=openai:m@{openai_server.base_url}")
    assert result.ret == 0
    out = result.stdout.str()
    assert "ollama:m on the native channel" in out and "openai:m on the native channel" in out


def test_malformed_suite_is_one_clear_error(project):
    project.makefile(".yaml", **{"suites/bad": "cases:\n  - id: oops\n    prompt: hi\n    tool: read_flie\n"})
    result = run(project, "--backend=ollama:m", "--ollama-host=http://127.0.0.1:9")
    assert result.ret == 2
    out = result.stdout.str()
    assert "bad suite file:" in out and "suites/bad.yaml: case 'oops': unknown tool 'read_flie'" in out
    assert "Traceback" not in out and out.count("bad suite file") == 1


def test_unreachable_backend_is_one_error_and_keeps_an_existing_record(project):
    record = project.path / "run.json"
    record.write_text('{"format": "ctft-eval-run/1", "earlier": true}')
    result = run(project, "--backend=ollama:m", "--ollama-host=http://127.0.0.1:9", f"--ctft-record={record}")
    assert result.ret == 4
    assert "ERROR: cannot reach Ollama at http://127.0.0.1:9" in result.stderr.str()
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert json.loads(record.read_text())["earlier"] is True


def test_unknown_backend_kind_and_missing_backend(project):
    result = run(project, "--backend=vllm:m")
    assert result.ret == 4 and "unknown backend kind 'vllm'" in result.stderr.str()
    result = run(project)
    assert result.ret == 4 and "no model to evaluate: pass --backend" in result.stderr.str()


def test_missing_model_is_one_error(project):
    with OllamaDouble(lambda r: Scripted()) as server:
        result = run(project, "--backend=ollama:llama9", f"--ollama-host={server.url}")
    assert result.ret == 4
    assert "has no model 'llama9'" in result.stderr.str() and "ollama pull llama9" in result.stderr.str()


def test_interrupted_run_still_writes_what_finished(project, small_cases):
    record = project.path / "run.json"
    oracle = Oracle(small_cases)

    def slow(request):
        answer = oracle(request)
        answer.delay = 0.6
        return answer

    with OllamaDouble(slow) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", "suites", "-p", "no:cacheprovider", "--backend=ollama:m",
             f"--ollama-host={server.url}", "--ctft-concurrency=1", f"--ctft-record={record}"],
            cwd=project.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            # a job started in the background inherits SIGINT ignored; give the child the default
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 60
        while len(server.chat_requests()) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2, out
    data = json.loads(record.read_text())
    assert data["complete"] is False
    assert 1 <= sum(len(e["replies"]) for e in data["results"]) < 7
