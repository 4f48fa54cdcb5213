"""A wrong base path is found at preflight; a garbage answer there is one clear error; a session
against a server that answers garbage ends with its summary, a record and exit status 1."""

from __future__ import annotations

import json

import pytest
from conftest import SMALL_SUITE
from doubles.fault_server import SSE, Fault, FaultServer

from ctft_eval.backends import BackendSpec, BackendUnavailable
from ctft_eval.backends.ollama import OllamaBackend
from ctft_eval.backends.openai import OpenAIBackend
from ctft_eval.settings import Settings


@pytest.fixture
def server():
    with FaultServer() as srv:
        yield srv


# ---- 11. a wrong base path is found at preflight -----------------------------------------------

def test_a_wrong_openai_base_path_is_one_clear_preflight_error(server):
    url = f"{server.url}/nothere"
    backend = OpenAIBackend(BackendSpec("openai", "m", url), Settings(timeout=5), {})
    with pytest.raises(BackendUnavailable) as err:
        backend.preflight(("native",))
    assert url in str(err.value) and "/v1" in str(err.value)


def test_a_server_without_a_model_list_is_accepted_when_its_chat_endpoint_answers():
    with FaultServer(Fault(body=b'{"choices": []}', headers=[("Content-Type", "application/json")],
                           framing="length"), serve_models=False) as srv:
        backend = OpenAIBackend(BackendSpec("openai", "m", srv.base_url), Settings(timeout=5), {})
        identity = backend.preflight(("native",))
        assert identity.details["served_models"] is None and len(srv.chat_times) == 1


def test_a_server_without_a_model_list_that_lacks_the_model_says_so():
    missing = Fault(status=404, headers=[("Content-Type", "application/json")], framing="length",
                    body=json.dumps({"error": {"message": "The model `m` does not exist.", "type": "NotFoundError",
                                               "code": 404}}).encode())
    with FaultServer(missing, serve_models=False) as srv:
        backend = OpenAIBackend(BackendSpec("openai", "m", srv.base_url), Settings(timeout=5), {})
        with pytest.raises(BackendUnavailable, match="does not serve model 'm'"):
            backend.preflight(("native",))


@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_preflight_on_a_garbage_answer_is_one_clear_error(kind):
    with FaultServer(serve_models=False) as srv:
        srv.serve_models = False
        if kind == "openai":
            backend = OpenAIBackend(BackendSpec("openai", "m", f"{srv.url}/api/tags"), Settings(timeout=5), {})
        else:
            backend = OllamaBackend(BackendSpec("ollama", "m", f"{srv.url}/v1/models"), Settings(timeout=5), {})
        with pytest.raises(BackendUnavailable):
            backend.preflight(("native",))


# ---- end to end: a session against a server sending garbage ------------------------------------

PYPROJECT = """
[tool.ctft_eval]
timeout = 5.0
retries = 0
"""


@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_a_session_against_garbage_ends_with_a_summary_and_a_record(pytester, kind):
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    pytester.makefile(".toml", pyproject=PYPROJECT)
    record = pytester.path / "run.json"
    garbage = Fault(body=[b"\x00\xffnot json at all {{{\n"], headers=list(SSE) if kind == "openai" else [])
    with FaultServer(garbage) as srv:
        spec = ["--backend=ollama:m", f"--ollama-host={srv.url}"] if kind == "ollama" else \
            [f"--backend=openai:m@{srv.base_url}"]
        result = pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", *spec, f"--ctft-record={record}",
                                               timeout=120)
    out = result.stdout.str()
    assert result.ret == 1, out + result.stderr.str()
    assert "INTERNALERROR" not in out + result.stderr.str()
    assert "ctft-eval summary" in out and "GATE FAILED" in out
    data = json.loads(record.read_text())
    assert data["complete"] is True and data["exit_status"] == 1
    kinds = {r["error_kind"] for e in data["results"] for r in e["replies"]}
    assert kinds and kinds <= {"connection", "timeout", "cancelled", "truncated_stream", "malformed_response",
                               "invalid_utf8", "too_deep", "too_large"}  # the transport's failure kinds
