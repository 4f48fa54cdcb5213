"""The ollama: backend through the official client, against the loopback Ollama-protocol server."""

import json
import urllib.request

import pytest
from doubles.ollama_server import OllamaDouble, model_entry
from doubles.scripted import Call, Scripted

from ctft_eval.backends import BackendSpec, BackendUnavailable
from ctft_eval.backends.ollama import OllamaBackend, resolve_host
from ctft_eval.catalog import function_schemas
from ctft_eval.settings import Settings

USER = [{"role": "user", "content": "read src/a.ts"}]


def backend_for(server, model="m", **settings):
    return OllamaBackend(BackendSpec("ollama", model, server.url), Settings(**settings), {})


def serve(scripted, models=None):
    return OllamaDouble(lambda request: scripted, models)


def test_double_speaks_ndjson_with_metrics_only_in_the_done_chunk():
    with serve(Scripted(content="hello there", calls=[Call("read_file", {"filepath": "a"})])) as server:
        req = urllib.request.Request(f"{server.url}/api/chat", data=json.dumps({"model": "m", "messages": USER,
                                     "tools": function_schemas(["read_file"])}).encode(), method="POST")
        with urllib.request.urlopen(req) as resp:
            assert resp.headers["Content-Type"] == "application/x-ndjson"
            lines = [json.loads(line) for line in resp.read().decode().splitlines()]
    assert all("eval_count" not in c for c in lines[:-1]) and lines[-1]["done"] is True
    assert lines[-1]["eval_duration"] == 480000000 and lines[-1]["done_reason"] == "stop"
    [call_chunk] = [c for c in lines if c["message"].get("tool_calls")]
    assert call_chunk["done"] is False
    assert call_chunk["message"]["tool_calls"][0]["function"]["arguments"] == {"filepath": "a"}


@pytest.mark.parametrize("in_done_chunk", [False, True])
def test_tool_calls_are_read_from_any_chunk_including_done(in_done_chunk):
    scripted = Scripted(calls=[Call("read_file", {"filepath": "src/a.ts"})], calls_in_done_chunk=in_done_chunk)
    with serve(scripted) as server:
        reply = backend_for(server).chat(USER, function_schemas(), Settings())
    assert reply.error is None
    [call] = reply.tool_calls
    assert (call.name, call.arguments, call.source) == ("read_file", {"filepath": "src/a.ts"}, "native")
    assert json.loads(call.raw_arguments) == {"filepath": "src/a.ts"}
    assert reply.finish_reason == "stop"
    assert reply.timings.server_total_s == pytest.approx(0.812345678)
    assert reply.timings.prompt_tokens == 412 and reply.timings.completion_tokens == 21
    assert reply.timings.wall_s > 0 and reply.timings.ttft_s is not None


def test_sampling_is_sent_explicitly_and_tools_as_schemas():
    with serve(Scripted(content="ok")) as server:
        backend_for(server, temperature=0.0, seed=7, num_ctx=4096, max_tokens=64).chat(
            USER, function_schemas(["ls"]), Settings(temperature=0.0, seed=7, num_ctx=4096, max_tokens=64)
        )
        [body] = server.chat_requests()
    assert body["options"] == {"temperature": 0.0, "seed": 7, "num_ctx": 4096, "num_predict": 64}
    assert body["stream"] is True and body["tools"][0]["function"]["name"] == "ls"
    assert body["keep_alive"] == "30m"


def test_history_goes_as_continue_feeds_a_call_back():
    """The history conversation.feed_back writes after a native call: the call's arguments as an object,
    the result as role and content only (Continue's Ollama adapter names no tool)."""
    from ctft_eval.conversation import feed_back_canned
    from ctft_eval.profile import builtin
    from ctft_eval.reply import Reply, ToolCall

    reply = Reply(tool_calls=[ToolCall.from_raw("read_file", {"filepath": "a"}, "native")])
    history = USER + feed_back_canned(reply, "file text", "native", 1, builtin("ollama"))
    with serve(Scripted(content="done")) as server:
        backend_for(server).chat(history, None, Settings())
        [body] = server.chat_requests()
    assert body["messages"][1]["tool_calls"][0]["function"] == {"name": "read_file", "arguments": {"filepath": "a"}}
    assert body["messages"][2] == {"role": "tool", "content": "file text"}
    assert "tools" not in body or not body["tools"]


