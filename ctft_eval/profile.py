"""The Continue profile: the one home of how Continue builds a request, per provider and channel.

Which Continue it stands for: the built-in texts (system message, tool instructions, tool order)
were read at continuedev/continue d0a3c0b (the 1.3.40 extension). For Continue 2.0.0 only one rule
is confirmed: the ollama provider's "no tools after a tool result" (continuedev/continue#13254,
open). The open fixes (#13258, #13269, #13276) send tools on every request; `--ctft-continue`
picks which Continue a run stands for (BEHAVIOURS), and a new behaviour is one more name there and
one more branch in `Profile.tools_after_tool_result`.

Facts (continuedev/continue at d0a3c0b; ../shared/reference/continue.md):
- Tools a default agent-mode session offers a local model: 13, in the order of core/tools/index.ts
  (getBaseToolDefinitions, then getConfigDependentToolDefinitions), create_rule_block and
  request_rule being disabled by default; experimental tools add four; multi_edit replaces the
  edit pair only for "recommended agent models".
- Every agent-mode request carries the agent-mode system message; system-message tool
  instructions follow it after a blank line (gui/src/redux/thunks/streamNormalInput.ts); on
  Ollama it replaces the Modelfile's SYSTEM.
- The ollama provider sends `tools` only when the last message is a user message
  (core/llm/llms/Ollama.ts), so never after a tool result; the openai provider sends them on every
  request, with `parallel_tool_calls: false` (core/llm/llms/OpenAI.ts).
- Native tools by model name (core/llm/toolSupport.ts): see `native_tools_for`.
- Continue's own sampling: max tokens 4096 (core/llm/constants.ts), temperature and seed only when
  configured (the server's defaults otherwise), Ollama's num_ctx 8192 unless configured.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ctft_eval import continue_prompts as prompts
from ctft_eval.catalog import TOOLS, TOOLS_BY_NAME, function_schemas
from ctft_eval.channels import CONTINUE, NATIVE, tool_instructions

PROVIDERS = ("ollama", "openai")
RELEASED = "released"
EVERY_REQUEST = "tools-every-request"
BEHAVIOURS: dict[str, str] = {
    RELEASED: "Continue as released (1.3.x, 2.0.0): the ollama provider sends no tools after a tool result "
              "(continuedev/continue#13254)",
    EVERY_REQUEST: "Continue with the open fixes of #13254 (#13258, #13269, #13276): tools on every request",
}
"""The Continue behaviours a run can stand for (--ctft-continue), and what each means. The released
rule: ../shared/reference/continue.md, the request table's `tools` row (core/llm/llms/Ollama.ts:514,
tools only when the last message is the user's), and its note on 2.0.0 and #13254."""
TOOL_SETS = ("default", "experimental", "all")
BUILTIN = "builtin/continue-d0a3c0b"
"""The built-in profile's version: the Continue commit its facts were read at."""

DEFAULT_TOOLS: tuple[str, ...] = (
    "read_file", "create_new_file", "run_terminal_command", "file_glob_search", "view_diff",
    "read_currently_open_file", "ls", "fetch_url_content", "read_skill", "search_web",
    "edit_existing_file", "single_find_and_replace", "grep_search",
)
EXPERIMENTAL_TOOLS: tuple[str, ...] = ("view_repo_map", "view_subdirectory", "codebase", "read_file_range")
CONTINUE_SAMPLING: dict[str, Any] = {"max_tokens": 4096, "temperature": None, "seed": None, "num_ctx": 8192}
"""What Continue sends when the user configures nothing (None: not sent, the server's default)."""

