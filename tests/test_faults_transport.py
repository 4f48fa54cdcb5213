"""Whatever a server sends becomes a Reply with a named failure: malformed bodies, cut streams,
invalid bytes, deep or huge JSON, slow streams past the request deadline, retries (Retry-After,
cancellation), a wrong base path. Real official clients against a loopback fault server.

Also what a backend is given: credentials in an Ollama host URL, a GGUF whose chat template or
generation outlasts the deadline (in-process llama.cpp, a stand-in model), broken GGUF files."""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import struct
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import SMALL_SUITE, require, require_model
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
from doubles.ollama_server import OllamaDouble, OllamaHandler
from doubles.scripted import Scripted

from ctft_eval import cancel, dimensions
from ctft_eval.backends import BackendSpec, BackendUnavailable, retry
from ctft_eval.backends.gguf_header import BrokenGGUF, read_header
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


@pytest.mark.parametrize("kind", ["ollama", "openai"])
@pytest.mark.parametrize("gap", [0.25, 30])
def test_a_deadline_on_a_stream_that_only_closing_ends_is_a_timeout(server, small_cases, kind, gap):
    """No Content-Length, no chunks (HTTP/1.0 style): the watchdog's shutdown reads as the body's
    end, which is the deadline's, not a cut stream."""
    if kind == "ollama":
        fault = Fault(body=ndjson(*(ollama_line("tok ") for _ in range(60)), ollama_line(done=True)))
    else:
        fault = Fault(headers=list(SSE), body=sse(*(openai_chunk({"content": "tok "}) for _ in range(60)),
                                                  openai_chunk({}, "stop")))
    fault.gap, fault.framing = gap, "close"
    reply = ask(server, kind, fault, timeout=1.0)
    assert reply.error_kind == "timeout" and "1 s" in reply.error, reply.error
    assert reply.timings.wall_s < 6 and reply.text.startswith("tok ")
    assert_backend_error_everywhere(reply, small_cases)


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


# ---- credentials in an Ollama host URL ---------------------------------------------------------

class OllamaWithAuth(OllamaDouble):
    """The Ollama double behind a proxy that wants HTTP Basic auth: 401 without the right header."""

    def __init__(self, expected: str):
        super().__init__(lambda request: Scripted(content="hello"))
        self.authorization: list[str | None] = []
        owner = self

        class Handler(OllamaHandler):
            def parse_request(self) -> bool:
                if not super().parse_request():
                    return False
                owner.authorization.append(self.headers.get("Authorization"))
                if self.headers.get("Authorization") == expected:
                    return True
                self.rfile.read(int(self.headers.get("Content-Length") or 0))  # (unread, the close would reset)
                self.send_json(401, {"error": "unauthorized"})
                return False

        self.handler_class = Handler


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_ollama_sends_the_host_urls_credentials_as_basic_auth():
    with OllamaWithAuth(basic("ann", "s3cr/t")) as server:
        url = f"http://ann:s3cr%2Ft@127.0.0.1:{server.port}"
        s = Settings(timeout=5.0, retries=0)
        backend = OllamaBackend(BackendSpec("ollama", "m", url), s, {})
        try:
            identity = backend.preflight(("native",))
            reply = backend.chat(USER, None, s)
        finally:
            backend.close()
    assert reply.error is None and reply.text == "hello"
    assert server.authorization and set(server.authorization) == {basic("ann", "s3cr/t")}
    assert backend.host == url.replace("ann:s3cr%2Ft@", "")  # what labels and messages show
    assert "s3cr" not in json.dumps(identity.to_json()) and "s3cr" not in str(backend.spec)


def test_ollama_credentials_reach_the_server_and_no_output(pytester):
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    pytester.makefile(".toml", pyproject="[tool.ctft_eval]\ntimeout = 5.0\nretries = 0\n")
    record, junit = pytester.path / "run.json", pytester.path / "junit.xml"
    with OllamaWithAuth(basic("ann", "s3cret")) as server:
        result = pytester.runpytest_subprocess(
            "suites", "-p", "no:cacheprovider", f"--backend=ollama:m@http://ann:s3cret@127.0.0.1:{server.port}",
            "-k", "read-config", f"--ctft-record={record}", f"--junitxml={junit}", timeout=120)
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 1 and "ctft-eval summary" in out, out  # (the model says hello: a failed gate)
    assert set(server.authorization) == {basic("ann", "s3cret")}
    assert "ollama:m@http://ann:***@127.0.0.1" in out
    for where, text in (("output", out), ("record", record.read_text()), ("junit", junit.read_text())):
        assert "s3cret" not in text, where


