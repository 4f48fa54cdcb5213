"""A loopback OpenAI-compatible chat-completions server, as llama.cpp's server and vLLM answer
(../shared/reference/protocols.md §3-4).

Tool-call arguments are JSON strings; streaming is SSE with `data: {chunk}` lines, a tool call's
id/type/name on its first fragment and its arguments in fragments to join by index, a final chunk
with finish_reason "tool_calls" (or "stop"), a usage chunk with `choices: []` when
stream_options.include_usage is set, then `data: [DONE]`. Errors are
{"error": {"message", "type", "code"}} bodies with the HTTP status.
"""

from __future__ import annotations

import json
from typing import Any

from doubles.scripted import JSONHandler, LoopbackServer, Responder, Scripted, pieces

CREATED = 1764072000
_TYPES = {400: "invalid_request_error", 404: "not_found_error", 429: "rate_limit_error"}


class OpenAIHandler(JSONHandler):
    def error(self, status: int, message: str) -> None:
        self.send_json(status, {"error": {"message": message, "type": _TYPES.get(status, "server_error"),
                                          "code": status}})

    def do_GET(self) -> None:
        props = getattr(self.server_owner, "props", None)
        if self.path.rstrip("/") == "/props" and props is not None:  # llama.cpp's server only
            self.send_json(200, props)
        elif self.path.rstrip("/") == "/v1/models":
            self.send_json(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": CREATED, "owned_by": "llamacpp"}
                for m in self.server_owner.models  # type: ignore[attr-defined]
            ]})
        else:
            self.error(404, "File Not Found")

    def do_POST(self) -> None:
        body, problem = self.read_json()
        self.log_request_body(body)
        if problem:
            self.error(400, problem)
        elif self.path.rstrip("/") == "/v1/chat/completions":
            self.completions(body)
        else:
            self.error(404, "File Not Found")

    def completions(self, body: dict[str, Any]) -> None:
        model = body.get("model")
        owner = self.server_owner
        if owner.strict_model and model not in owner.models:  # type: ignore[attr-defined]
            self.error(404, f"The model `{model}` does not exist.")
            return
        scripted: Scripted = owner.responder(body)
        self.pause(scripted.delay)
        if scripted.status:
            self.error(scripted.status, scripted.error or "server error")
            return
        calls = [
            {"id": f"call_{i}_{abs(hash(c.name)) % 10**6}", "type": "function",
             "function": {"name": c.name,
                          "arguments": c.arguments if isinstance(c.arguments, str) else json.dumps(c.arguments)}}
            for i, c in enumerate(scripted.calls)
        ]
        finish = "tool_calls" if calls else "stop"
        usage = {"prompt_tokens": 398, "completion_tokens": 19, "total_tokens": 417}
        base = {"id": "chatcmpl-ctft", "created": CREATED, "model": model}
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": scripted.content or None}
            if calls:
                message["tool_calls"] = calls
            self.send_json(200, {**base, "object": "chat.completion", "usage": usage,
                                 "choices": [{"index": 0, "message": message, "finish_reason": finish}]})
            return
        self.start_stream("text/event-stream")

        def event(delta: dict[str, Any], finish_reason: str | None = None) -> None:
            chunk = {**base, "object": "chat.completion.chunk",
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}
            self.write_line(f"data: {json.dumps(chunk)}\n\n")

        event({"role": "assistant", "content": None})
        for piece in pieces(scripted.content, scripted.chunk_size):
            event({"content": piece})
        if scripted.mid_stream_error is not None:
            self.write_line(f"data: {json.dumps({'error': {'message': scripted.mid_stream_error}})}\n\n")
            return
        if scripted.truncate:
            return
        for index, call in enumerate(calls):
            fn = call["function"]
            event({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                   "function": {"name": fn["name"], "arguments": ""}}]})
            for piece in pieces(fn["arguments"], scripted.chunk_size):
                event({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        event({}, finish)
        if (body.get("stream_options") or {}).get("include_usage"):
            usage_chunk = {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}
            self.write_line(f"data: {json.dumps(usage_chunk)}\n\n")
        self.write_line("data: [DONE]\n\n")


class OpenAIDouble(LoopbackServer):
    handler_class = OpenAIHandler

    def __init__(self, responder: Responder, models: list[str] | None = None, strict_model: bool = True,
                 props: dict[str, Any] | None = None):
        super().__init__(responder)
        self.models = models if models is not None else ["m"]
        self.strict_model = strict_model
        self.props = props  # GET /props, as llama.cpp's server answers it (None: 404, as other servers)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"