def test_server_side_tool_parse_error_is_data():
    with serve(Scripted(calls=[Call("read_file", '{"filepath": ')])) as server:
        reply = backend_for(server).chat(USER, function_schemas(), Settings())
    assert reply.error_kind == "server_tool_parse_error" and "error parsing tool call" in reply.error


def test_mid_stream_error_line_is_data():
    with serve(Scripted(content="partial answer", mid_stream_error="an error was encountered while running the "
                        "model: unexpected EOF")) as server:
        reply = backend_for(server).chat(USER, None, Settings())
    assert reply.error_kind == "stream_error" and "unexpected EOF" in reply.error


def test_tools_on_a_model_without_the_capability_is_a_400():
    with serve(Scripted(content="x"), {"plain": model_entry("plain", tools=False)}) as server:
        reply = backend_for(server, model="plain").chat(USER, function_schemas(), Settings())
    assert reply.error_kind == "http_400"
    assert reply.error == "registry.ollama.ai/library/plain:latest does not support tools"


def test_preflight_reports_identity():
    with serve(Scripted()) as server:
        identity = backend_for(server).preflight(("native",))
        url = server.url
    assert identity.details["capabilities"] == ["completion", "tools"]
    assert identity.details["digest"] == identity.digest == "ab12" * 16
    assert identity.details["details"]["quantization_level"] == identity.quantization == "Q4_K_M"
    assert len(identity.details["template_sha256"]) == 64 and identity.template == identity.details["template_sha256"]
    assert identity.spec == f"ollama:m@{url}"


def test_preflight_missing_model_says_what_to_do():
    with serve(Scripted()) as server, pytest.raises(BackendUnavailable) as err:
        backend_for(server, model="nope").preflight(("native",))
    assert "no model 'nope'" in str(err.value) and "ollama pull nope" in str(err.value)


def test_preflight_model_without_tools_capability():
    with serve(Scripted(), {"plain": model_entry("plain", tools=False)}) as server:
        with pytest.raises(BackendUnavailable) as err:
            backend_for(server, model="plain").preflight(("native",))
        assert "lacks the `tools` capability" in str(err.value) and "--ctft-channel continue" in str(err.value)
        backend_for(server, model="plain").preflight(("continue",))  # the text channel needs no capability


def test_preflight_unreachable():
    backend = OllamaBackend(BackendSpec("ollama", "m", "http://127.0.0.1:9"), Settings(timeout=2), {})
    with pytest.raises(BackendUnavailable, match="cannot reach Ollama at http://127.0.0.1:9"):
        backend.preflight(("native",))


def test_connection_failure_during_a_request_is_data_and_retried():
    backend = OllamaBackend(BackendSpec("ollama", "m", "http://127.0.0.1:9"), Settings(timeout=2, retries=1), {})
    reply = backend.chat(USER, None, Settings(timeout=2, retries=1))
    assert reply.error_kind == "connection" and reply.attempts == 2


@pytest.mark.parametrize(
    ("given", "env", "expected"),
    [
        (None, None, "http://127.0.0.1:11434"),
        ("http://localhost", None, "http://localhost:11434"),  # the client would use port 80
        ("localhost:9999", None, "http://localhost:9999"),
        ("http://10.0.0.5:80", None, "http://10.0.0.5:80"),
        ("https://ollama.example", None, "https://ollama.example:443"),
        (None, "0.0.0.0", "http://127.0.0.1:11434"),
        (None, "http://127.0.0.1:1234", "http://127.0.0.1:1234"),
    ],
)
def test_host_resolution_avoids_the_port_80_pitfall(monkeypatch, given, env, expected):
    if env is None:
        monkeypatch.delenv("OLLAMA_HOST", raising=False)
    else:
        monkeypatch.setenv("OLLAMA_HOST", env)
    assert resolve_host(given) == expected


def test_stream_cut_short_is_a_truncated_reply():
    with serve(Scripted(content="I will read", truncate=True)) as server:
        reply = backend_for(server).chat(USER, None, Settings())
    assert reply.error_kind == "truncated_stream" and reply.text == "I will read"