# ---- the in-process llama.cpp backend under the request deadline -------------------------------

LOOP = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
SILENT_LOOP = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
CHATML = ("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


class SlowLlama:
    """Stands in for llama_cpp.Llama: counts tokens as bytes, streams `tokens` pieces `gap` s apart,
    and notes whether the stream was closed."""

    def __init__(self, tokens: int = 100, gap: float = 0.0):
        self.tokens, self.gap = tokens, gap
        self.closed = False

    def tokenize(self, text: bytes, add_bos: bool = False, special: bool = False) -> list[int]:
        return list(text)

    def create_completion(self, prompt: str, **_: Any) -> Iterator[dict[str, Any]]:
        try:
            for n in range(self.tokens):
                time.sleep(self.gap)
                yield {"choices": [{"text": "tok ", "finish_reason": "length" if n == self.tokens - 1 else None}]}
        finally:
            self.closed = True


def llamacpp(source: str, llm: SlowLlama, **settings: Any) -> tuple[Any, Settings]:
    """The llamacpp backend with `source` as its chat template and a stand-in model, as preflight leaves it."""
    require("llama-cpp-python", importlib.util.find_spec("llama_cpp") is not None)
    from ctft_eval.backends.llamacpp import LlamaCppBackend

    s = Settings(**{"timeout": 1.0, "num_ctx": 1 << 20, **settings})
    backend = LlamaCppBackend(BackendSpec("llamacpp", "stand-in.gguf"), s, {})
    backend.llm, backend.template = llm, backend._env.from_string(source)
    backend._bos, backend._eos = "", "<|im_end|>"
    return backend, s


@pytest.mark.parametrize("source", [LOOP, SILENT_LOOP], ids=["printing", "silent"])
def test_a_chat_template_that_loops_is_stopped_at_the_request_deadline(small_cases, source):
    llm = SlowLlama()
    backend, s = llamacpp(source, llm)
    tracer = sys.gettrace()
    started = time.monotonic()
    reply = backend.chat(USER, function_schemas(["read_file"]), s)
    assert time.monotonic() - started < 5 and reply.timings.wall_s >= 1.0
    assert reply.error_kind == "timeout" and "1 s" in reply.error, reply.error
    assert sys.gettrace() is tracer  # the render's tracer is gone with it
    assert_backend_error_everywhere(reply, small_cases)
    backend.template = backend._env.from_string(CHATML)  # the next request renders as ever
    assert backend.chat(USER, None, s).text == "tok " * 100


def test_a_cancelled_run_stops_a_chat_template_that_loops():
    backend, s = llamacpp(SILENT_LOOP, SlowLlama(), timeout=60.0)
    timer = threading.Timer(0.3, cancel.cancel)
    timer.start()
    reply = backend.chat(USER, None, s)
    timer.join()
    assert reply.error_kind == "cancelled" and reply.timings.wall_s < 5


@pytest.mark.parametrize("expression", ["{{ 'x' * 10**12 }}", "{{ 2 ** (10**9) }}", "{{ [0] * 10**9 }}"])
def test_a_chat_template_asking_for_a_huge_value_is_refused(expression):
    backend, s = llamacpp(expression, SlowLlama(), timeout=60.0)  # compiling it folds no constant
    started = time.monotonic()
    reply = backend.chat(USER, None, s)
    assert reply.error_kind == "template_error" and "at most" in reply.error, reply.error
    assert time.monotonic() - started < 5
    assert llamacpp("{{ 'ab' * 3 }} {{ 2 ** 10 }} {{ [1] * 2 }}", SlowLlama())[0].render(
        USER, None, retry.budget_for(s)) == "ababab 1024 [1, 1]"


def test_generation_is_stopped_at_the_request_deadline(small_cases):
    llm = SlowLlama(tokens=100, gap=0.1)  # 10 s of tokens
    backend, s = llamacpp(CHATML, llm)
    reply = backend.chat(USER, function_schemas(["read_file"]), s)
    assert reply.error_kind == "timeout" and "1 s" in reply.error, reply.error
    assert 1.0 <= reply.timings.wall_s < 3 and llm.closed
    assert reply.text.startswith("tok ")  # what came before the deadline is kept
    assert_backend_error_everywhere(reply, small_cases)


def test_a_long_prompt_of_a_real_model_is_stopped_at_the_request_deadline():
    """llama.cpp's own loop evaluates the prompt; its abort callback ends it at the deadline."""
    require_model("smollm2-135m")
    from ctft_eval.backends.llamacpp import LlamaCppBackend

    s = Settings(timeout=0.5, num_ctx=8192, max_tokens=16)
    backend = LlamaCppBackend(BackendSpec("llamacpp", "smollm2-135m"), s, {})
    try:
        backend.preflight(("native",))
        long = [{"role": "user", "content": "hello world, " * 2500}]  # some 5,000 tokens
        reply = backend.chat(long, None, s)
        assert reply.error_kind == "timeout" and reply.timings.wall_s < 3, (reply.error, reply.timings)
        after = backend.chat(USER, None, Settings(timeout=120.0, max_tokens=4))  # the context still works
        assert after.error is None and after.text
    finally:
        backend.close()


# ---- broken GGUF files: one clear error that says why -------------------------------------------

def gguf(tensor_bytes: int = 4096, *, version: int = 3, architecture: str = "llama") -> bytes:
    """A small GGUF: general.architecture, and one F32 tensor of `tensor_bytes` at the data's start."""
    def string(text: str) -> bytes:
        return struct.pack("<Q", len(text.encode())) + text.encode()

    head = b"GGUF" + struct.pack("<IQQ", version, 1, 1)
    meta = string("general.architecture") + struct.pack("<I", 8) + string(architecture)
    info = string("w") + struct.pack("<IQIQ", 1, tensor_bytes // 4, 0, 0)
    header = head + meta + info
    return header + b"\0" * (-len(header) % 32) + b"\0" * tensor_bytes


BROKEN_GGUF = {
    "empty": (b"", "empty (0 bytes)"),
    "random": (bytes(range(7, 250)) * 10, "not a GGUF file"),
    "lfs-pointer": (b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 491400064\n", "Git LFS pointer"),
    "html": (b"<!DOCTYPE html><html><body>Not found</body></html>", "HTML page"),
    "version-99": (gguf(version=99), "version 99"),
    "version-1": (gguf(version=1), "version 1"),
    "big-endian": (gguf(version=3 << 24), "big-endian"),
    "cut-in-header": (gguf()[:40], "end inside its header"),
    "cut-in-tensors": (gguf()[:-100], "its tensors need"),
    "bad-value-type": (gguf().replace(struct.pack("<I", 8), struct.pack("<I", 77), 1), "value type 77"),
}


@pytest.mark.parametrize("name", list(BROKEN_GGUF))
def test_a_broken_gguf_header_says_what_is_wrong(tmp_path, name):
    data, reason = BROKEN_GGUF[name]
    path = tmp_path / "model.gguf"
    path.write_bytes(data)
    with pytest.raises(BrokenGGUF, match=re.escape(reason)):
        read_header(path)


def test_a_sound_gguf_header_reads(tmp_path):
    path = tmp_path / "model.gguf"
    path.write_bytes(gguf(architecture="nosucharch"))
    header = read_header(path)
    assert (header.version, header.architecture, header.tensors) == (3, "nosucharch", 1)
    with pytest.raises(BrokenGGUF, match="directory"):
        read_header(tmp_path)


@pytest.mark.parametrize("name", ["empty", "random", "cut-in-tensors"])
def test_a_broken_gguf_stops_the_run_with_exit_4_naming_file_and_reason(pytester, name):
    require("llama-cpp-python", importlib.util.find_spec("llama_cpp") is not None)
    data, reason = BROKEN_GGUF[name]
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    path = pytester.path / "model.gguf"
    path.write_bytes(data)
    result = pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", f"--backend=llamacpp:{path}",
                                           timeout=120)
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 4 and "INTERNALERROR" not in out, out
    assert f"llama.cpp could not load {path}: " in out and reason in out, out


def test_a_gguf_llama_cpp_cannot_load_despite_a_sound_header_says_so(tmp_path):
    require("llama-cpp-python", importlib.util.find_spec("llama_cpp") is not None)
    from ctft_eval.backends.llamacpp import LlamaCppBackend

    path = tmp_path / "model.gguf"
    path.write_bytes(gguf(architecture="nosucharch"))
    backend = LlamaCppBackend(BackendSpec("llamacpp", str(path)), Settings(), {})
    with pytest.raises(BackendUnavailable, match="sound GGUF.*'nosucharch'") as err:
        backend.preflight(("native",))
    assert str(path) in str(err.value)
