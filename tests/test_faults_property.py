"""Property: whatever bytes or JSON a server answers with, both real clients through the project's
backends give a Reply (no exception), the reply survives the record's round trip, and every
dimension scores it (no exception). One fault server for all examples; each sets its answer."""

from __future__ import annotations

import json

import pytest
from conftest import SMALL_SUITE
from doubles.fault_server import SSE, Fault, FaultServer, ollama_line, openai_chunk
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctft_eval import dimensions
from ctft_eval.backends import BackendSpec
from ctft_eval.backends.ollama import OllamaBackend
from ctft_eval.backends.openai import OpenAIBackend
from ctft_eval.cases import load_suite
from ctft_eval.catalog import function_schemas
from ctft_eval.parsing import calls_for_channel
from ctft_eval.reply import Reply

SETTINGS = dict(timeout=5.0, retries=0)
USER = [{"role": "user", "content": "read src/config.ts"}]
EXAMPLES = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=25,
)
deep = st.builds(lambda n, open_, close: (open_ * n + close * n).encode(), st.integers(1, 5000),
                 st.sampled_from(["[", "{\"a\":"]), st.sampled_from(["]", "}"]))
framing = st.sampled_from(["chunked", "close", "length"])
status = st.sampled_from([200, 200, 200, 400, 404, 429, 500, 503])


def _ollama_bodies() -> st.SearchStrategy[bytes]:
    def placed(path: str, value: object) -> bytes:
        line = ollama_line(done=True)
        if path == "line":
            line = value  # type: ignore[assignment]
        elif path == "message":
            line["message"] = value
        elif path == "tool_calls":
            line["message"]["tool_calls"] = value
        elif path == "arguments":
            line["message"]["tool_calls"] = [{"function": {"name": "read_file", "arguments": value}}]
        else:
            line[path] = value
        return (json.dumps(line) + "\n").encode()

    fields = st.sampled_from(["line", "message", "tool_calls", "arguments", "done", "eval_count", "done_reason"])
    return st.one_of(st.binary(max_size=3000), st.builds(placed, fields, json_values), deep)


def _openai_bodies() -> st.SearchStrategy[bytes]:
    def placed(path: str, value: object) -> bytes:
        chunk = openai_chunk({"content": "hi"}, "stop")
        choice = chunk["choices"][0]
        if path == "chunk":
            chunk = value  # type: ignore[assignment]
        elif path in ("choices", "usage"):
            chunk[path] = value
        elif path in ("delta", "finish_reason"):
            choice[path] = value
        elif path == "tool_calls":
            choice["delta"] = {"tool_calls": value}
        else:
            choice["delta"] = {"tool_calls": [{"index": 0, "id": "c", "function": {"name": "read_file",
                                                                                 "arguments": value}}]}
        return f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()

    fields = st.sampled_from(["chunk", "choices", "usage", "delta", "finish_reason", "tool_calls", "arguments"])
    raw = st.builds(lambda b: b"data: " + b + b"\n\n", st.binary(max_size=3000))
    return st.one_of(st.binary(max_size=3000), raw, st.builds(placed, fields, json_values),
                     st.builds(lambda b: b"data: " + b + b"\n\n", deep))


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    path = tmp_path_factory.mktemp("suites") / "small.yaml"
    path.write_text(SMALL_SUITE)
    cases = list(load_suite(path).cases)
    with FaultServer() as server:
        from ctft_eval.settings import Settings

        s = Settings(**SETTINGS)
        backends = {"ollama": OllamaBackend(BackendSpec("ollama", "m", server.url), s, {}),
                    "openai": OpenAIBackend(BackendSpec("openai", "m", server.base_url), s, {})}
        yield server, backends, s, cases
        for backend in backends.values():
            backend.close()


def check(rig, kind: str, fault: Fault, channel: str) -> None:
    server, backends, s, cases = rig
    server.script(fault)
    reply = backends[kind].chat(USER, function_schemas(["read_file"]), s)
    assert isinstance(reply, Reply)
    assert (reply.error is None) == (reply.error_kind is None)
    again = Reply.from_dict(json.loads(json.dumps(reply.to_dict(), default=str)))  # as a record keeps it
    reply.channel = again.channel = channel
    if not reply.tool_calls and not reply.error:
        reply.tool_calls = calls_for_channel(reply.text, channel)
    for case in cases:
        for name in dimensions.names():
            scorer = dimensions.get(name).score
            outcome = scorer(case, [reply])
            if reply.error and outcome.passed is not None and name != "chain":
                assert outcome.failure == "backend_error", (name, outcome)


@EXAMPLES
@given(body=_ollama_bodies(), framing=framing, status=status, channel=st.sampled_from(["native", "continue"]))
def test_any_ollama_answer_is_a_reply_that_scores(rig, body, framing, status, channel):
    check(rig, "ollama", Fault(status=status, body=[body], framing=framing), channel)


@EXAMPLES
@given(body=_openai_bodies(), framing=framing, status=status, channel=st.sampled_from(["native", "continue"]))
def test_any_openai_answer_is_a_reply_that_scores(rig, body, framing, status, channel):
    check(rig, "openai", Fault(status=status, headers=list(SSE), body=[body], framing=framing), channel)
