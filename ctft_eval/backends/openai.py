"""`openai:MODEL[@URL]` — the official `openai` client against any OpenAI-compatible server
(llama.cpp's server, vLLM, LM Studio, Ollama's /v1, ...), streaming chat completions."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import openai

from ctft_eval.backends import BackendSpec, BackendUnavailable, ModelIdentity, with_retries
from ctft_eval.reply import STRUCTURED, Reply, ToolCall
from ctft_eval.settings import Settings

PLACEHOLDER_KEY = "ctft-eval-local"  # local servers ignore the key, but the client insists on one


class OpenAIBackend:
    max_concurrency: int | None = None

    def __init__(self, spec: BackendSpec, settings: Settings, options: dict[str, Any]):
        self.spec = spec
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
        )

    def close(self) -> None:
        self.client.close()

    def preflight(self, channels: tuple[str, ...]) -> ModelIdentity:
        try:
            served = [m.id for m in self.client.models.list()]
        except openai.APIConnectionError as exc:
            raise BackendUnavailable(
                f"cannot reach the OpenAI-compatible server at {self.base_url} ({exc.__cause__ or exc}). "
                "Start it, or fix the URL after @ in --backend."
            ) from None
        except openai.NotFoundError:
            return ModelIdentity(str(self.spec), details={"base_url": self.base_url, "served_models": None})
            # (some servers have no /models)
        except openai.APIStatusError as exc:
            raise BackendUnavailable(
                f"the server at {self.base_url} answered GET /models with {exc.status_code}: {exc.message}"
            ) from None
        if self.spec.model not in served and len(served) != 1:
            raise BackendUnavailable(
                f"the server at {self.base_url} does not serve model {self.spec.model!r}; it serves: "
                f"{', '.join(served) or 'nothing'}. Use one of those names in --backend."
            )
        return ModelIdentity(str(self.spec), details={"base_url": self.base_url, "served_models": served})

    def chat(self, messages: list[dict], tools: list[dict] | None, settings: Settings,
             parallel_tool_calls: bool | None = None) -> Reply:
        return with_retries(
            lambda: self._chat_once(messages, tools, settings, parallel_tool_calls),
            lambda r: r.error_kind in ("connection", "timeout", "http_429") or r.error_kind.startswith("http_5"),
            settings.retries,
        )

    def _chat_once(self, messages: list[dict], tools: list[dict] | None, settings: Settings,
                   parallel_tool_calls: bool | None = None) -> Reply:
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
                chunks_seen += 1
                if chunk.usage is not None:
                    usage = chunk.usage.model_dump()
                for choice in chunk.choices or []:
                    delta = choice.delta
                    if delta is not None:
                        if reply.timings.ttft_s is None and (delta.content or delta.tool_calls):
                            reply.timings.ttft_s = time.perf_counter() - start
                        if delta.content:
                            text_parts.append(delta.content)
                        for fragment in delta.tool_calls or []:
                            _accumulate(slots, fragment)
                    if choice.finish_reason:
                        reply.finish_reason = choice.finish_reason
        except openai.APITimeoutError:
            reply.error, reply.error_kind = f"no answer within {settings.timeout:g} s", "timeout"
        except openai.APIConnectionError as exc:
            reply.error = f"connection to {self.base_url} failed: {exc.__cause__ or exc}"
            reply.error_kind = "connection"
        except openai.APIStatusError as exc:
            reply.error, reply.error_kind = f"{exc.status_code}: {_error_message(exc)}", f"http_{exc.status_code}"
        except openai.APIError as exc:  # an error event in the middle of the stream
            reply.error, reply.error_kind = str(exc.message), "stream_error"
        reply.timings.wall_s = time.perf_counter() - start
        if reply.error is None and reply.finish_reason is None:
            reply.error = f"the stream ended after {chunks_seen} chunk(s) without a finish_reason (truncated)"
            reply.error_kind = "truncated_stream"
        reply.text = "".join(text_parts)
        for slot in slots:
            reply.tool_calls.append(ToolCall.from_raw(slot["name"], slot["arguments"], STRUCTURED))
        if usage:
            reply.timings.prompt_tokens = usage.get("prompt_tokens")
            reply.timings.completion_tokens = usage.get("completion_tokens")
        reply.raw = {
            "chunks": chunks_seen,
            "finish_reason": reply.finish_reason,
            "usage": usage,
            "tool_calls": slots,
        }
        return reply


def _accumulate(slots: list[dict[str, Any]], fragment: Any) -> None:
    """Join streamed tool-call fragments by index; a new id at a used index starts a new call
    (some servers reuse index 0 for every call of a batch)."""
    index = fragment.index if fragment.index is not None else len(slots)
    fn = fragment.function
    current = next((s for s in reversed(slots) if s["index"] == index), None)
    if current is None or (fragment.id and current["id"] and fragment.id != current["id"]):
        current = {"index": index, "id": fragment.id, "name": "", "arguments": ""}
        slots.append(current)
    if fragment.id and not current["id"]:
        current["id"] = fragment.id
    if fn is not None:
        if fn.name and fn.name != current["name"]:
            current["name"] += fn.name  # sent once by most servers; in pieces by a few
        if fn.arguments:
            current["arguments"] += fn.arguments


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
