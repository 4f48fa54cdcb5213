"""`python -m ctft_eval capture`: the recording proxy end to end, between the official clients and the
loopback protocol doubles, and the profile file it writes."""

import base64
import json
import re
import signal
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import httpx2
import ollama
import openai
import pytest
from doubles.ollama_server import OllamaDouble, OllamaHandler
from doubles.openai_server import OpenAIDouble, OpenAIHandler
from doubles.scripted import Call, Scripted

from ctft_eval import profile_file
from ctft_eval.__main__ import main
from ctft_eval.capture import CaptureError, Proxy

ROOT = Path(__file__).resolve().parents[1]
RULES = ("<important_rules>\n  You are working in agent mode: answer in code blocks tagged with a language and a path,\n"
         "  and call one tool at a time.\n</important_rules>")
INSTRUCTIONS = (
    "<tool_use_instructions>\nTools are available. To call one, answer with a tool block and nothing after it.\n\n"
    "To read a file:\n```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath\nsrc/app.ts\nEND_ARG\n```\n\n"
    "To list a folder:\n```tool\nTOOL_NAME: ls\nBEGIN_ARG: dirPath\nsrc\nEND_ARG\n```\n\n"
    "```tool_definition\nTOOL_NAME: read_skill\nTOOL_DESCRIPTION:\nLoad a skill by name\n"
    "TOOL_ARG: skillName (string, required)\nThe skill\nEND_ARG\n```\n\n"
    "For instance, the first example maps to:\n```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath\nx\nEND_ARG\n```\n"
    "</tool_use_instructions>")
TOOLS = [
    {"type": "function", "function": {"name": "read_file", "description": "Read a file in the workspace",
                                      "parameters": {"type": "object", "required": ["filepath"],
                                                     "properties": {"filepath": {"type": "string"}}}}},
    {"type": "function", "function": {"name": "ls", "description": "List a directory",
                                      "parameters": {"type": "object",
                                                     "properties": {"dirPath": {"type": "string"},
                                                                    "recursive": {"type": "boolean"}}}}},
]
ASK = [{"role": "system", "content": RULES}, {"role": "user", "content": "What's in src/config.ts?"}]
READ = Scripted(content="Let me look.", calls=[Call("read_file", {"filepath": "src/config.ts"})])


class KeepsRawBodies:
    """Handler mixin: the double keeps every request's path, raw body and headers."""

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.server_owner.raw.append((self.path, raw, self.headers))
        try:
            return json.loads(raw), None
        except json.JSONDecodeError as exc:
            return None, f"invalid character in request body: {exc}"


class RawOllama(OllamaDouble):
    handler_class = type("RawOllamaHandler", (KeepsRawBodies, OllamaHandler), {})

    def __init__(self, responder):
        super().__init__(responder)
        self.raw = []


class RawOpenAI(OpenAIDouble):
    handler_class = type("RawOpenAIHandler", (KeepsRawBodies, OpenAIHandler), {})

    def __init__(self, responder):
        super().__init__(responder)
        self.raw = []


def keeping(sent):
    return {"request": [lambda request: sent.append(request.content)]}


@pytest.fixture
def out(tmp_path):
    return tmp_path / "profile.json"


@pytest.fixture
def lines():
    return []


@pytest.fixture
def proxy_to(out, lines):
    started = []

    def start(upstream, **kwargs):
        started.append(Proxy("127.0.0.1:0", upstream, out, log=lines.append, **kwargs).start())
        return started[-1]

    yield start
    for proxy in started:
        proxy.stop()


def ollama_chat(url, sent=None, **kwargs):
    client = ollama.Client(host=url, timeout=30, event_hooks=keeping([] if sent is None else sent))
    return [chunk.model_dump() for chunk in client.chat(model="m", stream=True, **kwargs)]


def openai_chat(url, sent=None, **kwargs):
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0,
                           http_client=httpx2.Client(timeout=30, event_hooks=keeping([] if sent is None else sent)))
    return [chunk.model_dump() for chunk in client.chat.completions.create(model="m", stream=True, **kwargs)]


