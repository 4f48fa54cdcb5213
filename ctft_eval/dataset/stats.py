"""What a dataset holds: the kind and calls of each example, and the statistics `validate` prints."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from tabulate import tabulate

from ctft_eval.channels import CONTINUE
from ctft_eval.dataset.expected import channel_of, continue_calls, tool_set_of

EXAMPLE_KINDS = ("single", "chain", "no_tool", "error_recovery")
"""The values of an example's `meta.kind`."""
CHARS_PER_TOKEN = 4.0
"""The length estimate when no tokenizer is installed: about four characters per token for English
and code under BPE vocabularies of the Qwen/Llama size."""


def calls_of(example: dict[str, Any]) -> list[str]:
    """The names of the example's calls, in order: its structured tool calls (native channel), or the
    calls Continue reads in its assistant messages (continue channel)."""
    if channel_of(example) == CONTINUE:
        return [call.name for call in continue_calls(example)]
    return [c.get("function", {}).get("name") for m in example.get("messages", []) if isinstance(m, dict)
            for c in m.get("tool_calls") or [] if isinstance(c, dict) and isinstance(c.get("function"), dict)]


def kind_of(example: dict[str, Any]) -> str:
    meta = example.get("meta") or {}
    if meta.get("kind") in EXAMPLE_KINDS:
        return meta["kind"]
    calls = calls_of(example)
    return "no_tool" if not calls else ("single" if len(calls) == 1 else "chain")


def token_counter() -> tuple[Callable[[str], int], str]:
    """A real tokenizer (Qwen2.5's, through llama.cpp) when installed, else the documented estimate."""
    try:
        from llama_cpp import Llama

        from ctft_eval.models import model_path

        llm = Llama(model_path=str(model_path("qwen2.5-coder-0.5b")), vocab_only=True, verbose=False)
        return (lambda text: len(llm.tokenize(text.encode(), add_bos=False, special=True))), "Qwen2.5 tokenizer"
    except Exception:  # any missing piece: fall back to the estimate
        return (lambda text: round(len(text) / CHARS_PER_TOKEN)), f"estimate: characters / {CHARS_PER_TOKEN:g}"


def example_text(example: dict[str, Any]) -> str:
    parts = []
    for m in example.get("messages", []):
        parts.append(str(m.get("content") or ""))
        for c in m.get("tool_calls") or []:
            parts.append(json.dumps(c.get("function", {}), ensure_ascii=False))
    return "\n".join(parts)


def _per_channel(examples: list[dict[str, Any]], lengths: list[int]) -> str:
    """One row per (channel, tool set): examples of each kind, tool calls, average and longest length."""
    groups: dict[tuple[str, str], list[tuple[dict[str, Any], int]]] = {}
    for e, length in zip(examples, lengths, strict=True):
        groups.setdefault((channel_of(e), tool_set_of(e) or "?"), []).append((e, length))
    rows = []
    for (channel, tools), group in sorted(groups.items()):
        kinds = Counter(kind_of(e) for e, _ in group)
        sizes = [length for _, length in group]
        rows.append((channel, tools, len(group), *(kinds.get(k, 0) for k in EXAMPLE_KINDS),
                     sum(len(calls_of(e)) for e, _ in group), round(sum(sizes) / len(sizes)), max(sizes)))
    return tabulate(rows, ["channel", "tool set", "examples", *EXAMPLE_KINDS, "calls", "avg tokens", "max tokens"],
                    "github")


def statistics(examples: list[dict[str, Any]], count_tokens: Callable[[str], int], tokenizer: str) -> str:
    kinds = Counter(kind_of(e) for e in examples)
    calls = Counter(name for e in examples for name in calls_of(e))
    total_calls = sum(calls.values()) or 1
    by_channel = Counter((channel_of(e), name) for e in examples for name in calls_of(e))
    channels = sorted({channel_of(e) for e in examples})
    languages = Counter((e.get("meta") or {}).get("language") for e in examples)
    frameworks = Counter((e.get("meta") or {}).get("framework") for e in examples)
    lengths = [count_tokens(example_text(e)) for e in examples]
    out = [
        f"{len(examples)} examples, {sum(calls.values())} tool calls",
        "",
        tabulate(sorted(kinds.items(), key=lambda kv: -kv[1]), ["kind", "examples"], "github"),
        "",
        _per_channel(examples, lengths),
        "",
        tabulate([(n, c, f"{c / total_calls:.1%}", *(by_channel[(ch, n)] for ch in channels))
                  for n, c in calls.most_common()], ["tool", "calls", "share", *channels], "github"),
        "",
        tabulate([(k, v) for k, v in languages.most_common() if k], ["language", "examples"], "github"),
        "",
        tabulate([(k, v) for k, v in frameworks.most_common() if k], ["framework", "examples"], "github"),
        "",
        f"languages: {len([k for k in languages if k])}, frameworks: {len([k for k in frameworks if k])}",
        f"average length: {sum(lengths) / max(1, len(lengths)):.0f} tokens (max {max(lengths, default=0)}; "
        f"{tokenizer}, messages and calls without the native tool schemas)",
    ]
    return "\n".join(out)
