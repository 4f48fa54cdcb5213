"""The fine-tuning dataset: validate it, describe it, split it, and check it against the suites.

- `validation`: reading a JSONL file and checking every example (`validate`, `Problem`, `argument_errors`);
- `stats`: what the examples hold (`calls_of`, `kind_of`, `statistics`, `EXAMPLE_KINDS`);
- `splitting`: the deterministic train/valid/test split (`split`, `clean`, `write_jsonl`);
- `overlap`: the suites' prompts kept out of the training data (`leakage`, `suite_prompts`);
- `cli`: `python -m ctft_eval.dataset validate|split|leakage FILE`, also the console command `ctft-dataset`.

The modules are named apart from the functions they hold, so `dataset.split` and `dataset.validate`
are always the functions.
"""

from ctft_eval.dataset.cli import main
from ctft_eval.dataset.overlap import LEAKAGE_THRESHOLD, jaccard, leakage, ngrams, suite_prompts
from ctft_eval.dataset.splitting import clean, split, write_jsonl
from ctft_eval.dataset.stats import (
    CHARS_PER_TOKEN,
    EXAMPLE_KINDS,
    calls_of,
    example_text,
    kind_of,
    statistics,
    token_counter,
)
from ctft_eval.dataset.validation import ERROR_CLASSES, Problem, argument_errors, read_lines, validate

__all__ = [
    "CHARS_PER_TOKEN",
    "ERROR_CLASSES",
    "EXAMPLE_KINDS",
    "LEAKAGE_THRESHOLD",
    "Problem",
    "argument_errors",
    "calls_of",
    "clean",
    "example_text",
    "jaccard",
    "kind_of",
    "leakage",
    "main",
    "ngrams",
    "read_lines",
    "split",
    "statistics",
    "suite_prompts",
    "token_counter",
    "validate",
    "write_jsonl",
]
