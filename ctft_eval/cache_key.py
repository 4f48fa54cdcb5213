"""The reply cache's key: a sha256 over a canonical JSON of everything that decides a case's replies.

The cache stores what a source's `replies(case, channel, attempt)` returned (one reply, or a
chain's replies step by step), so the key is computed before asking, from:

  model     which weights answer: the GGUF's sha256 (llamacpp), the Ollama digest plus the
            server's version, the path, size and modification time of the file llama.cpp's server
            names at /props (when it is on this machine); a server that identifies none (another
            OpenAI-compatible one) leaves the model "unidentified" (`model_part` says why), cached
            only when asked for;
  template  the chat template's sha256, the quantisation, the runtime and its version;
  request   the first request exactly as sent (messages, tools, parallel_tool_calls), each step's
            canned result and whether tools go with it, the channel, the Continue profile and its
            behaviour: a chain's later requests follow from these and the model's own replies;
            a live chain (ctft_eval.chains.live) adds what its tool results follow from: the
            workspace's files, the tool runner's code, ripgrep's and git's versions, the budget
            and the steps' matchers (which canned output a command gets);
  settings  every setting that reaches the request or the runtime (CONTEXT_ONLY ones excluded);
  code      the sha256 of the modules that build the follow-up requests and read the replies
            (conversation, channels, parsing) and of the backend's own module;
  attempt   the --ctft-repeat attempt index, the stream mode, and REPLY_FORMAT.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ctft_eval import channels, conversation, parsing
from ctft_eval.backends import BackendSpec, ModelIdentity
from ctft_eval.cases import Case
from ctft_eval.channels import CONTINUE
from ctft_eval.profile import Profile
from ctft_eval.reply_cache import REPLY_FORMAT

CONTEXT_ONLY = frozenset({"timeout", "concurrency", "latency_budget", "retries", "retry_max_wait", "retry_budget",
                          "keep_alive", "schema"})
"""Settings that do not decide a completed reply (how long to wait, how often to retry, how many at
once, how replies are judged): changing them keeps the cache. Any other setting is in the key."""
STREAM_MODE = "stream"
"""Every backend streams its replies (the mode is in the key should a backend ever not)."""
RUNTIME_DETAILS = ("llama_cpp_python", "server_version", "runtime", "runtime_version")
"""A backend identity's details that name the runtime and its version."""


def canonical(data: Any) -> str:
    """JSON with sorted keys and no whitespace; TypeError for a value JSON cannot hold."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def digest(data: Any) -> str:
    return hashlib.sha256(canonical(data).encode()).hexdigest()


def model_part(spec: BackendSpec, identity: ModelIdentity) -> tuple[dict[str, Any], str | None]:
    """The model's part of the key, and why its weights are not identified (None: they are)."""
    details = identity.details or {}
    runtime = {name: details[name] for name in RUNTIME_DETAILS if details.get(name) is not None}
    part: dict[str, Any] = {"kind": spec.kind, "digest": identity.digest, "template": identity.template,
                            "quantization": identity.quantization, "runtime": runtime}
    why: str | None = None
    served = details.get("weights")
    if spec.kind == "openai" and isinstance(served, dict) and "size" in served:  # llama.cpp's /props, a local file
        part["weights"] = served
    elif not identity.digest:
        if spec.kind == "openai":
            why = ("the OpenAI-compatible server does not say which weights it serves (llama.cpp's /props "
                   "names a file on this machine; others do not), so a cached reply could be another model's")
        else:
            why = f"the {spec.kind} backend reports no digest of the model's weights"
    elif spec.kind == "ollama" and "server_version" not in runtime:
        why = "Ollama's /api/version did not answer, so its runtime version is unknown"
    if why is not None:  # (cached only when asked: then the name and the server stand for the weights)
        part.update(model=spec.model, url=spec.url, served=details.get("served_models"))
    return part, why


def code_part(backend: object | None) -> dict[str, str]:
    """The sha256 of the modules whose code shapes a chain's later requests and the stored replies."""
    modules: list[Any] = [conversation, channels, parsing]
    if backend is not None:
        modules.append(inspect.getmodule(type(backend)))
    out = {}
    for module in modules:
        path = getattr(module, "__file__", None)
        if path:
            out[module.__name__] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return out


def _tree_digest(folder: Path, pattern: str = "*") -> str:
    """The sha256 of a folder's files (those matching `pattern`): their relative paths and bytes."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob(pattern) if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@cache
def _workspace_digest(folder: Path) -> str:
    """A workspace's files, read once per process."""
    return _tree_digest(folder)


@cache
def _live_code() -> dict[str, str]:
    """The digests of the tool runner's and the live chains' code (read once per process)."""
    from ctft_eval import chains, runner

    return {package.__name__: _tree_digest(Path(package.__file__).parent, "*.py")  # type: ignore[arg-type]
            for package in (runner, chains)}  # (sources only: compiled .pyc files come and go)


@cache
def _rules() -> dict[str, str | int]:
    from ctft_eval.scorers import effect

    return effect.rules()


def live_part(case: Case) -> dict[str, Any]:
    """What a live chain's tool results follow from, besides the model's replies."""
    from ctft_eval.cases import WORKSPACES

    assert case.goals is not None and case.workspace is not None
    folder = (Path(case.file).resolve().parent / WORKSPACES / case.workspace).resolve()
    rules = _rules()
    return {"workspace": _workspace_digest(folder), "code": _live_code(), "ripgrep": rules["ripgrep"],
            "git": rules["git"],
            "budget": case.goals.budget_for(len(case.steps)), "open_file": case.open_file,
            "steps": [{"tools": list(s.expect.tools),
                       "arguments": {k: m.describe() for k, m in s.expect.arguments.items()}} for s in case.steps]}


def settings_part(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in settings.items() if k not in CONTEXT_ONLY}


def request_part(case: Case, channel: str, profile: Profile) -> dict[str, Any]:
    """What the case sends: the first request as built, then each step's canned result."""
    tools = profile.native_tools(case.tools, case.custom) if channel != CONTINUE and case.tools else None
    steps = case.steps or (None,)
    return {
        "channel": channel,
        "messages": conversation.first_messages(case, channel, profile),
        "tools": tools,
        "parallel_tool_calls": profile.parallel_tool_calls,
        "steps": [{"tools_sent": bool(tools) and profile.tools_for_step(n), "result": step.result if step else None}
                  for n, step in enumerate(steps, 1)],
        "profile": profile.fingerprint(),
        "continue_behaviour": profile.behaviour,
        "live": live_part(case) if case.live else None,
    }


def reply_key(model: dict[str, Any], code: dict[str, str], settings: Mapping[str, Any], case: Case, channel: str,
              profile: Profile, attempt: int) -> str:
    """The key of one case's replies on one channel, attempt `attempt` (TypeError or ValueError when
    some part cannot be written as JSON: then the case is not cached)."""
    return digest({"format": REPLY_FORMAT, "model": model, "code": code, "settings": settings_part(settings),
                   "request": request_part(case, channel, profile), "attempt": attempt, "stream": STREAM_MODE})