def test_ollama_native_request_streams_through_unchanged_and_becomes_the_profile(proxy_to, out, lines):
    with RawOllama(lambda request: READ) as double:
        ask = {"messages": ASK, "tools": TOOLS, "options": {"num_ctx": 8192, "num_predict": 4096}, "keep_alive": 1800}
        direct = ollama_chat(double.url, **ask)
        proxy = proxy_to(double.url)
        sent = []
        through = ollama_chat(proxy.url, sent, **ask)
        after = [*ASK, {"role": "assistant", "content": "", "tool_calls": [
            {"function": {"name": "read_file", "arguments": {"filepath": "src/config.ts"}}}]},
            {"role": "tool", "content": "export const port = 3000"}]
        ollama_chat(proxy.url, sent, messages=after, options={"num_ctx": 8192})
        profile = proxy.finish()
    assert through == direct and len(through) > 2
    assert any(chunk["message"]["tool_calls"] for chunk in through)
    chats = [(raw, headers) for path, raw, headers in double.raw if path == "/api/chat"]
    assert [raw for raw, _ in chats[1:]] == sent  # the first went to the double directly
    assert chats[1][1]["User-Agent"] == chats[0][1]["User-Agent"]
    loaded = profile_file.load(out)
    assert loaded == profile
    wire = json.loads(sent[0])
    assert loaded.provider == "ollama" and loaded.model == "m" and loaded.mode == "native"
    assert loaded.system == RULES and loaded.base_system == RULES and loaded.tool_instructions is None
    assert list(loaded.tools) == wire["tools"] and loaded.tool_names == ("read_file", "ls")
    assert loaded.options == {"num_ctx": 8192, "num_predict": 4096, "keep_alive": 1800}
    assert loaded.tools_after_tool_result is False and loaded.parallel_tool_calls is None
    assert loaded.user_agent.startswith("ollama-python")
    assert loaded.captured.chat_requests == 2 and loaded.captured.skipped == 0
    assert loaded.captured.sha256 == profile_file.fingerprint(RULES, wire["tools"], loaded.options)
    assert lines[0].startswith("POST /api/chat 200") and "model=m 2 tools" in lines[0]
    assert "no tools" in lines[1]


