"""`ollama:MODEL` — the official `ollama` client on Ollama's native /api/chat (NDJSON streaming).

Requests go through the guarded path (ctft_eval.backends.guard, .retry, .failures). The client is
the official one; only the class it reads each streamed chunk into is ours (`_ChatResponse`): it
takes a tool call's `arguments` as whatever JSON value the server sent, so that arguments that are
a list, a number or a string (what the model emitted, as Continue would receive it) are scored as
invalid arguments instead of failing the client's validation; null means no arguments.

A host URL's `user:password@` (a proxy in front of Ollama) goes to the server as HTTP Basic auth,
as the openai backend sends a base URL's; the host shown in labels and messages leaves it out.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import ollama

from ctft_eval.backends import BackendSpec, BackendUnavailable, ModelIdentity, guard, retry
from ctft_eval.backends.failures import classify
from ctft_eval.channels import NATIVE
from ctft_eval.reply import STRUCTURED, Reply, Timings, ToolCall
from ctft_eval.settings import Settings

DEFAULT_HOST = "http://127.0.0.1:11434"


def _given_host(explicit: str | None) -> str:
    """--ollama-host, else OLLAMA_HOST, else 127.0.0.1:11434, as a URL with a scheme."""
    value = (explicit or os.environ.get("OLLAMA_HOST") or DEFAULT_HOST).strip().rstrip("/")
    return value if "://" in value else "http://" + value


def resolve_host(explicit: str | None) -> str:
    """--ollama-host, else OLLAMA_HOST, else 127.0.0.1:11434; without the credentials (host_auth).

    The official client (like Ollama's CLI) reads `http://host` without a port as port 80. People
    who write that almost always mean Ollama's port, so a host without a port gets :11434 here,
    except https://, which keeps 443 (a proxy). Write :80 to mean port 80.
    """
    parts = urlsplit(_given_host(explicit))
    host = parts.hostname or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"  # the address a server binds to; clients talk to loopback
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or (443 if parts.scheme == "https" else 11434)
    return f"{parts.scheme}://{host}:{port}{parts.path}"


def host_auth(explicit: str | None) -> httpx.BasicAuth | None:
    """The `user:password@` of the host URL as HTTP Basic auth, as the openai client sends a base
    URL's (a proxy in front of Ollama). The host that labels and messages show has none."""
    parts = urlsplit(_given_host(explicit))
    if parts.username is None and parts.password is None:
        return None
    return httpx.BasicAuth(unquote(parts.username or ""), unquote(parts.password or ""))


class _Function(ollama.Message.ToolCall.Function):
    arguments: Any = None  # the model's output as the server sent it; ToolCall.from_raw judges it


class _ToolCall(ollama.Message.ToolCall):
    function: _Function


class _Message(ollama.Message):
    tool_calls: list[_ToolCall] | None = None


class _ChatResponse(ollama.ChatResponse):
    message: _Message


class _Client(ollama.Client):
    """The official client, reading chat chunks into `_ChatResponse` (see the module docstring)."""

    def _request(self, cls: Any, *args: Any, **kwargs: Any) -> Any:
        return super()._request(_ChatResponse if cls is ollama.ChatResponse else cls, *args, **kwargs)


class OllamaBackend:
    max_concurrency: int | None = None

    def __init__(self, spec: BackendSpec, settings: Settings, options: dict[str, Any]):
        self.spec = spec
        given = spec.url or options.get("ollama_host")
        self.host = resolve_host(given)
        self.settings = settings
        self.client = _Client(host=self.host, timeout=settings.timeout, transport=guard.transport(httpx),
                              auth=host_auth(given))

    def close(self) -> None:
        self.client._client.close()

    # ---- before any test ------------------------------------------------------------------------

    def preflight(self, channels: tuple[str, ...]) -> ModelIdentity:
        model = self.spec.model
        try:
            shown = self.client.show(model)
        except ollama.ResponseError as exc:
            if exc.status_code == 404:
                raise BackendUnavailable(
                    f"Ollama at {self.host} has no model {model!r} ({exc.error}). "
                    f"Pull or create it first: `ollama pull {model}` or "
                    f"`ollama create {model} -f Modelfile.continue-assistant`; `ollama list` shows what is there."
                ) from None
            raise BackendUnavailable(
                f"Ollama at {self.host} answered /api/show with {exc.status_code}: {exc.error}"
            ) from None
        except (ConnectionError, httpx.HTTPError) as exc:
            raise BackendUnavailable(
                f"cannot reach Ollama at {self.host} ({exc}). Start it with `ollama serve`, or point "
                "--ollama-host / OLLAMA_HOST at the server."
            ) from None
        except Exception as exc:  # a body that is not Ollama's answer at all
            _, reason = classify(exc, None)
            raise BackendUnavailable(
                f"the server at {self.host} does not answer /api/show as Ollama does ({reason}); is "
                "--ollama-host / OLLAMA_HOST the address of an Ollama server?"
            ) from None
        capabilities = list(shown.capabilities or [])
        if NATIVE in channels and "tools" not in capabilities:
            raise BackendUnavailable(
                f"Ollama model {model!r} at {self.host} lacks the `tools` capability (it has: "
                f"{', '.join(capabilities) or 'none listed'}), so every request with tools would fail with "
                "'does not support tools'. Give it a tools-aware TEMPLATE (see README, Fine-tune) and "
                "`ollama create` it again, or evaluate only the text channel: --ctft-channel continue."
            )
        details = shown.details.model_dump() if shown.details else {}
        identity: dict[str, Any] = {
            "host": self.host,
            "capabilities": capabilities,
            "details": details,
            "parameters": shown.parameters,
            "template_sha256": hashlib.sha256((shown.template or "").encode()).hexdigest(),
            "modified_at": str(shown.modified_at) if shown.modified_at else None,
        }
        try:
            for entry in self.client.list().models:
                if entry.model in (model, f"{model}:latest") or entry.model.removesuffix(":latest") == model:
                    identity["digest"] = entry.digest
                    identity["size"] = entry.size
        except Exception as exc:  # the digest is a nicety: a broken /api/tags only loses it
            identity["digest_error"] = classify(exc, None)[1] if not isinstance(exc, ollama.ResponseError) else str(exc)
        identity["server_version"] = self._server_version()
        return ModelIdentity(str(self.spec), identity.get("digest"), details.get("quantization_level"),
                             identity["template_sha256"], identity)

    def _server_version(self) -> str | None:
        """The server's /api/version (with the digest, what the reply cache keys a model by); None
        when it does not answer one."""
        try:
            response = self.client._client.get("/api/version")
            version = response.json().get("version") if response.status_code == 200 else None
        except Exception:  # (a nicety like the digest: without it the reply cache stays off)
            return None
        return version if isinstance(version, str) else None

    # ---- one request ----------------------------------------------------------------------------

    def chat(self, messages: list[dict], tools: list[dict] | None, settings: Settings, **_: Any) -> Reply:
        return retry.send(lambda budget: self._chat_once(messages, tools, settings, budget), settings)

    def _chat_once(self, messages: list[dict], tools: list[dict] | None, settings: Settings,
                   budget: guard.Budget) -> Reply:
        options = {
            "temperature": settings.temperature,
            "seed": settings.seed,
            "num_ctx": settings.num_ctx,
            "num_predict": settings.max_tokens,
        }
        reply = Reply()
        text_parts: list[str] = []
        call_chunks: list[dict] = []
        last: dict[str, Any] = {}
        start = time.perf_counter()
        try:
            stream = self.client.chat(
                model=self.spec.model,
                messages=[_wire_message(m) for m in messages],
                tools=tools or None,
                stream=True,
                options=options,
                keep_alive=settings.keep_alive,
            )
            for chunk in stream:
                budget.check()
                message = chunk.message
                if reply.timings.ttft_s is None and (message.content or message.tool_calls):
                    reply.timings.ttft_s = time.perf_counter() - start
                if message.content:
                    text_parts.append(message.content)
                for call in message.tool_calls or []:
                    arguments = call.function.arguments
                    value = json.dumps(arguments) if isinstance(arguments, str) else arguments  # a JSON string value
                    reply.tool_calls.append(
                        ToolCall.from_raw(call.function.name, value, STRUCTURED, settings.max_json_depth))
                if message.tool_calls:
                    call_chunks.append(chunk.model_dump(mode="json"))
                if chunk.done:
                    last = chunk.model_dump(mode="json")
        except ollama.ResponseError as exc:
            if budget.stop or budget.fired:
                reply.error_kind, reply.error = classify(exc, budget)
            else:
                reply.error = str(exc.error)
                reply.error_kind = "stream_error" if exc.status_code == -1 else f"http_{exc.status_code}"
                if "error parsing tool call" in reply.error:
                    reply.error_kind = "server_tool_parse_error"
        except Exception as exc:  # whatever the server sent: a named failure, never a raise (failures.py)
            reply.error_kind, reply.error = classify(exc, budget)
            if reply.error_kind == "connection":
                reply.error = f"connection to {self.host} failed: {reply.error}"
        reply.timings.wall_s = time.perf_counter() - start
        if reply.error is None and not last:
            reply.error, reply.error_kind = "the stream ended without its done chunk (truncated)", "truncated_stream"
        reply.text = "".join(text_parts)
        reply.finish_reason = last.get("done_reason")
        _server_timings(reply.timings, last)
        reply.raw = {"final": last, "tool_call_chunks": call_chunks}
        return reply


def _wire_message(message: dict) -> dict:
    """Neutral message -> Ollama's: arguments as objects, tool results as role and content."""
    role = message["role"]
    if role == "assistant" and message.get("tool_calls"):
        return {
            "role": "assistant",
            "content": message.get("content", ""),
            "tool_calls": [
                {"function": {"name": c["name"], "arguments": c.get("arguments") or {}}} for c in message["tool_calls"]
            ],
        }
    if role == "tool":  # as Continue's Ollama adapter sends it: role and content, no tool name
        return {"role": "tool", "content": message["content"]}
    return {"role": role, "content": message["content"]}


def _server_timings(timings: Timings, final: dict[str, Any]) -> None:
    ns = 1e-9
    for attr, key in (
        ("server_total_s", "total_duration"),
        ("server_load_s", "load_duration"),
        ("server_prompt_s", "prompt_eval_duration"),
        ("server_eval_s", "eval_duration"),
    ):
        if final.get(key) is not None:
            setattr(timings, attr, final[key] * ns)
    timings.prompt_tokens = final.get("prompt_eval_count")
    timings.completion_tokens = final.get("eval_count")