# core/llm/toolSupport.ts: name fragments that make Continue send tools natively (Ollama: the name
# after the last "/"; exclusions first; a few ":cloud" models excepted, which a local run never has).
_OLLAMA_NATIVE = ("cogito", "llama3.3", "qwq", "llama3.2", "llama3.1", "qwen2", "qwen3", "mixtral", "command-r",
                  "command-a", "smollm2", "hermes3", "athene-v2", "nemotron", "llama3-groq", "granite3", "granite-3",
                  "granite4", "granite-4", "aya-expanse", "firefunction-v2", "mistral", "devstral", "exaone",
                  "gpt-oss", "glm-4", "glm-5", "deepseek", "dolphin")
_OLLAMA_NEVER = ("vision", "math", "guard", "mistrallite", "mistral-openorca")
_OPENAI_NATIVE = re.compile(r"^gpt-[4-9]|^o[1-9]|^codex|exaone|gpt-oss|^gemma")


def tool_set(name: str) -> tuple[str, ...]:
    if name == "default":
        return DEFAULT_TOOLS
    if name == "experimental":
        return (*DEFAULT_TOOLS[:10], *EXPERIMENTAL_TOOLS, *DEFAULT_TOOLS[10:])
    return tuple(t.name for t in TOOLS)


def native_tools_for(provider: str, model: str) -> bool:
    """Whether Continue would send tools natively to this model (else it describes them in the
    system message). A fine-tune named e.g. continue-assistant is native only with
    `capabilities: [tool_use]` in the user's config, which a name cannot tell."""
    name = model.lower()
    if provider == "ollama":
        name = name.rsplit("/", 1)[-1]
        return not any(f in name for f in _OLLAMA_NEVER) and any(f in name for f in _OLLAMA_NATIVE)
    return bool(_OPENAI_NATIVE.search(name))


@dataclass(frozen=True)
class Profile:
    provider: str = "ollama"
    tools_name: str = "default"
    tools: tuple[str, ...] = DEFAULT_TOOLS
    base_system: str = prompts.AGENT_RULES
    name: str = BUILTIN
    schemas: dict[str, dict] = field(default_factory=dict)
    """Schemas of offered tools outside the catalog (a captured profile's MCP tools)."""
    instructions: str | None = None
    """Captured tool instructions to use verbatim on the continue channel (else built)."""
    options: dict[str, Any] = field(default_factory=dict)
    """Request options a captured profile recorded (informational: sampling stays pinned)."""
    sha256: str | None = None
    after_result: bool | None = None
    """A captured profile's own answer to "are tools sent after a tool result?" (None: the provider's rule)."""
    parallel: bool | None = None
    """A captured profile's parallel_tool_calls (None: the provider's rule)."""
    behaviour: str = RELEASED
    """Which Continue the requests stand for (BEHAVIOURS); it decides the ollama provider's
    tools after a tool result."""

    @property
    def tools_after_tool_result(self) -> bool:
        if self.after_result is not None:
            return self.after_result
        return self.provider == "openai" or self.behaviour == EVERY_REQUEST

    @property
    def parallel_tool_calls(self) -> bool | None:
        if self.parallel is not None:
            return self.parallel
        return False if self.provider == "openai" else None

    def offered(self, declared: tuple[str, ...] | None) -> tuple[str, ...]:
        """The tools a case's requests offer: the suite's own list when it declares one, else the profile's."""
        return declared if declared is not None else self.tools

    def system_message(self, channel: str, offered: tuple[str, ...], rules: str | None = None,
                       extra: dict[str, dict] | None = None) -> str:
        """The agent-mode system message, the tool instructions on the continue channel, then the
        user's rules (a case's `system`), as Continue appends rules."""
        text = self.base_system
        if not offered:
            text += prompts.NO_TOOLS_WARNING
        if channel == CONTINUE and offered:
            same = self.instructions is not None and offered == self.tools
            schemas = {**self.schemas, **(extra or {})}
            text += "\n\n" + (self.instructions if same else tool_instructions(offered, schemas))
        if rules:
            text += "\n\n" + rules
        return text

    def native_tools(self, offered: tuple[str, ...], extra: dict[str, dict] | None = None) -> list[dict]:
        """The `tools` field: a suite's or a captured profile's own schemas, else the catalog's (a tool
        known by none, e.g. one named only in captured text instructions, cannot be sent natively)."""
        schemas = {**self.schemas, **(extra or {})}
        return [schemas[n] if n in schemas else function_schemas([n])[0] for n in offered
                if n in schemas or n in TOOLS_BY_NAME]

    def tools_for_step(self, step: int) -> bool:
        """Whether the native request of this chain step (1-based) carries `tools`."""
        return step == 1 or self.tools_after_tool_result

    def fingerprint(self) -> dict[str, Any]:
        digest = self.sha256 or hashlib.sha256(json.dumps(
            [self.provider, self.base_system, self.tools, self.instructions, self.schemas,
             self.tools_after_tool_result, self.parallel_tool_calls], sort_keys=True,
        ).encode()).hexdigest()
        return {"name": self.name, "provider": self.provider, "tools": self.tools_name, "sha256": digest,
                "continue_behaviour": self.behaviour}

    def deviations(self, settings: dict[str, Any]) -> list[str]:
        """Where this run's pinned sampling differs from what Continue itself would send."""
        out = []
        if settings.get("max_tokens") != CONTINUE_SAMPLING["max_tokens"]:
            out.append(f"max_tokens {settings.get('max_tokens')} (Continue: {CONTINUE_SAMPLING['max_tokens']})")
        for key in ("temperature", "seed"):
            if settings.get(key) is not None:
                out.append(f"{key} {settings[key]} (Continue: not sent unless configured)")
        if self.provider == "ollama" and settings.get("num_ctx") != CONTINUE_SAMPLING["num_ctx"]:
            out.append(f"num_ctx {settings.get('num_ctx')} (Continue: {CONTINUE_SAMPLING['num_ctx']})")
        return out


