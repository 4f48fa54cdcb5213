"""The fine-tuning dataset: validate it, describe it, split it, and check it against the suites.

    python -m ctft_eval.dataset validate datasets/continue_finetuning_dataset.jsonl
    python -m ctft_eval.dataset split datasets/continue_finetuning_dataset.jsonl --out datasets/continue
    python -m ctft_eval.dataset leakage datasets/continue_finetuning_dataset.jsonl --suites suites

Any file works the same (datasets/continue_finetuning_dataset_experimental.jsonl, a split file): each
example is checked against what Continue sends for its channel and tool set (ctft_eval.profile), and
`validate` prints the statistics per channel and tool set. `split` writes the splits of the file given.
Also installed as the console command `ctft-dataset`. Exit status 1 when any error is found.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from tabulate import tabulate

from ctft_eval.dataset.overlap import LEAKAGE_THRESHOLD, leakage, suite_prompts
from ctft_eval.dataset.splitting import clean, split, write_jsonl
from ctft_eval.dataset.stats import statistics, token_counter
from ctft_eval.dataset.validation import ERROR_CLASSES, validate


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
