"""`llamacpp[:MODEL]` — a GGUF model run in-process by llama-cpp-python (extra `ctft-eval[llamacpp]`).

MODEL is a default model's name (qwen2.5-coder-0.5b, the default; smollm2-135m) or a path to any
GGUF file. The prompt is rendered with the model's own chat template (the GGUF's
tokenizer.chat_template), tools included where the template takes them. As llama.cpp's server does
for Hermes/Qwen templates, calls inside <tool_call> tags are taken as native tool calls; anything
else the model writes stays text (and a call written there is judged as "call in text"). A template
without tool support gets the tools described in its system message in the same tagged format,
as servers do for such models.

The request's `timeout` bounds rendering and generating alike: the template renders under the
request's budget (ctft_eval.backends.chat_template); llama.cpp's abort callback asks the budget
between the steps of its computation, so that a long prompt's evaluation stops too; and the
deadline is checked between generated tokens. A request past it is a failed reply of kind
`timeout` (`cancelled` when the run is), what was generated before it kept.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from contextlib import closing
from typing import Any

from ctft_eval import cancel
from ctft_eval.backends import BackendSpec, BackendUnavailable, ModelIdentity, cpu_load, retry
from ctft_eval.backends.gguf_header import BrokenGGUF, read_header
from ctft_eval.backends.guard import Budget, Stop
from ctft_eval.models import DEFAULT_MODEL, ModelUnavailable, model_path, sha256_of
from ctft_eval.parsing import json_calls
from ctft_eval.reply import STRUCTURED, Reply
from ctft_eval.settings import Settings

_TAGGED = re.compile(r"<tool_call>.*?(?:</tool_call>|\Z)", re.S)

_TOOLS_PREAMBLE = (
    "You can call functions to help with the user's request. Their signatures are inside "
    "<tools></tools> tags:\n<tools>\n{tools}\n</tools>\n\nTo call a function, answer with a JSON object "
    "holding its name and arguments inside <tool_call></tool_call> tags:\n<tool_call>\n"
    '{{"name": <function-name>, "arguments": <arguments-object>}}\n</tool_call>'
)


class LlamaCppBackend:
    default_model = DEFAULT_MODEL
    max_concurrency: int | None = 1  # one llama.cpp context: more would only interleave chains

    def __init__(self, spec: BackendSpec, settings: Settings, options: dict[str, Any]):
        try:
            import llama_cpp

            from ctft_eval.backends import chat_template
        except ImportError:
            raise BackendUnavailable(
                "the llamacpp backend needs llama-cpp-python: pip install 'ctft-eval[llamacpp]' "
                "(it compiles llama.cpp: about 15 minutes on 2 cores the first time, cached by pip after)"
            ) from None
        self.spec = spec
        self.settings = settings
        self._llama_cpp = llama_cpp
        self._env = chat_template.ChatTemplates()
        self._lock = threading.Lock()
        self.llm: Any = None
        self.path = None
        self.template: Any = None
        self.template_has_tools = False
        self._budget: Budget | None = None
        """The budget of the request llama.cpp is computing, for its abort callback."""
        self._abort_hook = llama_cpp.ggml_abort_callback(self._should_abort)  # (kept: llama.cpp calls it)

    def close(self) -> None:
        if self.llm is not None:
            self.llm.close()
            self.llm = None

    def preflight(self, channels: tuple[str, ...]) -> ModelIdentity:
        try:
            self.path = model_path(self.spec.model)
        except ModelUnavailable as exc:
            raise BackendUnavailable(str(exc)) from None
        if self.settings.threads:
            threads, why = self.settings.threads, "set (threads)"
        else:
            threads, why = cpu_load.default_threads()
        try:
            self.llm = self._llama_cpp.Llama(
                model_path=str(self.path),
                n_ctx=self.settings.num_ctx,
                n_threads=threads,  # generation
                n_threads_batch=threads,  # prompt evaluation: the same, or "one thread" would use every core
                seed=self.settings.seed,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise BackendUnavailable(f"llama.cpp could not load {self.path}: {self._why_not_loaded(exc)}") from None
        context = getattr(getattr(self.llm, "_ctx", None), "ctx", None)
        if context is not None:  # (else the deadline is checked between tokens only)
            self._llama_cpp.llama_set_abort_callback(context, self._abort_hook, None)
        meta = self.llm.metadata
        source = meta.get("tokenizer.chat_template")
        if not source:
            raise BackendUnavailable(f"{self.path} has no chat template (tokenizer.chat_template); it cannot chat")
        self.template = self._env.from_string(source)
        self.template_has_tools = "tools" in source
        self._bos = self._token_text(meta.get("tokenizer.ggml.bos_token_id"))
        self._eos = self._token_text(meta.get("tokenizer.ggml.eos_token_id"))
        details = {
            "path": str(self.path),
            "sha256": sha256_of(self.path),
            "size": self.path.stat().st_size,
            "name": meta.get("general.name"),
            "architecture": meta.get("general.architecture"),
            "file_type": meta.get("general.file_type"),
            "chat_template_sha256": hashlib.sha256(source.encode()).hexdigest(),
            "template_has_tools": self.template_has_tools,
            "llama_cpp_python": getattr(self._llama_cpp, "__version__", "unknown"),
            "threads": threads,
            "threads_chosen_by": why,
        }
        return ModelIdentity(str(self.spec), details["sha256"], details["file_type"],
                             details["chat_template_sha256"], details)

    def _why_not_loaded(self, exc: Exception) -> str:
        """What is wrong with the file, read from its header; llama.cpp's words when the header is sound."""
        try:
            header = read_header(self.path)
        except BrokenGGUF as broken:
            return str(broken)
        version = getattr(self._llama_cpp, "__version__", "unknown")
        return (f"{exc} (its header reads as a sound GGUF: version {header.version}, architecture "
                f"{header.architecture!r}, {header.tensors} tensors; llama-cpp-python {version} may not support "
                "that architecture or one of its tensor types)")

    def _should_abort(self, _: Any) -> bool:
        """llama.cpp's abort callback (called from its compute thread, between graph nodes)."""
        budget = self._budget
        return budget is not None and (budget.remaining() <= 0 or cancel.cancelled())

    def _token_text(self, token_id: Any) -> str:
        if token_id is None:
            return ""
        try:
            return self.llm.detokenize([int(token_id)], special=True).decode("utf-8", "replace")
        except (TypeError, ValueError):
            return ""

    def render(self, messages: list[dict], tools: list[dict] | None, budget: Budget) -> str:
        """The prompt: the messages and tools through the model's chat template, within `budget`
        (raises its Stop past it)."""
        hf = [_template_message(m) for m in messages]
        if tools and not self.template_has_tools:
            listing = "\n".join(json.dumps(t, ensure_ascii=False) for t in tools)
            preamble = _TOOLS_PREAMBLE.format(tools=listing)
            if hf and hf[0]["role"] == "system":
                hf[0] = {**hf[0], "content": f"{hf[0]['content']}\n\n{preamble}"}
            else:
                hf.insert(0, {"role": "system", "content": preamble})
            tools = None
        return self._env.render_within(
            self.template, budget,
            messages=hf, tools=tools or None, add_generation_prompt=True, bos_token=self._bos, eos_token=self._eos,
        )

    def chat(self, messages: list[dict], tools: list[dict] | None, settings: Settings, **_: Any) -> Reply:
        reply = Reply()
        budget = retry.budget_for(settings)  # one deadline for rendering and generating
        try:
            prompt = self.render(messages, tools, budget)
        except Stop as stop:
            reply.error, reply.error_kind = stop.reason, stop.kind
            reply.timings.wall_s = time.monotonic() - budget.started
            return reply
        except Exception as exc:  # a template error is this request's failure, not the session's
            reply.error, reply.error_kind = f"chat template failed: {exc}", "template_error"
            return reply
        stops = [s for s in (self._eos, "<|im_end|>", "<|eot_id|>") if s and s in prompt]
        parts: list[str] = []
        prompt_tokens: int | None = None
        with self._lock:  # one llama.cpp context: requests take turns
            start = time.perf_counter()
            self._budget = budget
            try:
                budget.check()
                prompt_tokens = len(self.llm.tokenize(prompt.encode(), add_bos=False, special=True))
                if prompt_tokens + settings.max_tokens > settings.num_ctx:
                    raise ValueError(f"prompt of {prompt_tokens} tokens exceeds num_ctx {settings.num_ctx}")
                stream = self.llm.create_completion(
                    prompt, max_tokens=settings.max_tokens, temperature=settings.temperature,
                    seed=settings.seed, stop=stops, stream=True,
                )
                with closing(stream):  # stopping early ends llama.cpp's generation too
                    for chunk in stream:
                        budget.check()  # between tokens: what came before the deadline is kept
                        choice = chunk["choices"][0]
                        if reply.timings.ttft_s is None:
                            reply.timings.ttft_s = time.perf_counter() - start
                        parts.append(choice.get("text") or "")
                        if choice.get("finish_reason"):
                            reply.finish_reason = choice["finish_reason"]
            except (Stop, ValueError, RuntimeError) as exc:
                stop = exc if isinstance(exc, Stop) else _stop_of(budget)  # (llama_decode aborted: a RuntimeError)
                if stop is not None:
                    reply.error, reply.error_kind = stop.reason, stop.kind
                else:
                    reply.error, reply.error_kind = str(exc), "runtime_error"
                    prompt_tokens = None
            finally:
                self._budget = None
            reply.timings.wall_s = time.perf_counter() - start
        text = "".join(parts)
        reply.raw = {"completion": text}
        reply.timings.prompt_tokens = prompt_tokens
        reply.timings.completion_tokens = len(parts)
        if reply.timings.ttft_s is not None:
            reply.timings.server_prompt_s = reply.timings.ttft_s
            reply.timings.server_eval_s = reply.timings.wall_s - reply.timings.ttft_s
        tagged = "".join(_TAGGED.findall(text))
        if tools and tagged:
            for call in json_calls(tagged):
                call.source = STRUCTURED
                reply.tool_calls.append(call)
            text = _TAGGED.sub("", text).strip()
        reply.text = text
        return reply


def _stop_of(budget: Budget) -> Stop | None:
    """What stops the request now (its deadline passed, the run cancelled), if anything."""
    try:
        budget.check()
    except Stop as stop:
        return stop
    return None


def _template_message(message: dict) -> dict:
    """Neutral message -> the Hugging Face chat-template shape (arguments as objects)."""
    if message["role"] == "assistant" and message.get("tool_calls"):
        return {
            "role": "assistant",
            "content": message.get("content") or "",
            "tool_calls": [
                {"id": c["id"], "type": "function",
                 "function": {"name": c["name"], "arguments": c.get("arguments") or {}}}
                for c in message["tool_calls"]
            ],
        }
    if message["role"] == "tool":
        return {"role": "tool", "content": message["content"], "name": ""}  # (feed_back names no tool)
    return {"role": message["role"], "content": message["content"]}

