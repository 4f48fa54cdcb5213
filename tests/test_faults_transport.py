"""Whatever a server sends becomes a Reply with a named failure: malformed bodies, cut streams,
invalid bytes, deep or huge JSON, slow streams past the request deadline, retries (Retry-After,
cancellation), a wrong base path. Real official clients against a loopback fault server."""

from __future__ import annotations

import json
import threading

import pytest
from doubles.fault_server import (
    SSE,
    Fault,
    FaultServer,
    ndjson,
    ollama_call,
    ollama_line,
    openai_call,
    openai_chunk,
    sse,
)

from ctft_eval import cancel, dimensions
from ctft_eval.backends import BackendSpec
from ctft_eval.backends.ollama import OllamaBackend
from ctft_eval.backends.openai import OpenAIBackend
from ctft_eval.catalog import function_schemas
from ctft_eval.reply import Reply
from ctft_eval.settings import Settings

USER = [{"role": "user", "content": "read src/config.ts"}]
DEEP = 10_000


@pytest.fixture(autouse=True)
def _fresh_cancel_flag():
    cancel.reset()
    yield
    cancel.reset()


@pytest.fixture(scope="module")
def server():
    with FaultServer() as srv:
        yield srv


def ollama(server: FaultServer, **settings) -> tuple[OllamaBackend, Settings]:
    s = Settings(**{"timeout": 5.0, "retries": 0, **settings})
    return OllamaBackend(BackendSpec("ollama", "m", server.url), s, {}), s


def openai_(server: FaultServer, **settings) -> tuple[OpenAIBackend, Settings]:
    s = Settings(**{"timeout": 5.0, "retries": 0, **settings})
    return OpenAIBackend(BackendSpec("openai", "m", server.base_url), s, {}), s


def ask(server: FaultServer, kind: str, *faults: Fault, **settings) -> Reply:
    server.script(*faults)
    backend, s = (ollama if kind == "ollama" else openai_)(server, **settings)
    try:
        reply = backend.chat(USER, function_schemas(["read_file"]), s)
    finally:
        backend.close()
    assert isinstance(reply, Reply)
    return reply


def scored(reply: Reply, small_cases) -> dict[str, tuple[bool | None, str | None]]:
    """Every dimension's verdict on the read-config case (one that expects a read_file call)."""
    case = next(c for c in small_cases if c.id == "read-config")
    case_latency = next(c for c in small_cases if c.id == "run-tests")
    out = {name: dimensions.get(name).score(case, [reply]) for name in ("tool_selection", "json_validity", "arguments")}
    out["latency"] = dimensions.get("latency").score(case_latency, [reply])
    return {name: (o.passed, o.failure) for name, o in out.items()}


def assert_backend_error_everywhere(reply: Reply, small_cases) -> None:
    assert reply.error and reply.error_kind
    for name, verdict in scored(reply, small_cases).items():
        assert verdict == (False, "backend_error"), (name, verdict, reply.error)


def ollama_ok(*lines) -> Fault:
    return Fault(body=ndjson(*lines))


def openai_ok(*events, done=True) -> Fault:
    return Fault(headers=list(SSE), body=sse(*events, done=done))


# ---- 1. malformed replies ----------------------------------------------------------------------

