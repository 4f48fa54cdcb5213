"""Training examples as token ids and a loss mask, for the PyTorch LoRA trainer.

The rendering is mlx-lm's (`mlx_lm.tuner.datasets.ChatDataset` with `--mask-prompt`), so both trainers
learn the same tokens from the same examples:

* the whole conversation goes through the tokenizer's chat template, with the example's `tools`;
* the prompt is the conversation without its last message, rendered with the generation prompt when
  that last message is the assistant's; the loss covers only the tokens after it;
* a sequence longer than `max_seq_length` is cut to it.

`training.steps.training_data` writes the examples (one per assistant turn) that both trainers read.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

IGNORE = -100
"""The label of a token the loss skips (PyTorch's cross-entropy `ignore_index`)."""


@dataclass(frozen=True)
class Encoded:
    tokens: list[int]
    offset: int
    """Index of the first token the loss covers (the prompt's length)."""

    @property
    def trained(self) -> int:
        return max(0, len(self.tokens) - self.offset)


def _ids(rendered: Any) -> list[int]:
    """apply_chat_template's ids, whichever shape this transformers version returns them in."""
    if isinstance(rendered, dict) or hasattr(rendered, "keys"):
        rendered = rendered["input_ids"]
    return [int(t) for t in rendered]


def rendered(example: dict[str, Any], tokenizer: Any, tokenize: bool) -> tuple[Any, Any]:
    """The whole conversation and its prompt (all but the last message, with the generation prompt when
    that message is the assistant's) through the chat template: ids, or text with `tokenize=False`."""
    messages = example["messages"]
    tools = example.get("tools") or None
    ends_with_answer = messages[-1].get("role") == "assistant"
    whole = tokenizer.apply_chat_template(messages, tools=tools, tokenize=tokenize, return_dict=False)
    prompt = tokenizer.apply_chat_template(messages[:-1], tools=tools, tokenize=tokenize, return_dict=False,
                                           add_generation_prompt=ends_with_answer)
    return whole, prompt


def encode(example: dict[str, Any], tokenizer: Any, max_seq_length: int | None = None) -> Encoded:
    whole, head = rendered(example, tokenizer, tokenize=True)
    tokens, prompt = _ids(whole), _ids(head)
    if max_seq_length is not None:
        tokens = tokens[:max_seq_length]
    return Encoded(tokens, len(prompt))


def labels(encoded: Encoded) -> list[int]:
    """The tokens themselves where the loss applies, IGNORE over the prompt."""
    return [IGNORE if i < encoded.offset else t for i, t in enumerate(encoded.tokens)]


def read_split(path: Path) -> list[dict[str, Any]]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            example = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not JSON ({exc})") from None
        if not isinstance(example, dict) or not isinstance(example.get("messages"), list) or not example["messages"]:
            raise ValueError(f"{path}:{number}: an example is an object with a non-empty `messages` list")
        examples.append(example)
    return examples


def batches(items: Sequence[Encoded], batch_size: int, seed: int | None) -> Iterator[list[Encoded]]:
    """One epoch: examples of similar length batched together (less padding), batches in random order.

    mlx-lm batches the same way (sorted by length, then the batches shuffled)."""
    order = sorted(range(len(items)), key=lambda i: len(items[i].tokens))
    groups = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    random.Random(seed).shuffle(groups)
    for group in groups:
        yield [items[i] for i in group]


def collate(batch: Sequence[Encoded], pad_id: int) -> tuple[list[list[int]], list[list[int]], list[list[int]]]:
    """input ids, attention mask and labels, right-padded to the batch's longest sequence."""
    width = max(len(e.tokens) for e in batch)
    ids, mask, targets = [], [], []
    for e in batch:
        pad = width - len(e.tokens)
        ids.append(e.tokens + [pad_id] * pad)
        mask.append([1] * len(e.tokens) + [0] * pad)
        targets.append(labels(e) + [IGNORE] * pad)
    return ids, mask, targets
