"""The fine-tuning dataset: validate it, describe it, split it, and check it against the suites.

- `expected`: what Continue sends for an example's channel and tool set (`channel_of`, `tool_set_of`,
  `system_message`, `native_tools`, `result_message`), from ctft_eval.profile;
- `validation`: reading a JSONL file and checking every example (`validate`, `Problem`, `argument_errors`);
- `stats`: what the examples hold (`calls_of`, `kind_of`, `statistics`, `EXAMPLE_KINDS`);
- `splitting`: the deterministic train/valid/test split (`split`, `clean`, `write_jsonl`, `scenario_of`);
- `overlap`: the suites' prompts kept out of the training data (`leakage`, `suite_prompts`);
- `cli`: `python -m ctft_eval.dataset validate|split|leakage FILE`, also the console command `ctft-dataset`.

The modules are named apart from the functions they hold, so `dataset.split` and `dataset.validate`
are always the functions.
"""

from ctft_eval.dataset.cli import main
from ctft_eval.dataset.expected import (
    DATASET_TOOL_SETS,
    channel_of,
    continue_calls,
    native_tools,
    result_message,
    result_of,
    system_message,
    tool_set_of,
)
from ctft_eval.dataset.overlap import LEAKAGE_THRESHOLD, jaccard, leakage, ngrams, suite_prompts
from ctft_eval.dataset.splitting import clean, scenario_of, split, write_jsonl
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
    "DATASET_TOOL_SETS",
    "ERROR_CLASSES",
    "EXAMPLE_KINDS",
    "LEAKAGE_THRESHOLD",
    "Problem",
    "argument_errors",
    "calls_of",
    "channel_of",
    "clean",
    "continue_calls",
    "example_text",
    "jaccard",
    "kind_of",
    "leakage",
    "main",
    "native_tools",
    "ngrams",
    "read_lines",
    "result_message",
    "result_of",
    "scenario_of",
    "split",
    "statistics",
    "suite_prompts",
    "system_message",
    "token_counter",
    "tool_set_of",
    "validate",
    "write_jsonl",
]