def test_openai_request_streams_through_unchanged_and_becomes_the_profile(proxy_to, out, lines):
    with RawOpenAI(lambda request: READ) as double:
        ask = {"messages": ASK, "tools": TOOLS, "parallel_tool_calls": False, "temperature": 0.0,
               "max_tokens": 4096, "stream_options": {"include_usage": True}}
        direct = openai_chat(double.url, **ask)
        proxy = proxy_to(double.url)
        sent = []
        through = openai_chat(proxy.url, sent, **ask)
        after = [*ASK, {"role": "assistant", "content": " ", "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "read_file", "arguments": '{"filepath": "src/config.ts"}'}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "export const port = 3000"}]
        openai_chat(proxy.url, sent, **{**ask, "messages": after})
        models = httpx.get(f"{proxy.url}/v1/models").json()
        proxy.finish()
    assert through == direct
    calls = [tc for chunk in through for choice in chunk["choices"] for tc in choice["delta"]["tool_calls"] or []]
    assert calls[0]["function"]["name"] == "read_file"
    assert through[-1]["usage"]["total_tokens"] == 417
    assert [raw for path, raw, _ in double.raw[1:]] == sent  # the first went to the double directly
    assert models["data"][0]["id"] == "m"
    loaded = profile_file.load(out)
    wire = json.loads(sent[0])
    assert loaded.provider == "openai" and loaded.mode == "native" and loaded.system == RULES
    assert list(loaded.tools) == wire["tools"] == TOOLS and loaded.tool_names == ("read_file", "ls")
    assert loaded.parallel_tool_calls is False and loaded.tools_after_tool_result is True
    assert loaded.options == {"temperature": 0.0, "max_tokens": 4096, "stream_options": {"include_usage": True}}
    assert loaded.user_agent.startswith("OpenAI/Python")
    assert loaded.captured.other_requests == {"GET /v1/models": 1}
    assert "POST /v1/chat/completions 200  model=m 2 tools" in lines


def test_system_message_tools_give_mode_system_message_and_names_from_the_block(proxy_to, out):
    system = f"{RULES}\n\n{INSTRUCTIONS}\n\nAlways answer in English."
    with OllamaDouble(lambda request: Scripted(content="```tool\nTOOL_NAME: read_file\n")) as double:
        proxy = proxy_to(double.url)
        ollama_chat(proxy.url, messages=[{"role": "system", "content": system}, ASK[1]])
        ollama_chat(proxy.url, messages=[{"role": "system", "content": system}, ASK[1],
                                         {"role": "assistant", "content": "```tool\nTOOL_NAME: read_file\n```"},
                                         {"role": "user", "content": "Tool output for read_file tool call:\n\nx"}])
        proxy.finish()
    loaded = profile_file.load(out)
    assert loaded.mode == "system_message" and loaded.tools == ()
    assert loaded.system == system and loaded.tool_instructions == INSTRUCTIONS
    assert loaded.base_system == f"{RULES}\n\n\n\nAlways answer in English."
    assert loaded.tool_names == ("read_file", "ls", "read_skill")
    assert loaded.tools_after_tool_result is False


def test_a_stream_is_relayed_as_it_arrives_not_at_its_end(proxy_to):
    gate = threading.Event()

    class Gated(OllamaHandler):
        def write_line(self, text):
            super().write_line(text)
            gate.wait(20)  # the rest waits until the client has read the first line through the proxy

    class GatedDouble(OllamaDouble):
        handler_class = Gated

    with GatedDouble(lambda request: Scripted(content="one two three", chunk_size=4)) as double:
        proxy = proxy_to(double.url)
        body = {"model": "m", "messages": ASK}
        with httpx.stream("POST", f"{proxy.url}/api/chat", json=body, timeout=10) as response:
            lines = response.iter_lines()
            first = json.loads(next(lines))
            gate.set()
            rest = [json.loads(line) for line in lines]
        assert response.headers["content-type"] == "application/x-ndjson"
    assert first["message"]["content"] == "one "
    assert "".join(c["message"]["content"] for c in rest) == "two three" and rest[-1]["done"]


class ChunkedNDJSON(BaseHTTPRequestHandler):
    """An HTTP/1.1 upstream that streams in chunked transfer encoding, as Ollama's Go server does."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for line in (b'{"message":{"content":"a"},"done":false}\n', b'{"message":{"content":"b"},"done":true}\n'):
            self.wfile.write(b"%X\r\n%s\r\n" % (len(line), line))
        self.wfile.write(b"0\r\n\r\n")


def test_a_chunked_upstream_stays_chunked_and_the_connection_stays_usable(proxy_to):
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChunkedNDJSON)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        proxy = proxy_to(f"http://127.0.0.1:{server.server_address[1]}")
        with httpx.Client(base_url=proxy.url, timeout=10) as client:
            replies = [client.post("/api/chat", json={"model": "m", "messages": ASK}) for _ in range(2)]
    finally:
        server.shutdown()
        server.server_close()
    for reply in replies:
        assert reply.headers["transfer-encoding"] == "chunked" and "content-length" not in reply.headers
        assert [json.loads(line)["message"]["content"] for line in reply.text.splitlines()] == ["a", "b"]


def test_bytes_and_headers_come_back_as_the_upstream_sent_them(proxy_to, out):
    with OllamaDouble(lambda request: Scripted(content="plain answer")) as double:
        proxy = proxy_to(double.url)
        body = json.dumps({"model": "m", "messages": ASK}).encode()
        got = [httpx.post(f"{base}/api/chat", content=body) for base in (double.url, proxy.url)]
        shows = [httpx.post(f"{base}/api/show?q=1", json={"model": "nope"}) for base in (double.url, proxy.url)]
        not_json = httpx.post(f"{proxy.url}/api/chat", content=b"{not json")
        proxy.finish()
    assert got[1].content == got[0].content and got[1].status_code == 200
    assert got[1].headers["content-type"] == got[0].headers["content-type"]
    assert (shows[1].status_code, shows[1].json()) == (shows[0].status_code, shows[0].json()) == (
        404, {"error": "404 page not found"})  # the double matches paths exactly: the query went through
    assert not_json.status_code == 400 and "invalid character" in not_json.json()["error"]
    assert [path for _, path, _ in double.requests if "show" in path] == ["/api/show?q=1"] * 2
    captured = profile_file.load(out).captured
    assert (captured.chat_requests, captured.skipped) == (2, 1)
    assert captured.other_requests == {"POST /api/show": 1}


def test_credentials_go_upstream_as_basic_auth_and_nowhere_else(proxy_to, out, lines):
    with RawOllama(lambda request: Scripted(content="hi")) as double:
        url = double.url
        proxy = proxy_to(url.replace("http://", "http://ann:s3cret@"))
        ollama_chat(proxy.url, messages=ASK)
        proxy.finish()
    headers = double.raw[0][2]
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"ann:s3cret").decode()
    assert "s3cret" not in out.read_text() and not any("s3cret" in line for line in lines)
    assert profile_file.load(out).captured.upstream == url


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_upstream_is_one_clear_error_at_startup(out):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(CaptureError, match=rf"^cannot reach the upstream {re.escape(url)}: .*refused"):
        Proxy("127.0.0.1:0", url, out).start()
    with pytest.raises(CaptureError, match="not a loopback address; pass --allow-remote"):
        Proxy("0.0.0.0:0", url, out)


def test_an_upstream_that_answers_neither_probe_still_starts(proxy_to, lines):
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)  # answers 501 to everything
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        proxy_to(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
    assert "neither /api/tags nor /v1/models" in lines[0]


def test_an_upstream_gone_later_answers_502_with_a_json_error(proxy_to, out, lines):
    double = OllamaDouble(lambda request: Scripted(content="hi")).start()
    url = double.url
    proxy = proxy_to(url)
    double.stop()
    with pytest.raises(ollama.ResponseError) as ollama_error:
        ollama_chat(proxy.url, messages=ASK, tools=TOOLS)
    with pytest.raises(openai.APIStatusError) as openai_error:
        openai_chat(proxy.url, messages=ASK)
    proxy.finish()
    assert ollama_error.value.status_code == 502 and f"cannot reach the upstream {url}: " in ollama_error.value.error
    assert openai_error.value.status_code == 502 and url in openai_error.value.message
    assert lines[0].startswith(f"POST /api/chat 502 (cannot reach the upstream {url}: ")
    assert profile_file.load(out).captured.chat_requests == 2


def capture_cli(out, upstream, *extra):
    command = [sys.executable, "-m", "ctft_eval", "capture", "--listen", "127.0.0.1:0", "--upstream", upstream,
               "--out", str(out), *extra]
    # SIGINT as a terminal delivers it, even when this test run was started in the background (a shell
    # starts background jobs with SIGINT ignored, and the child would inherit that)
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    first = proc.stdout.readline()
    match = re.search(r"capturing on (http://127\.0\.0\.1:\d+)", first)
    if not match:
        proc.kill()
        pytest.fail(f"no listening line: {first!r} {proc.communicate()[1]}")
    return proc, match.group(1)


def test_cli_stops_after_n_requests_and_writes_the_profile(out):
    with OllamaDouble(lambda request: READ) as double:
        proc, url = capture_cli(out, double.url, "--requests", "1")
        ollama_chat(url, messages=ASK, tools=TOOLS)
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "POST /api/chat 200  model=m 2 tools" in stdout and f"wrote {out}" in stdout
    assert profile_file.load(out).tool_names == ("read_file", "ls")


def test_cli_writes_the_profile_on_ctrl_c(out):
    with OpenAIDouble(lambda request: Scripted(content="hi")) as double:
        proc, url = capture_cli(out, double.url)
        openai_chat(url, messages=ASK, tools=TOOLS, parallel_tool_calls=False)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert profile_file.load(out).provider == "openai"


@pytest.mark.parametrize(("argv", "message"), [
    (["--upstream", "http://127.0.0.1:{port}"], "error: cannot reach the upstream http://127.0.0.1:{port}: "),
    (["--upstream", "ftp://x"], "error: --upstream must be an http:// or https:// URL"),
    (["--upstream", "http://x", "--listen", "10.1.2.3:80"], "error: --listen 10.1.2.3:80 is not a loopback"),
    (["--upstream", "http://x", "--listen", "nope"], "error: --listen must be HOST:PORT"),
])
def test_cli_bad_input_is_exit_2_and_one_line(out, capsys, argv, message):
    port = free_port()
    assert main(["capture", "--out", str(out), *(a.format(port=port) for a in argv)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message.format(port=port)) and err.count("\n") == 1
    assert not out.exists()


def valid_profile():
    body = {"model": "m", "messages": ASK, "tools": TOOLS, "options": {"num_ctx": 8192}}
    return profile_file.build([("ollama", body, "ua")], upstream="http://h", chat_requests=1, skipped=0).to_json()


def _set(path, value):
    def change(data):
        *keys, last = path.split(".")
        for key in keys:
            data = data[key]
        if value is KeyError:
            del data[last]
        else:
            data[last] = value
    return change


@pytest.mark.parametrize(("change", "field"), [
    (_set("format", "ctft-eval-profile/9"), "'format' must be 'ctft-eval-profile/1'"),
    (_set("system", KeyError), "'system' is missing"),
    (_set("system", 3), "'system' must be a string"),
    (_set("provider", "lmstudio"), "'provider' must be one of ollama, openai"),
    (_set("mode", "xml"), "'mode' must be one of native, system_message"),
    (_set("tools", {"read_file": {}}), "'tools' must be a list"),
    (_set("tools", ["read_file"]), "'tools[0]' must be a function tool object"),
    (_set("tools", [{"type": "function", "function": {"description": "x"}}]), "'tools[0].function.name' is missing"),
    (_set("tools", [TOOLS[0], {"type": "function", "function": {"name": " "}}]), "'tools[1].function.name' must be"),
    (_set("tools", [{"type": "function", "function": {"name": "a", "parameters": []}}]),
     "'tools[0].function.parameters' must be an object"),
    (_set("tool_names", ["ok", 7]), "'tool_names[1]' must be a non-empty string"),
    (_set("tool_instructions", KeyError), "'tool_instructions' is missing"),
    (_set("tools_after_tool_result", "yes"), "'tools_after_tool_result' must be true or false or null"),
    (_set("options", []), "'options' must be an object"),
    (_set("captured.chat_requests", "3"), "'captured.chat_requests' must be an integer"),
    (_set("captured.skipped", True), "'captured.skipped' must be an integer"),
    (_set("captured.sha256", "abc"), "'captured.sha256' must be 64 lower-case hex digits"),
    (_set("captured", KeyError), "'captured' is missing"),
])
def test_load_names_the_file_and_the_field(tmp_path, change, field):
    data = valid_profile()
    change(data)
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    with pytest.raises(profile_file.ProfileError) as error:
        profile_file.load(path)
    assert str(error.value).startswith(f"{path}: field {field}") and "\n" not in str(error.value)


@pytest.mark.parametrize(("text", "message"), [
    ("{", "not JSON (line 1, column 2"), ("[]", "a profile is a JSON object, got list"),
])
def test_load_rejects_what_is_not_a_profile_object(tmp_path, text, message):
    path = tmp_path / "p.json"
    path.write_text(text)
    with pytest.raises(profile_file.ProfileError, match=re.escape(f"{path}: {message}")):
        profile_file.load(path)


def test_a_valid_profile_round_trips(tmp_path):
    data = valid_profile()
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    assert profile_file.load(path).to_json() == data
