"""The examples both trainers read: the dataset's splits, cut into one example per assistant turn
(`split_turns`) and optionally limited to the shortest few (`data_limit`, for smoke runs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from training.config import Config


class DataError(RuntimeError):
    pass


SPLITS = ("train", "valid", "test")


def _limits(cfg: Config) -> dict[str, int]:
    limit = cfg.data_limit
    if limit is None:
        return {}
    if isinstance(limit, int):
        return dict.fromkeys(SPLITS, limit)
    return {k: int(v) for k, v in limit.items()}


def split_turns(example: dict[str, Any]) -> list[dict[str, Any]]:
    """The example cut after each of its assistant messages (tool calls and answers alike)."""
    messages = example.get("messages") or []
    cuts = [i + 1 for i, m in enumerate(messages) if i > 0 and isinstance(m, dict) and m.get("role") == "assistant"]
    return [{**example, "messages": messages[:cut]} for cut in cuts] or [example]


def training_data(cfg: Config) -> Path:
    """The directory mlx-lm reads: the configured one, or (split_turns, data_limit) a derived one under out/."""
    source = cfg.data
    if not (source / "train.jsonl").is_file():
        raise DataError(f"no {source / 'train.jsonl'}: mlx-lm's --data is a directory holding train.jsonl "
                        "(and valid.jsonl); make it with `python -m ctft_eval.dataset split` or set `data:`/--data")
    options = cfg.torch if cfg.trainer == "torch" else cfg.lora_options
    batch = int(options.get("batch_size", 4))
    limits = _limits(cfg)
    target = cfg.train_data_dir
    derived = target != source
    if derived:
        target.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        path = source / f"{split}.jsonl"
        if not path.is_file():
            if derived:
                (target / path.name).unlink(missing_ok=True)
            continue
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if cfg.split_turns:
            try:
                examples = [json.loads(line) for line in lines]
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}: a line is not JSON ({exc}); check it with "
                                "`python -m ctft_eval.dataset validate`") from None
            lines = [json.dumps(part, ensure_ascii=False) for example in examples for part in split_turns(example)]
        if split in limits:
            # Shortest first: a smoke run's cost grows with sequence length, quadratically in attention.
            keep = sorted(sorted(range(len(lines)), key=lambda i: len(lines[i]))[:limits[split]])
            lines = [lines[i] for i in keep]
        if split != "test" and len(lines) < batch:
            raise DataError(f"{path} gives {len(lines)} examples, fewer than batch_size={batch}")
        if derived:
            (target / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
