"""`python -m ctft_eval capture`: a recording proxy between Continue and a local model server.

Continue's apiBase points at the proxy; every request goes to the upstream unchanged (method, path, query,
headers but the hop-by-hop ones, body) and every response comes back unchanged as it arrives, streams included.
The proxy keeps the JSON bodies of the chat requests (Ollama /api/chat, OpenAI .../chat/completions) and, on
Ctrl-C or after --requests N chat requests, writes a profile (profile_file.py) of what Continue really sent.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import socket
import sys
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from ctft_eval.profile_file import CapturedProfile, build, write

DEFAULT_LISTEN = "127.0.0.1:11435"
READ_TIMEOUT = 900.0  # seconds the proxy waits on each read from the upstream: a cold model load takes minutes
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
              "trailer", "trailers", "transfer-encoding", "upgrade"}


class CaptureError(Exception):
    """A proxy that cannot start; the message is one line for the user."""


def redact(url: str) -> str:
    """The URL without user:password@."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])) if "@" in parts.netloc else url


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise CaptureError(f"--listen must be HOST:PORT (e.g. {DEFAULT_LISTEN}), got {text!r}")
    return host, int(port)


def is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Upstream:
    """The server the proxy forwards to; its URL path, if any, is put before every request path."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CaptureError(f"--upstream must be an http:// or https:// URL, got {redact(url)!r}")
        try:
            self.port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:  # not a number, or out of range
            raise CaptureError(f"--upstream has a bad port: {redact(url)!r}") from None
        self.scheme, self.host, self.prefix = parts.scheme, parts.hostname, parts.path.rstrip("/")
        self.display = redact(url).rstrip("/")
        self.auth = None
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            self.auth = "Basic " + base64.b64encode(pair.encode()).decode()

    def connect(self, timeout: float = READ_TIMEOUT) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        return kind(self.host, self.port, timeout=timeout)

    def probe(self) -> str | None:
        """The first of Ollama's /api/tags and OpenAI's /v1/models, /models that answers 200, else None.
        Raises CaptureError when the host cannot be reached at all."""
        for path in ("/api/tags", "/v1/models", "/models"):
            conn = self.connect(timeout=10.0)
            try:
                conn.request("GET", self.prefix + path, headers={"Authorization": self.auth} if self.auth else {})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                raise CaptureError(f"cannot reach the upstream {self.display}: {_reason(exc)}") from None
            finally:
                conn.close()
            if response.status == 200:
                return path
        return None


def chat_kind(path: str) -> str | None:
    """"ollama" or "openai" for a chat request's path, else None."""
    path = path.rstrip("/")
    return "ollama" if path == "/api/chat" else "openai" if path.endswith("/chat/completions") else None


class Proxy:
    """The recording proxy. `start()` probes the upstream and serves on a thread; `finish()` stops and
    writes the profile. `requests`: after that many chat requests, `wait()` returns."""

    def __init__(self, listen: str = DEFAULT_LISTEN, upstream: str = "http://127.0.0.1:11434",
                 out: str | Path = "profile.json", *, requests: int | None = None, allow_remote: bool = False,
                 log: Callable[[str], None] | None = None):
        self.host, self.port = parse_listen(listen)
        if not allow_remote and not is_loopback(self.host):
            raise CaptureError(f"--listen {listen} is not a loopback address; pass --allow-remote to listen there")
        self.upstream = Upstream(upstream)
        self.out = Path(out)
        if self.out.is_dir():
            raise CaptureError(f"--out {self.out} is a directory; give a file name")
        self.limit = requests
        self.log = log or (lambda line: print(line, flush=True))
        self.chats: list[tuple[str, dict[str, Any], str]] = []
        self.chat_count = self.skipped = self.served_chats = 0
        self.other: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.done = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> Proxy:
        if self.upstream.probe() is None:
            self.log(f"note: {self.upstream.display} answers, but neither /api/tags nor /v1/models; forwarding anyway")
        owner = self

        class Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                owner.log(f"error while serving {client_address[0]}: {_reason(sys.exc_info()[1] or Exception())}")

        class Bound(_Handler):
            proxy = owner

        try:
            self._server = Server((self.host, self.port), Bound)
        except OSError as exc:
            raise CaptureError(f"cannot listen on {self.url}: {_reason(exc)}") from None
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.1,), daemon=True).start()
        return self

    def wait(self, timeout: float | None = None) -> bool:  # True once `requests` chat requests have been served
        return self.done.wait(timeout)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def finish(self) -> CapturedProfile | None:
        """Stop serving and write the profile; None (and no file) when no chat request was recorded."""
        self.stop()
        with self.lock:
            if not self.chats:
                return None
            profile = build(list(self.chats), upstream=self.upstream.display, chat_requests=self.chat_count,
                            skipped=self.skipped, other_requests=dict(sorted(self.other.items())))
        write(self.out, profile)
        return profile

    def arrived(self, method: str, path: str, kind: str | None, body: bytes, agent: str) -> str:
        """Record a request as it arrives (so finish() sees every request a client has sent); its log detail."""
        with self.lock:
            if kind is None:
                self.other[f"{method} {path}"] += 1
                return ""
            self.chat_count += 1
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                self.skipped += 1
                return "  (body is not a JSON object: forwarded, not recorded)"
            self.chats.append((kind, parsed, agent))
        tools = parsed.get("tools")
        return f"  model={parsed.get('model')} {len(tools) if isinstance(tools, list) and tools else 'no'} tools"

    def served(self, line: str, chat: bool) -> None:
        self.log(line)
        with self.lock:
            self.served_chats += chat
            if self.limit is not None and self.served_chats >= self.limit:
                self.done.set()


