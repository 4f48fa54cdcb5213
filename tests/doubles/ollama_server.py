"""A loopback server that speaks Ollama's native API as ../shared/reference/protocols.md §1 describes.

/api/chat streams NDJSON (application/x-ndjson) by default, `stream: false` gives one object;
tool-call arguments are JSON objects; tool calls come in their own chunk (Go-template path) or in
the final done chunk (llama-server path); metrics (integer nanoseconds) only in the done chunk;
errors are {"error": "..."} bodies: 404 model not found, 400 does not support tools, 500 error
parsing tool call, and a mid-stream {"error"} line with status 200.
"""

from __future__ import annotations

import json
import random
import string
from typing import Any

from doubles.scripted import JSONHandler, LoopbackServer, Responder, Scripted, pieces

CREATED_AT = "2026-11-25T12:00:00.000000000Z"
TOOLS_TEMPLATE = "{{ if .Tools }}{{ range .Tools }}{{ . }}{{ end }}{{ end }}{{ .Prompt }}"


def model_entry(name: str, *, tools: bool = True, digest: str | None = None) -> dict[str, Any]:
    return {
        "capabilities": ["completion", "tools"] if tools else ["completion"],
        "template": TOOLS_TEMPLATE if tools else "{{ .Prompt }}",
        "digest": digest or ("sha256:" + "ab12" * 16),
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "qwen2",
            "families": ["qwen2"],
            "parameter_size": "494.03M",
            "quantization_level": "Q4_K_M",
        },
    }


def _full_name(name: str) -> str:
    base, _, tag = name.partition(":")
    return f"registry.ollama.ai/library/{base}:{tag or 'latest'}"


class OllamaHandler(JSONHandler):
    def models(self) -> dict[str, dict[str, Any]]:
        return self.server_owner.models  # type: ignore[attr-defined]

    def find(self, name: str) -> dict[str, Any] | None:
        models = self.models()
        return models.get(name) or models.get(name.removesuffix(":latest"))

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.end_headers()

    def do_GET(self) -> None:
        if self.path == "/":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"Ollama is running")
        elif self.path == "/api/version":
            self.send_json(200, {"version": "0.33.0"})
        elif self.path == "/api/tags":
            self.send_json(200, {"models": [
                {"name": f"{n}:latest", "model": f"{n}:latest", "modified_at": CREATED_AT, "size": 491400064,
                 "digest": m["digest"].removeprefix("sha256:"), "details": m["details"]}
                for n, m in self.models().items()
            ]})
        else:
            self.send_json(404, {"error": "404 page not found"})

    def do_POST(self) -> None:
        body, problem = self.read_json()
        self.log_request_body(body)
        if problem:
            self.send_json(400, {"error": problem})
        elif self.path == "/api/show":
            self.show(body)
        elif self.path == "/api/chat":
            self.chat(body)
        else:
            self.send_json(404, {"error": "404 page not found"})

    def show(self, body: dict[str, Any]) -> None:
        name = body.get("model") or body.get("name") or ""
        model = self.find(name)
        if model is None:
            self.send_json(404, {"error": f"model '{name}' not found"})
            return
        self.send_json(200, {
            "license": "Apache License 2.0",
            "modelfile": f"FROM {name}\nTEMPLATE \"\"\"{model['template']}\"\"\"\n",
            "parameters": "num_ctx                        8192\ntemperature                    0",
            "template": model["template"],
            "details": model["details"],
            "model_info": {"general.architecture": "qwen2", "general.parameter_count": 494032768},
            "capabilities": model["capabilities"],
            "modified_at": CREATED_AT,
        })

    def chat(self, body: dict[str, Any]) -> None:
        name = body.get("model", "")
        model = self.find(name)
        if model is None:
            self.send_json(404, {"error": f"model '{name}' not found"})
            return
        if body.get("tools") and "tools" not in model["capabilities"]:
            self.send_json(400, {"error": f"{_full_name(name)} does not support tools"})
            return
        scripted: Scripted = self.server_owner.responder(body)
        self.pause(scripted.delay)
        if scripted.status:
            self.send_json(scripted.status, {"error": scripted.error or "an error was encountered"})
            return
        calls = [
            {"id": "call_" + "".join(random.choices(string.ascii_lowercase + string.digits, k=8)),
             "function": {"index": i, "name": c.name, "arguments": c.arguments}}
            for i, c in enumerate(scripted.calls)
        ]
        for call in calls:
            if not isinstance(call["function"]["arguments"], dict):
                # Ollama always parses arguments into an object; text that is not one fails server-side
                self.send_json(500, {"error": "error parsing tool call: raw='"
                                     f"{call['function']['arguments']}', err=invalid character"})
                return
        metrics = {"total_duration": 812345678, "load_duration": 12345678, "prompt_eval_count": 412,
                   "prompt_eval_duration": 300000000, "eval_count": 21, "eval_duration": 480000000}
        if body.get("stream", True) is False:
            message: dict[str, Any] = {"role": "assistant", "content": scripted.content}
            if calls:
                message["tool_calls"] = calls
            self.send_json(200, {"model": name, "created_at": CREATED_AT, "message": message, "done": True,
                                 "done_reason": "stop", **metrics})
            return
        self.start_stream("application/x-ndjson")

        def line(obj: dict[str, Any]) -> None:
            self.write_line(json.dumps(obj) + "\n")

        for piece in pieces(scripted.content, scripted.chunk_size):
            line({"model": name, "created_at": CREATED_AT,
                  "message": {"role": "assistant", "content": piece}, "done": False})
        if scripted.mid_stream_error is not None:
            line({"error": scripted.mid_stream_error})
            return
        if scripted.truncate:
            return
        final_message: dict[str, Any] = {"role": "assistant", "content": ""}
        if calls and scripted.calls_in_done_chunk:
            final_message["tool_calls"] = calls
        elif calls:
            line({"model": name, "created_at": CREATED_AT,
                  "message": {"role": "assistant", "content": "", "tool_calls": calls}, "done": False})
        line({"model": name, "created_at": CREATED_AT, "message": final_message, "done": True,
              "done_reason": "stop", **metrics})


class OllamaDouble(LoopbackServer):
    handler_class = OllamaHandler

    def __init__(self, responder: Responder, models: dict[str, dict[str, Any]] | None = None):
        super().__init__(responder)
        self.models = models if models is not None else {"m": model_entry("m")}