MALFORMED = {
    "ollama-not-json": ("ollama", Fault(body=b"<html>502 Bad Gateway</html>\n"), "malformed_response"),
    "ollama-json-not-an-object": ("ollama", Fault(body=b"[1, 2, 3]\n"), "malformed_response"),
    "ollama-wrong-shape": ("ollama", Fault(body=ndjson({"message": "hi", "done": "yes"})), "malformed_response"),
    "ollama-cut-mid-line-close": ("ollama", Fault(body=ndjson(ollama_line("I will")) + [b'{"model": "m", "mess'],
                                                  framing="close"), "truncated_stream"),
    "ollama-cut-mid-line-chunked": ("ollama", Fault(body=ndjson(ollama_line("I will")) + [b'{"model": "m", "mess'],
                                                    cut=True), "truncated_stream"),
    "ollama-cut-length": ("ollama", Fault(body=ndjson(ollama_line("I will")), framing="length", cut=True),
                          "truncated_stream"),
    "ollama-invalid-utf8": ("ollama", Fault(body=[b'{"model": "m", "message": {"role": "assistant", "content": "'
                                                  b'\xff\xfe"}, "done": true}\n']), "invalid_utf8"),
    "ollama-deep-envelope": ("ollama", Fault(body=[b'{"model": "m", "message": ' + b"[" * DEEP + b"]" * DEEP
                                                   + b"}\n"]), "too_deep"),
    "ollama-deep-arguments": ("ollama", Fault(body=[b'{"model": "m", "message": {"role": "assistant", "content": "", '
                                                    b'"tool_calls": [{"function": {"name": "read_file", "arguments": '
                                                    b'{"a": ' + b"[" * DEEP + b"]" * DEEP + b'}}}]}, "done": true}\n']),
                              "too_deep"),
    "openai-not-json": ("openai", Fault(headers=list(SSE), body=[b"data: <html>oops</html>\n\n"]),
                        "malformed_response"),
    "openai-invalid-utf8": ("openai", Fault(headers=list(SSE), body=[b'data: {"id": "x", "choices": [{"index": 0, '
                                                                     b'"delta": {"content": "\xff\xfe"}}]}\n\n']),
                            "invalid_utf8"),
    "openai-deep-envelope": ("openai", Fault(headers=list(SSE), body=[b"data: " + b"[" * DEEP + b"]" * DEEP
                                                                      + b"\n\n"]), "too_deep"),
    "openai-fragment-is-a-list": ("openai", openai_ok(openai_chunk({"tool_calls": [{"index": 0, "id": "c",
                                  "function": {"name": "read_file", "arguments": ["{", "}"]}}]}),
                                  openai_chunk({}, "tool_calls")), "malformed_response"),
    "openai-choices-not-a-list": ("openai", openai_ok({"id": "x", "choices": "abc"}), "malformed_response"),
    "openai-chunk-is-a-number": ("openai", openai_ok(7), "malformed_response"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_reply_is_a_named_backend_failure(server, small_cases, name):
    kind, fault, failure = MALFORMED[name]
    reply = ask(server, kind, fault)
    assert reply.error_kind == failure, reply.error
    assert len(reply.error) > 20  # a reason a person reads, not just a class name
    assert_backend_error_everywhere(reply, small_cases)


def test_too_large_reply_is_stopped_at_the_limit(server, small_cases):
    big = ndjson(*(ollama_line("x" * 1000) for _ in range(200)), ollama_line(done=True))
    reply = ask(server, "ollama", Fault(body=big), max_reply_bytes=50_000)
    assert reply.error_kind == "too_large" and "50000" in reply.error
    assert_backend_error_everywhere(reply, small_cases)
    reply = ask(server, "openai", Fault(headers=list(SSE), body=sse(*(openai_chunk({"content": "x" * 1000})
                                                                       for _ in range(200)))),
                max_reply_bytes=50_000)
    assert reply.error_kind == "too_large"


@pytest.mark.parametrize(("arguments", "problem"), [([1, 2], "list"), (7, "int"), ("text", "str")])
def test_ollama_arguments_that_are_not_an_object_are_the_models_output(server, small_cases, arguments, problem):
    reply = ask(server, "ollama", ollama_ok(ollama_line(tool_calls=[ollama_call("read_file", arguments)]),
                                            ollama_line(done=True)))
    assert reply.error is None
    [call] = reply.tool_calls
    assert call.name == "read_file" and call.arguments is None and problem in call.parse_error
    verdicts = scored(reply, small_cases)
    assert verdicts["tool_selection"] == (True, None)
    assert verdicts["json_validity"] == (False, "invalid_json") and verdicts["arguments"] == (False, "invalid_json")


def test_ollama_null_arguments_mean_no_arguments(server):
    reply = ask(server, "ollama", ollama_ok(ollama_line(tool_calls=[ollama_call("read_file", None)]),
                                            ollama_line(done=True)))
    assert reply.error is None and reply.tool_calls[0].arguments == {}


def test_openai_arguments_nested_too_deep_are_the_models_output(server, small_cases):
    deep = "[" * DEEP + "]" * DEEP
    reply = ask(server, "openai", openai_ok(openai_chunk(openai_call("read_file", deep)),
                                            openai_chunk({}, "tool_calls")))
    assert reply.error is None
    [call] = reply.tool_calls
    assert call.arguments is None and "deeper than" in call.parse_error
    assert scored(reply, small_cases)["json_validity"] == (False, "invalid_json")


# ---- 3. the request deadline -------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_a_slow_stream_is_stopped_at_the_request_deadline(server, small_cases, kind):
    if kind == "ollama":
        body = ndjson(*(ollama_line("tok ") for _ in range(60)), ollama_line(done=True))
        fault = Fault(body=body, gap=0.25)
    else:
        fault = Fault(headers=list(SSE), body=sse(*(openai_chunk({"content": "tok "}) for _ in range(60)),
                                                  openai_chunk({}, "stop")), gap=0.25)
    reply = ask(server, kind, fault, timeout=1.0)  # the whole stream would take 15 s
    assert reply.error_kind == "timeout" and "1 s" in reply.error
    assert reply.timings.wall_s < 6  # ended by the deadline, not by the stream
    assert reply.text.startswith("tok ")  # what came before the deadline is kept
    assert_backend_error_everywhere(reply, small_cases)


@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_a_server_that_falls_silent_mid_stream_is_stopped_at_the_deadline(server, kind):
    if kind == "ollama":
        fault = Fault(body=ndjson(ollama_line("tok "), ollama_line(done=True)), gap=30)
    else:
        fault = Fault(headers=list(SSE), body=sse(openai_chunk({"content": "tok "}), openai_chunk({}, "stop")),
                      gap=30)
    reply = ask(server, kind, fault, timeout=1.0)
    assert reply.error_kind == "timeout" and reply.timings.wall_s < 6


# ---- 6. retries --------------------------------------------------------------------------------

def too_many(retry_after: str) -> Fault:
    return Fault(status=429, headers=[("Content-Type", "application/json"), ("Retry-After", retry_after)],
                 body=json.dumps({"error": "slow down"}).encode(), framing="length")


@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_retry_after_is_honoured_and_each_attempt_is_recorded(server, kind):
    ok = ollama_ok(ollama_line("fine", done=True)) if kind == "ollama" else \
        openai_ok(openai_chunk({"content": "fine"}, "stop"))
    reply = ask(server, kind, too_many("0.4"), ok, retries=2)
    assert reply.error is None and reply.text == "fine" and reply.attempts == 2
    first, second = reply.attempt_log
    assert first["error_kind"] == "http_429" and first["retry_after_s"] == 0.4 and first["waited_s"] == 0.4
    assert second["error_kind"] is None
    assert server.chat_times[1] - server.chat_times[0] >= 0.4


@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_a_retry_after_beyond_the_cap_is_not_waited_for(server, kind):
    reply = ask(server, kind, too_many("30"), retries=2, retry_max_wait=2.0)
    assert reply.error_kind == "http_429" and reply.attempts == 1 and len(server.chat_times) == 1
    assert "30 s" in reply.error and "retry_max_wait" in reply.error


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_ollama_retries_429_and_every_5xx(server, status):
    failing = Fault(status=status, headers=[("Content-Type", "application/json")],
                    body=json.dumps({"error": "busy"}).encode(), framing="length")
    reply = ask(server, "ollama", failing, retries=2)
    assert reply.error_kind == f"http_{status}" and reply.attempts == 3 and len(server.chat_times) == 3
    assert [a["error_kind"] for a in reply.attempt_log] == [f"http_{status}"] * 3


def test_retries_are_bounded_in_total_time(server):
    reply = ask(server, "openai", too_many("0.6"), retries=10, retry_budget=1.0)
    assert reply.error_kind == "http_429" and reply.attempts == 2  # a third would start after 1.2 s
    assert "retry_budget" in reply.attempt_log[-1]["note"]


@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_no_request_after_cancellation(server, kind):
    cancel.cancel()
    reply = ask(server, kind, too_many("0"), retries=3)
    assert reply.error_kind == "cancelled" and server.chat_times == []


@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_cancellation_ends_the_back_off_sleep_and_the_retries(server, kind):
    timer = threading.Timer(0.3, cancel.cancel)
    timer.start()
    reply = ask(server, kind, too_many("20"), retries=3, retry_max_wait=60.0)
    timer.join()
    assert len(server.chat_times) == 1 and reply.attempts == 1
    assert reply.error_kind == "http_429" and reply.timings.wall_s < 20
    assert "cancelled" in reply.attempt_log[-1]["note"]


@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_cancellation_stops_a_stream_in_flight(server, kind):
    if kind == "ollama":
        fault = Fault(body=ndjson(ollama_line("tok "), ollama_line(done=True)), gap=30)
    else:
        fault = Fault(headers=list(SSE), body=sse(openai_chunk({"content": "tok "}), openai_chunk({}, "stop")),
                      gap=30)
    timer = threading.Timer(0.3, cancel.cancel)
    timer.start()
    reply = ask(server, kind, fault, timeout=60.0, retries=2)
    timer.join()
    assert reply.error_kind == "cancelled" and reply.attempts == 1 and len(server.chat_times) == 1


# ---- 7. a cut stream is never the model's mistake ----------------------------------------------

@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_a_stream_cut_inside_the_arguments_is_a_backend_error_in_every_dimension(server, small_cases, kind):
    if kind == "openai":
        fault = Fault(headers=list(SSE), body=sse(openai_chunk(openai_call("read_file", '{"filepath": "src/co')),
                                                  done=False), cut=True)
    else:
        fault = Fault(body=ndjson(ollama_line(tool_calls=[ollama_call("read_file", {"filepath": "src/config.ts"})])),
                      cut=True)
    reply = ask(server, kind, fault)
    assert reply.error_kind == "truncated_stream"
    assert_backend_error_everywhere(reply, small_cases)
