"""The training examples as token ids, made once here by llama.cpp's own tokenizer.

Why the ids travel instead of the text: transformers builds a GGUF base's tokenizer itself, and two
versions do not build the same one. Measured on Qwen2.5-Coder-0.5B's Q4_K_M GGUF: transformers 5.24
(this project's pin) encodes `<tool_call>` as the one special token 151657, as llama.cpp does when it
serves the model; the GPU machine's transformers 5.17 gave 97,940 trained tokens per epoch where 5.24
gives 96,635, and the adapter trained there wrote its native calls in `<tools>` tags instead of
`<tool_call>` (92 of 140 replies). The ids made here are the ones the evaluation's llama.cpp reads
(`llama_encode`: llama.cpp's tokenizer on the chat template's text), so the GPU trains on exactly
those, whatever its transformers does. (llama.cpp also reads text such as `</s>` inside an HTML
snippet as that special token where transformers does not: 4 of the 1,164 examples differ so, all in
their prompts; the ids kept are llama.cpp's, what the served model reads.)

    python -m training.gpu pack --config CFG     writes them, beside the base's parts
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from training.data import DataError
from training.torch_data import Encoded, encode, read_split, rendered

SUFFIX = ".tokens.jsonl.gz"
SPLITS = ("train", "valid")


def save(path: Path, items: Iterable[Encoded]) -> int:
    count = 0
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps({"tokens": item.tokens, "offset": item.offset}, separators=(",", ":")) + "\n")
            count += 1
    return count


def load(path: Path, max_seq_length: int | None = None) -> list[Encoded]:
    items = []
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                row = json.loads(line)
                tokens, offset = row["tokens"], row["offset"]
                if not (isinstance(tokens, list) and all(isinstance(t, int) for t in tokens)
                        and isinstance(offset, int) and offset >= 0):
                    raise DataError(f"{path}:{number}: `tokens` must be a list of ids and `offset` a count of them")
                items.append(Encoded(tokens[:max_seq_length] if max_seq_length else tokens, offset))
    except (OSError, EOFError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DataError(f"{path}: not a token file ({type(exc).__name__}: {exc})") from None
    return items


def llama_encode(example: dict[str, Any], tokenizer: Any, tokenize: Any, where: str) -> Encoded:
    """The example as llama.cpp reads it: the chat template's text (the tokenizer's, as `encode` renders
    it) tokenized by llama.cpp (special tokens parsed, no BOS added), the prompt likewise."""
    text, prompt = rendered(example, tokenizer, tokenize=False)
    tokens = list(tokenize(text.encode("utf-8"), add_bos=False, special=True))
    head = list(tokenize(prompt.encode("utf-8"), add_bos=False, special=True))
    if not text.startswith(prompt):
        raise DataError(f"{where}: the chat template renders the prompt as something other than the start of "
                        "the whole example; the loss mask cannot be placed")
    return Encoded(tokens, len(head))  # the mask at the prompt's length, as mlx-lm (and `encode`) place it


def encode_splits(data: Path, tokenizer: Any, out: Path, tokenize: Any = None,
                  max_seq_length: int | None = None) -> dict[str, Any]:
    """Write `out/{train,valid}.tokens.jsonl.gz`: llama.cpp's ids when `tokenize` (its tokenizer) is
    given, else the tokenizer's; the summary counts the examples where the two differ."""
    out.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {}
    for name in SPLITS:
        items, differ = [], 0
        for number, example in enumerate(read_split(data / f"{name}.jsonl"), 1):
            item = encode(example, tokenizer)
            if tokenize is not None:
                theirs = llama_encode(example, tokenizer, tokenize, f"{data / name}.jsonl:{number}")
                differ += theirs != item
                item = theirs
            items.append(Encoded(item.tokens[:max_seq_length] if max_seq_length else item.tokens, item.offset))
        save(out / f"{name}{SUFFIX}", items)
        summary[name] = {"examples": len(items), "trained_tokens": sum(i.trained for i in items),
                         "differ_from_the_tokenizer": differ if tokenize is not None else None}
    summary["ids"] = "llama.cpp" if tokenize is not None else "tokenizer"
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary


def special_count(items: Iterable[Encoded], token: int) -> int:
    """How often `token` appears in the trained part of the examples (e.g. `<tool_call>`)."""
    return sum(item.tokens[item.offset:].count(token) for item in items)
