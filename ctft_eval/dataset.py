"""The fine-tuning dataset: validate it, describe it, split it, and check it against the suites.

    python -m ctft_eval.dataset validate datasets/continue_finetuning_dataset.jsonl
    python -m ctft_eval.dataset split datasets/continue_finetuning_dataset.jsonl --out datasets/continue
    python -m ctft_eval.dataset leakage datasets/continue_finetuning_dataset.jsonl --suites suites

(also installed as the console command `ctft-dataset`). Exit status 1 when any error is found.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from tabulate import tabulate

from ctft_eval.catalog import TOOLS_BY_NAME, strict_schema

ERROR_CLASSES = (
    "json_error",
    "structure",
    "invalid_tool_name",
    "missing_required",
    "invalid_arguments",
    "inconsistent_system_prompt",
)
KINDS = ("single", "chain", "no_tool", "error_recovery")
LEAKAGE_THRESHOLD = 0.5
"""Largest word-5-gram Jaccard similarity allowed between a training user message and a suite prompt."""
CHARS_PER_TOKEN = 4.0
"""The length estimate when no tokenizer is installed: about four characters per token for English
and code under BPE vocabularies of the Qwen/Llama size."""


@dataclass(frozen=True)
class Problem:
    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.kind}: {self.message}"


# ---- reading and validating -------------------------------------------------------------------


def read_lines(path: Path) -> list[tuple[int, str]]:
    with Path(path).open(encoding="utf-8") as fh:
        return [(n, line) for n, line in enumerate(fh, 1) if line.strip()]


def validate(path: Path) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Parse and check every example; returns the examples that parsed and every problem found."""
    examples: list[dict[str, Any]] = []
    problems: list[Problem] = []
    systems: Counter[str] = Counter()
    system_lines: dict[str, list[int]] = defaultdict(list)
    for n, line in read_lines(path):
        try:
            example = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(n, "json_error", f"not valid JSON: {exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(example, dict):
            problems.append(Problem(n, "json_error", "a line must be one JSON object"))
            continue
        example["_line"] = n
        examples.append(example)
        problems += _check_example(n, example)
        messages = example.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            if messages[0].get("role") == "system":
                text = str(messages[0].get("content"))
                systems[text] += 1
                system_lines[text].append(n)
    if len(systems) > 1:
        usual, _ = systems.most_common(1)[0]
        for text, lines in system_lines.items():
            if text != usual:
                for n in lines:
                    problems.append(Problem(n, "inconsistent_system_prompt", "differs from the system prompt of the "
                                            f"other {systems[usual]} examples"))
    return examples, sorted(problems, key=lambda p: p.line)


def _check_example(n: int, example: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    messages, tools = example.get("messages"), example.get("tools")
    if not isinstance(messages, list) or not messages:
        return [Problem(n, "structure", "`messages` must be a non-empty list")]
    if not isinstance(tools, list):
        return [Problem(n, "structure", "`tools` must be a list of function schemas")]
    offered = {t.get("function", {}).get("name") for t in tools if isinstance(t, dict)}
    if messages[0].get("role") != "system":
        problems.append(Problem(n, "inconsistent_system_prompt", "the first message is not the system prompt"))
    pending: dict[str, str] = {}
    for i, m in enumerate(messages):
        where = f"message {i}"
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant", "tool"):
            problems.append(Problem(n, "structure", f"{where}: needs a role of system/user/assistant/tool"))
            continue
        if m["role"] == "tool":
            call_id = m.get("tool_call_id")
            if call_id not in pending:
                problems.append(Problem(n, "structure", f"{where}: tool result answers no earlier call ({call_id!r})"))
            pending.pop(call_id, None)
            continue
        for c, call in enumerate(m.get("tool_calls") or []):
            problems += _check_call(n, f"{where} call {c}", call, offered)
            if isinstance(call, dict):
                pending[call.get("id")] = call.get("function", {}).get("name")
    if messages[-1].get("role") == "user":
        problems.append(Problem(n, "structure", "ends with a user message: nothing to learn"))
    return problems


def _check_call(n: int, where: str, call: Any, offered: set[str]) -> list[Problem]:
    if not isinstance(call, dict) or not isinstance(call.get("function"), dict):
        return [Problem(n, "structure", f"{where}: a tool call is {{id, type, function: {{name, arguments}}}}")]
    name, args = call["function"].get("name"), call["function"].get("arguments")
    if name not in TOOLS_BY_NAME:
        return [Problem(n, "invalid_tool_name", f"{where}: {name!r} is not one of Continue's tools")]
    if name not in offered:
        return [Problem(n, "invalid_tool_name", f"{where}: {name!r} is not among the example's tools")]
    if not isinstance(args, dict):
        kind = "a JSON string" if isinstance(args, str) else type(args).__name__
        return [Problem(n, "invalid_arguments", f"{where}: {name} arguments are {kind}, not an object")]
    problems = []
    for error in Draft202012Validator(strict_schema(name)).iter_errors(args):
        kind = "missing_required" if error.validator == "required" else "invalid_arguments"
        path = ".".join(str(p) for p in error.path)
        problems.append(Problem(n, kind, f"{where}: {name}{'.' + path if path else ''}: {error.message}"))
    return problems


# ---- statistics -------------------------------------------------------------------------------


def calls_of(example: dict[str, Any]) -> list[str]:
    return [c.get("function", {}).get("name") for m in example.get("messages", []) if isinstance(m, dict)
            for c in m.get("tool_calls") or [] if isinstance(c, dict)]


def kind_of(example: dict[str, Any]) -> str:
    meta = example.get("meta") or {}
    if meta.get("kind") in KINDS:
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


def statistics(examples: list[dict[str, Any]], count_tokens: Callable[[str], int], tokenizer: str) -> str:
    kinds = Counter(kind_of(e) for e in examples)
    calls = Counter(name for e in examples for name in calls_of(e))
    total_calls = sum(calls.values()) or 1
    languages = Counter((e.get("meta") or {}).get("language") for e in examples)
    frameworks = Counter((e.get("meta") or {}).get("framework") for e in examples)
    lengths = [count_tokens(example_text(e)) for e in examples]
    out = [
        f"{len(examples)} examples, {sum(calls.values())} tool calls",
        "",
        tabulate(sorted(kinds.items(), key=lambda kv: -kv[1]), ["kind", "examples"], "github"),
        "",
        tabulate([(n, c, f"{c / total_calls:.1%}") for n, c in calls.most_common()], ["tool", "calls", "share"],
                 "github"),
        "",
        tabulate([(k, v) for k, v in languages.most_common() if k], ["language", "examples"], "github"),
        "",
        tabulate([(k, v) for k, v in frameworks.most_common() if k], ["framework", "examples"], "github"),
        "",
        f"languages: {len([k for k in languages if k])}, frameworks: {len([k for k in frameworks if k])}",
        f"average length: {sum(lengths) / max(1, len(lengths)):.0f} tokens (max {max(lengths, default=0)}; "
        f"{tokenizer}, messages and calls without the tool schemas)",
    ]
    return "\n".join(out)


# ---- splits -----------------------------------------------------------------------------------


def split(examples: list[dict[str, Any]], seed: int = 2026, valid: float = 0.1, test: float = 0.1,
          min_size: int = 4) -> dict[str, list[dict[str, Any]]]:
    """Deterministic split, stratified by (kind, first tool): each stratum is shuffled with the seed
    and dealt out in proportion; every split gets at least `min_size` examples (mlx-lm's batch size)."""
    strata: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in examples:
        calls = calls_of(e)
        strata[(kind_of(e), calls[0] if calls else "-")].append(e)
    rng = random.Random(seed)
    out: dict[str, list[dict[str, Any]]] = {"train": [], "valid": [], "test": []}
    carry = {"valid": 0.0, "test": 0.0}
    for key in sorted(strata):
        group = strata[key]
        rng.shuffle(group)
        for name, share in (("valid", valid), ("test", test)):
            carry[name] += len(group) * share
            take = int(carry[name])
            carry[name] -= take
            out[name] += group[:take]
            group = group[take:]
        out["train"] += group
    for name in ("valid", "test"):
        while len(out[name]) < min_size and len(out["train"]) > min_size:
            out[name].append(out["train"].pop())
    if any(len(v) < min_size for v in out.values()):
        raise ValueError(f"too few examples for three splits of at least {min_size}")
    return out


def clean(example: dict[str, Any]) -> dict[str, Any]:
    """An example as mlx-lm reads it: messages and tools only."""
    return {"messages": example["messages"], "tools": example["tools"]}


def write_jsonl(path: Path, examples: Iterable[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for e in examples:
            fh.write(json.dumps(e, ensure_ascii=False) + "\n")


# ---- leakage ----------------------------------------------------------------------------------


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


# ---- command line -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ctft-dataset", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check every example; then print the statistics")
    v.add_argument("file", type=Path)
    s = sub.add_parser("split", help="write train/valid/test.jsonl for mlx-lm")
    s.add_argument("file", type=Path)
    s.add_argument("--out", type=Path, default=Path("datasets/continue"))
    s.add_argument("--seed", type=int, default=2026)
    lk = sub.add_parser("leakage", help="compare training user messages with the suites' prompts")
    lk.add_argument("file", type=Path)
    lk.add_argument("--suites", type=Path, default=Path("suites"))
    args = parser.parse_args(argv)
    if not args.file.is_file():
        print(f"error: {args.file}: no such file", file=sys.stderr)
        return 2
    examples, problems = validate(args.file)
    if args.command == "validate":
        by_class = Counter(p.kind for p in problems)
        print(tabulate([(k, by_class.get(k, 0)) for k in ERROR_CLASSES], ["check", "errors"], "github"))
        for p in problems[:200]:
            print(f"{args.file}: {p}")
        print()
        count, tokenizer = token_counter()
        print(statistics(examples, count, tokenizer))
        return 1 if problems else 0
    if problems:
        print(f"{args.file}: {len(problems)} error(s); run `validate` first", file=sys.stderr)
        return 1
    if args.command == "split":
        parts = split(examples, seed=args.seed)
        for name, part in parts.items():
            write_jsonl(args.out / f"{name}.jsonl", (clean(e) for e in part))
            print(f"wrote {args.out / (name + '.jsonl')}: {len(part)} examples")
        return 0
    worst = leakage(examples, suite_prompts(args.suites))
    print(tabulate([(f"{s:.3f}", cid, line) for s, cid, line in worst],
                   ["similarity", "suite case", "dataset line"], "github"))
    over = [w for w in worst if w[0] >= LEAKAGE_THRESHOLD]
    print(f"threshold {LEAKAGE_THRESHOLD}: {'LEAK' if over else 'ok'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
