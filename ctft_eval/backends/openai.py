"""`openai:MODEL[@URL]` — the official `openai` client against any OpenAI-compatible server
(llama.cpp's server, vLLM, LM Studio, Ollama's /v1, ...), streaming chat completions.

Requests go through the guarded path (ctft_eval.backends.guard, .retry, .failures). Each streamed
chunk is read from its JSON form with the protocol's types checked: a chunk that is not an object,
`choices` that is not a list, content or an argument fragment that is not a string is the server
breaking the protocol (malformed_response). The argument text the fragments join into is the
model's, and scored however it reads (ctft_eval.reply.ToolCall.from_raw).

Preflight asks GET /models. Some servers have none (a 404): then one minimal chat request
(max_tokens 1) tells a server without a model list (any answer but 404) from a wrong base path
(404 there too), which would otherwise turn every case into a backend error.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import httpx2
import openai

from ctft_eval.backends import BackendSpec, BackendUnavailable, ModelIdentity, guard, llama_props, retry
from ctft_eval.backends.failures import Malformed, classify
from ctft_eval.reply import STRUCTURED, Reply, ToolCall
from ctft_eval.settings import Settings

PLACEHOLDER_KEY = "ctft-eval-local"  # local servers ignore the key, but the client insists on one
_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean",
               type(None): "null"}


class OpenAIBackend:
    max_concurrency: int | None = None

    def __init__(self, spec: BackendSpec, settings: Settings, options: dict[str, Any]):
        self.spec, self.settings = spec, settings
        self.base_url = (spec.url or os.environ.get("OPENAI_BASE_URL") or "").rstrip("/")
        if not self.base_url:
            raise BackendUnavailable(
                f"--backend={spec} needs a server URL: write openai:{spec.model}@http://127.0.0.1:8080/v1 "
                "or set OPENAI_BASE_URL"
            )
        self.client = openai.OpenAI(
            base_url=self.base_url,
            api_key=os.environ.get("OPENAI_API_KEY") or PLACEHOLDER_KEY,
            max_retries=0,  # retries are ours: bounded, counted, and never hidden inside a latency figure
            timeout=settings.timeout,
            http_client=openai.DefaultHttpxClient(transport=guard.transport(httpx2), timeout=settings.timeout),
        )

    def close(self) -> None:
        self.client.close()

    def preflight(self, channels: tuple[str, ...]) -> ModelIdentity:
        url = self.base_url
        try:
            served = [str(m.id) for m in self.client.models.list()]
        except openai.APIConnectionError as exc:
            raise self._unreachable(exc) from None
        except openai.NotFoundError:
            return self._without_model_list()
        except openai.APIStatusError as exc:
            raise BackendUnavailable(
                f"the server at {url} answered GET {url}/models with {exc.status_code}: {exc.message}"
            ) from None
        except Exception as exc:  # a body that is not a model list
            raise BackendUnavailable(
                f"the server at {url} answered GET {url}/models with something that is not a model list "
                f"({classify(exc, None)[1]}); is {url} the base URL of an OpenAI-compatible API (it usually "
                "ends in /v1)?"
            ) from None
        if self.spec.model not in served and len(served) != 1:
            raise BackendUnavailable(
                f"the server at {url} does not serve model {self.spec.model!r}; it serves: "
                f"{', '.join(served) or 'nothing'}. Use one of those names in --backend."
            )
        return ModelIdentity(str(self.spec), details={"base_url": url, "served_models": served, **self._weights()})

    def _weights(self) -> dict[str, Any]:
        """What identifies the served weights, where the server says (llama.cpp's /props)."""
        key = self.client.api_key if self.client.api_key != PLACEHOLDER_KEY else None
        found = llama_props.weights(self.base_url, key, timeout=min(self.settings.timeout, 5.0))
        return {"weights": found} if found else {}

    def _unreachable(self, exc: Exception) -> BackendUnavailable:
        return BackendUnavailable(
            f"cannot reach the OpenAI-compatible server at {self.base_url} ({exc.__cause__ or exc}). "
            "Start it, or fix the URL after @ in --backend."
        )

    def _without_model_list(self) -> ModelIdentity:
        """GET /models was a 404: a server without a model list, or a wrong base path; ask the chat endpoint."""
        url = self.base_url
        try:
            self.client.chat.completions.create(model=self.spec.model, max_tokens=1, stream=False,
                                                messages=[{"role": "user", "content": "ping"}])
        except openai.NotFoundError as exc:
            message = _error_message(exc)
            if "model" in message.lower():
                raise BackendUnavailable(f"the server at {url} does not serve model {self.spec.model!r}: "
                                         f"{message}") from None
            raise BackendUnavailable(
                f"nothing answers at {url}: GET {url}/models and POST {url}/chat/completions are both 404 "
                f"({message}). Check the base path after @ in --backend; OpenAI-compatible servers usually "
                "serve under /v1 (e.g. http://127.0.0.1:8080/v1)."
            ) from None
        except openai.APIConnectionError as exc:
            raise self._unreachable(exc) from None
        except Exception:
            pass  # the chat endpoint is there (it refused or garbled a one-token request: the cases will tell)
        return ModelIdentity(str(self.spec), details={"base_url": url, "served_models": None,
                                                      "models_endpoint": "404; POST /chat/completions answers",
                                                      **self._weights()})

    def chat(self, messages: list[dict], tools: list[dict] | None, settings: Settings,
             parallel_tool_calls: bool | None = None) -> Reply:
        return retry.send(lambda budget: self._chat_once(messages, tools, settings, budget, parallel_tool_calls),
                          settings)

    def _chat_once(self, messages: list[dict], tools: list[dict] | None, settings: Settings,
                   budget: guard.Budget, parallel_tool_calls: bool | None = None) -> Reply:
        reply = Reply()
        text_parts: list[str] = []
        slots: list[dict[str, Any]] = []  # accumulated tool calls, keyed by (index, id)
        chunks_seen = 0
        usage: dict[str, Any] | None = None
        start = time.perf_counter()
        kwargs: dict[str, Any] = {}
        if tools:
            kwargs["tools"] = tools
            if parallel_tool_calls is not None:
                kwargs["parallel_tool_calls"] = parallel_tool_calls
        try:
            stream = self.client.chat.completions.create(
                model=self.spec.model,
                messages=[_wire_message(m) for m in messages],
                temperature=settings.temperature,
                seed=settings.seed,
                max_tokens=settings.max_tokens,
                stream=True,
                stream_options={"include_usage": True},
                **kwargs,
            )
            for chunk in stream:
                budget.check()
                chunks_seen += 1
                data = _as_json(chunk)
                if isinstance(data.get("usage"), dict):
                    usage = data["usage"]
                for choice in _field(data, "choices", list, "choices", []):
                    choice = _typed(choice, dict, "a choice")
                    delta = _field(choice, "delta", dict, "a choice's delta", {})
                    content = _field(delta, "content", str, "delta.content", "")
                    fragments = _field(delta, "tool_calls", list, "delta.tool_calls", [])
                    if reply.timings.ttft_s is None and (content or fragments):
                        reply.timings.ttft_s = time.perf_counter() - start
                    if content:
                        text_parts.append(content)
                    for fragment in fragments:
                        _accumulate(slots, _typed(fragment, dict, "a tool-call fragment"))
                    finish = _field(choice, "finish_reason", str, "finish_reason", None)
                    if finish:
                        reply.finish_reason = finish
        except openai.APIStatusError as exc:
            if budget.stop or budget.fired:
                reply.error_kind, reply.error = classify(exc, budget)
            else:
                reply.error, reply.error_kind = f"{exc.status_code}: {_error_message(exc)}", f"http_{exc.status_code}"
        except openai.APIError as exc:  # an error event in the middle of the stream, or a failed connection
            reply.error_kind, reply.error = classify(exc, budget)
            if type(exc) is openai.APIError and not (budget.stop or budget.fired):
                reply.error, reply.error_kind = str(exc.message), "stream_error"
            elif reply.error_kind == "connection":
                reply.error = f"connection to {self.base_url} failed: {reply.error}"
        except Exception as exc:  # whatever the server sent: a named failure, never a raise (failures.py)
            reply.error_kind, reply.error = classify(exc, budget)
        reply.timings.wall_s = time.perf_counter() - start
        if reply.error is None and reply.finish_reason is None:
            reply.error = f"the stream ended after {chunks_seen} chunk(s) without a finish_reason (truncated)"
            reply.error_kind = "truncated_stream"
        reply.text = "".join(text_parts)
        for slot in slots:
            reply.tool_calls.append(ToolCall.from_raw(slot["name"], slot["arguments"], STRUCTURED,
                                                      settings.max_json_depth))
        if usage:
            reply.timings.prompt_tokens = _count(usage.get("prompt_tokens"))
            reply.timings.completion_tokens = _count(usage.get("completion_tokens"))
        reply.raw = {
            "chunks": chunks_seen,
            "finish_reason": reply.finish_reason,
            "usage": usage,
            "tool_calls": slots,
        }
        return reply


def _as_json(chunk: Any) -> dict[str, Any]:
    """The chunk as the server sent it (the client builds its model without validating)."""
    data = chunk.model_dump(mode="python", warnings=False) if hasattr(chunk, "model_dump") else chunk
    return _typed(data, dict, "a stream chunk")


def _field(data: dict[str, Any], key: str, kind: type, what: str, default: Any) -> Any:
    """data[key] when it is of `kind`; `default` when absent or null; Malformed otherwise."""
    value = data.get(key)
    return default if value is None else _typed(value, kind, what)


def _typed(value: Any, kind: type, what: str) -> Any:
    if not isinstance(value, kind):
        raise Malformed(f"{what} is a JSON {_JSON_TYPES.get(type(value), type(value).__name__)}, not "
                        f"{'an' if kind in (dict, list) else 'a'} {_JSON_TYPES[kind]} (not the OpenAI protocol)")
    return value


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _accumulate(slots: list[dict[str, Any]], fragment: dict[str, Any]) -> None:
    """Join streamed tool-call fragments by index; a new id at a used index starts a new call
    (some servers reuse index 0 for every call of a batch)."""
    index = fragment.get("index")
    index = index if isinstance(index, int) else len(slots)
    call_id = _field(fragment, "id", str, "a tool call's id", None) or None
    fn = _field(fragment, "function", dict, "a tool call's function", {})
    name = _field(fn, "name", str, "a tool call's name", "")
    arguments = _field(fn, "arguments", str, "an argument fragment", "")
    current = next((s for s in reversed(slots) if s["index"] == index), None)
    if current is None or (call_id and current["id"] and call_id != current["id"]):
        current = {"index": index, "id": call_id, "name": "", "arguments": ""}
        slots.append(current)
    if call_id and not current["id"]:
        current["id"] = call_id
    if name and name != current["name"]:
        current["name"] += name  # sent once by most servers; in pieces by a few
    current["arguments"] += arguments


def _error_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return exc.message


def _wire_message(message: dict) -> dict:
    """Neutral message -> chat-completions shape: arguments as JSON strings, results by tool_call_id."""
    role = message["role"]
    if role == "assistant" and message.get("tool_calls"):
        return {
            "role": "assistant",
            "content": message.get("content") or None,
            "tool_calls": [
                {
                    "id": c["id"],
                    "type": "function",
                    "function": {"name": c["name"], "arguments": json.dumps(c.get("arguments") or {})},
                }
                for c in message["tool_calls"]
            ],
        }
    if role == "tool":
        return {"role": "tool", "content": message["content"], "tool_call_id": message.get("tool_call_id", "")}
    return {"role": role, "content": message["content"]}
