"""Shared fixtures: loopback protocol doubles and small suite files."""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from doubles.ollama_server import OllamaDouble
from doubles.openai_server import OpenAIDouble
from doubles.oracle import Oracle
from doubles.scripted import Scripted

from ctft_eval.cases import load_suite
from ctft_eval.reply_cache import ENV_FOLDER

# The reply cache (ctft_eval.reply_cache) is never the user's: from before the first test, every
# run this process or its pytester sessions (in process or subprocesses, which inherit the
# environment) make caches in a temporary folder; and each test gets a folder of its own below.
_SESSION_CACHE = tempfile.mkdtemp(prefix="ctft-eval-test-cache-")
os.environ[ENV_FOLDER] = _SESSION_CACHE
atexit.register(shutil.rmtree, _SESSION_CACHE, True)


@pytest.fixture(autouse=True)
def reply_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty reply cache folder for each test: no test is answered from another's replies."""
    folder = tmp_path_factory.mktemp("reply-cache")
    monkeypatch.setenv(ENV_FOLDER, str(folder))
    return folder


def require(what: str, available: bool) -> None:
    """Skip a real-model test when a piece is missing on a developer's machine; fail it in CI."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing, and CI must run the real-model tests (see .ci/run)")
    pytest.skip(f"{what} is not installed (pip install -e '.[test]')")


def require_model(name: str) -> None:
    """llama-cpp-python and the default model `name` are here (else skipped, or failed in CI)."""
    require("llama-cpp-python", importlib.util.find_spec("llama_cpp") is not None)
    from ctft_eval.models import ModelUnavailable, model_path

    try:
        model_path(name)
    except ModelUnavailable as exc:
        require(f"the model {name} ({exc})", False)


SMALL_SUITE = textwrap.dedent(
    """\
    suite: small
    cases:
      - id: read-config
        prompt: "What's in src/config.ts?"
        tool: read_file
        arguments:
          filepath: {path: src/config.ts}
      - id: range-parser
        prompt: "Show me lines 10 to 30 of lib/parser.py"
        tool: read_file_range
        arguments:
          filepath: {path: lib/parser.py}
          startLine: 10
          endLine: 30
      - id: run-tests
        prompt: "Run the test suite with npm"
        tool: run_terminal_command
        arguments:
          command: {command: [npm test, npm run test]}
        latency: true
      - id: glob-dockerfiles
        prompt: "Find every Dockerfile in the repo"
        tool: file_glob_search
        arguments:
          pattern: {glob: "**/Dockerfile"}
        latency: true
      - id: explain-rest
        prompt: "What does REST stand for?"
        tool: none
      - id: chain-fix
        prompt: "The /users endpoint fails. Find its handler, then read it."
        steps:
          - tool: grep_search
            arguments: {query: {contains: users}}
            result: "src/routes/users.ts:12: router.get('/users', listUsers)"
          - tool: read_file
            arguments: {filepath: {path: src/routes/users.ts}}
            result: "export function listUsers() { throw new Error('boom') }"
    """
)


@pytest.fixture
def small_suite_file(tmp_path: Path) -> Path:
    path = tmp_path / "suites" / "small.yaml"
    path.parent.mkdir()
    path.write_text(SMALL_SUITE)
    return path


@pytest.fixture
def small_cases(small_suite_file: Path):
    return list(load_suite(small_suite_file).cases)


@pytest.fixture
def ollama_server() -> Iterator[OllamaDouble]:
    with OllamaDouble(lambda request: Scripted(content="hello")) as server:
        yield server


@pytest.fixture
def openai_server() -> Iterator[OpenAIDouble]:
    with OpenAIDouble(lambda request: Scripted(content="hello")) as server:
        yield server


@pytest.fixture
def oracle(small_cases) -> Oracle:
    return Oracle(small_cases)
