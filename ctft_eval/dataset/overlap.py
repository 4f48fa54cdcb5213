"""Keeping the suites' prompts out of the training data: word-5-gram Jaccard similarity."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

LEAKAGE_THRESHOLD = 0.5
"""Largest word-5-gram Jaccard similarity allowed between a training user message and a suite prompt."""


def ngrams(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def leakage(examples: list[dict[str, Any]], prompts: dict[str, str], top: int = 5) -> list[tuple[float, str, int]]:
    """The most similar (similarity, suite case id, dataset line) pairs, by word-5-gram Jaccard of
    each training user message against each suite prompt."""
    suite_grams = {cid: ngrams(p) for cid, p in prompts.items()}
    pairs = []
    for e in examples:
        for m in e.get("messages", []):
            if m.get("role") != "user":
                continue
            grams = ngrams(str(m.get("content", "")))
            for cid, sg in suite_grams.items():
                score = 1.0 if str(m.get("content", "")).strip() == prompts[cid].strip() else jaccard(grams, sg)
                pairs.append((score, cid, e.get("_line", 0)))
    return sorted(pairs, reverse=True)[:top]


def suite_prompts(directory: Path) -> dict[str, str]:
    from ctft_eval.cases import load_suites

    suites = load_suites(sorted(Path(directory).glob("*.yaml")))
    return {c.id: m["content"] for s in suites for c in s.cases for m in c.messages if m["role"] == "user"}