def builtin(provider: str = "ollama", tools: str = "default", behaviour: str = RELEASED) -> Profile:
    if provider not in PROVIDERS:
        raise ValueError(f"unknown provider {provider!r}; known: {', '.join(PROVIDERS)}")
    if tools not in TOOL_SETS:
        raise ValueError(f"unknown tool set {tools!r}; known: {', '.join(TOOL_SETS)}")
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"unknown Continue behaviour {behaviour!r}; known: {', '.join(BEHAVIOURS)}")
    return Profile(provider, tools, tool_set(tools), behaviour=behaviour)


def from_captured(path: str, behaviour: str | None = None) -> Profile:
    """The profile a user's own Continue sent, as `python -m ctft_eval capture` recorded it. Where the
    capture saw a request after a tool result, it tells the behaviour; one asked for that
    contradicts it is an error."""
    from ctft_eval.profile_file import load

    captured = load(path)
    seen = captured.tools_after_tool_result
    implied = None if seen is None or captured.provider != "ollama" else (EVERY_REQUEST if seen else RELEASED)
    if behaviour is not None and implied is not None and behaviour != implied:
        raise ValueError(f"--ctft-continue {behaviour}: the captured profile {path} shows {implied} "
                         f"({'tools' if seen else 'no tools'} sent after a tool result)")
    schemas = {t["function"]["name"]: t for t in captured.tools}
    return Profile(captured.provider, "captured", tuple(captured.tool_names), captured.base_system,
                   f"captured:{Path(path).name}", schemas, captured.tool_instructions, dict(captured.options),
                   captured.captured.sha256, seen, captured.parallel_tool_calls,
                   implied or behaviour or RELEASED)


def channel_for(requested: str, profile: Profile, model: str) -> tuple[str, ...]:
    """The channels a run uses: `auto` is the one Continue would pick for this provider and model."""
    if requested == "both":
        return (NATIVE, CONTINUE)
    if requested == "auto":
        return (NATIVE,) if native_tools_for(profile.provider, model) else (CONTINUE,)
    return (requested,)
