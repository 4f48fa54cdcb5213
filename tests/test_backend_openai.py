"""The openai: backend through the official client, against the loopback OpenAI-compatible server."""

import json
import urllib.request

import pytest
from doubles.openai_server import OpenAIDouble
from doubles.scripted import Call, Scripted

from ctft_eval.backends import BackendSpec, BackendUnavailable
from ctft_eval.backends.openai import OpenAIBackend
from ctft_eval.catalog import function_schemas
from ctft_eval.settings import Settings

USER = [{"role": "user", "content": "find TODOs"}]


def backend_for(server, model="m"):
    return OpenAIBackend(BackendSpec("openai", model, server.base_url), Settings(timeout=5), {})


def test_double_streams_argument_fragments_by_index():
    scripted = Scripted(calls=[Call("grep_search", {"query": "TODO|FIXME"})], chunk_size=5)
    with OpenAIDouble(lambda r: scripted) as server:
        body = json.dumps({"model": "m", "messages": USER, "stream": True,
                           "stream_options": {"include_usage": True}}).encode()
        req = urllib.request.Request(f"{server.base_url}/chat/completions", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as resp:
            events = [line[6:] for line in resp.read().decode().splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    fragments = [tc["function"].get("arguments") for c in chunks for ch in c["choices"]
                 for tc in ch["delta"].get("tool_calls", [])]
    assert len(fragments) > 2 and "".join(f for f in fragments if f) == '{"query": "TODO|FIXME"}'
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] == 417


def test_fragments_are_joined_into_calls():
    scripted = Scripted(content="", calls=[Call("grep_search", {"query": "TODO"}), Call("ls", {"dirPath": "src"})],
                        chunk_size=3)
    with OpenAIDouble(lambda r: scripted) as server:
        reply = backend_for(server).chat(USER, function_schemas(), Settings())
    assert reply.error is None
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [("grep_search", {"query": "TODO"}),
                                                                  ("ls", {"dirPath": "src"})]
    assert reply.tool_calls[0].raw_arguments == '{"query": "TODO"}'
    assert reply.finish_reason == "tool_calls"
    assert reply.timings.prompt_tokens == 398 and reply.timings.completion_tokens == 19


def test_invalid_argument_text_is_kept_raw():
    with OpenAIDouble(lambda r: Scripted(calls=[Call("read_file", '{"filepath": "a.ts"')])) as server:
        reply = backend_for(server).chat(USER, function_schemas(), Settings())
    [call] = reply.tool_calls
    assert call.arguments is None and call.raw_arguments == '{"filepath": "a.ts"' and "not valid JSON" in call.parse_error


def test_request_carries_sampling_and_history_in_openai_shape():
    history = USER + [
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "name": "grep_search",
                                                             "arguments": {"query": "TODO"}}]},
        {"role": "tool", "content": "a.py:1: # TODO", "tool_name": "grep_search", "tool_call_id": "c1"},
    ]
    with OpenAIDouble(lambda r: Scripted(content="done")) as server:
        backend_for(server).chat(history, function_schemas(["grep_search"]), Settings(seed=9, max_tokens=99))
        [body] = server.chat_requests()
    assert body["temperature"] == 0.0 and body["seed"] == 9 and body["max_tokens"] == 99
    assert body["messages"][1]["tool_calls"][0]["function"]["arguments"] == '{"query": "TODO"}'
    assert body["messages"][2] == {"role": "tool", "content": "a.py:1: # TODO", "tool_call_id": "c1"}


def test_retries_429_and_5xx_a_bounded_number_of_times():
    with OpenAIDouble(lambda r: Scripted(status=429, error="slow down")) as server:
        reply = backend_for(server).chat(USER, None, Settings(retries=2))
        assert len(server.chat_requests()) == 3
    assert reply.error_kind == "http_429" and reply.attempts == 3 and "slow down" in reply.error
    answers = iter([Scripted(status=503, error="loading model"), Scripted(content="ok")])
    with OpenAIDouble(lambda r: next(answers)) as server:
        reply = backend_for(server).chat(USER, None, Settings(retries=2))
    assert reply.error is None and reply.text == "ok" and reply.attempts == 2


def test_400_is_not_retried():
    with OpenAIDouble(lambda r: Scripted(status=400, error="bad request")) as server:
        reply = backend_for(server).chat(USER, None, Settings(retries=2))
        assert len(server.chat_requests()) == 1
    assert reply.error_kind == "http_400"


def test_mid_stream_error_event_is_data():
    with OpenAIDouble(lambda r: Scripted(content="partial", mid_stream_error="context overflow")) as server:
        reply = backend_for(server).chat(USER, None, Settings())
    assert reply.error_kind == "stream_error" and "context overflow" in reply.error


def test_preflight_checks_the_model_is_served():
    with OpenAIDouble(lambda r: Scripted(), models=["a", "b"]) as server:
        assert backend_for(server, "a").preflight(("native",)).details["served_models"] == ["a", "b"]
        with pytest.raises(BackendUnavailable, match="does not serve model 'zzz'; it serves: a, b"):
            backend_for(server, "zzz").preflight(("native",))
    with OpenAIDouble(lambda r: Scripted(), models=["only-one.gguf"]) as server:
        backend_for(server, "anything").preflight(("native",))  # single-model servers ignore the name


def test_preflight_unreachable_and_missing_url(monkeypatch):
    backend = OpenAIBackend(BackendSpec("openai", "m", "http://127.0.0.1:9/v1"), Settings(timeout=2), {})
    with pytest.raises(BackendUnavailable, match="cannot reach the OpenAI-compatible server at http://127.0.0.1:9/v1"):
        backend.preflight(("native",))
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(BackendUnavailable, match="needs a server URL"):
        OpenAIBackend(BackendSpec("openai", "m"), Settings(), {})


def test_stream_cut_short_is_a_truncated_reply():
    # llama-cpp-python's server does this to a running stream when the next request arrives
    with OpenAIDouble(lambda r: Scripted(content="partial", truncate=True)) as server:
        reply = backend_for(server).chat(USER, None, Settings())
    assert reply.error_kind == "truncated_stream" and "without a finish_reason" in reply.error