class _Handler(BaseHTTPRequestHandler):
    proxy: Proxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # skip the trailers
                continue
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def forward(self) -> None:
        body = self.read_body()
        parts = urlsplit(self.path if not self.path.startswith("/") else "http://proxy" + self.path)  # absolute too
        path = parts.path
        target = path + (f"?{parts.query}" if parts.query else "")
        kind = chat_kind(path)
        detail = self.proxy.arrived(self.command, path, kind, body, self.headers.get("User-Agent", ""))
        status: int | str = "-"
        try:
            status = self.relay(target, body, kind or ("openai" if "/v1/" in path else "ollama"))
        finally:
            self.proxy.served(f"{self.command} {path} {status}{detail}", kind is not None)

    def relay(self, target: str, body: bytes, flavour: str) -> int | str:
        up = self.proxy.upstream
        drop = HOP_BY_HOP | {"host", "content-length", "expect"} | _tokens(self.headers.get("Connection", ""))
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in drop]
        if body or self.command in ("POST", "PUT", "PATCH"):
            headers.append(("Content-Length", str(len(body))))
        if up.auth and not any(k.lower() == "authorization" for k, _ in headers):
            headers.append(("Authorization", up.auth))
        conn = up.connect()
        try:
            try:
                conn.putrequest(self.command, up.prefix + target, skip_accept_encoding=True)
                for name, value in headers:
                    conn.putheader(name, value)
                conn.endheaders(body or None)
                response = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                message = f"cannot reach the upstream {up.display}: {_reason(exc)}"
                self.bad_gateway(message, flavour)
                return f"502 ({message})"
            self.stream_back(response)
            return response.status
        finally:
            conn.close()

    def stream_back(self, response: http.client.HTTPResponse) -> None:
        self.send_response_only(response.status, response.reason)
        drop = HOP_BY_HOP | _tokens(response.getheader("Connection") or "")
        for name, value in response.getheaders():
            if name.lower() not in drop:
                self.send_header(name, value)
        bodiless = self.command == "HEAD" or response.status in (204, 304) or response.status < 200
        open_ended = not bodiless and response.getheader("Content-Length") is None
        chunked = open_ended and response.chunked and self.request_version == "HTTP/1.1"
        if open_ended:  # framed as the upstream framed it: chunked, or ended by closing the connection
            self.send_header(*(("Transfer-Encoding", "chunked") if chunked else ("Connection", "close")))
        self.end_headers()
        if bodiless:
            return
        try:
            while data := response.read1(65536):
                self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data) if chunked else data)
                self.wfile.flush()
        except (OSError, http.client.HTTPException):
            self.close_connection = True  # cut off mid-body: the client sees it cut off too
            return
        self.wfile.write(b"0\r\n\r\n" if chunked else b"")
        self.wfile.flush()

    def bad_gateway(self, message: str, flavour: str) -> None:
        error: Any = message if flavour == "ollama" else {"message": message, "type": "proxy_error", "code": 502}
        data = json.dumps({"error": error}).encode()
        self.send_response_only(502, "Bad Gateway")
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = forward


def _tokens(header: str) -> set[str]:
    return {t.strip().lower() for t in header.split(",") if t.strip()}
