"""LoRA fine-tuning with PyTorch and PEFT: the trainer for NVIDIA GPUs (and, slowly, any CPU).

The same examples, chat template and prompt masking as the mlx-lm path (training/torch_data.py); LoRA
on every linear layer of the decoder. The validation loss is measured before training and after each
epoch, and the adapter of the epoch with the lowest validation loss is kept (PEFT's format:
adapter_config.json + adapter_model.safetensors), beside `losses.json`.

    python -m training.torch_lora --base DIR --data DIR --out DIR [--rank 16 --alpha 32 --lr 2e-4 ...]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from training.torch_data import Encoded, batches, collate, encode, read_split


@dataclass
class Hyper:
    rank: int = 16
    alpha: float = 32.0
    dropout: float = 0.05
    learning_rate: float = 2e-4
    epochs: int = 3
    batch_size: int = 4
    max_seq_length: int = 4096
    warmup_steps: int = 10
    weight_decay: float = 0.0
    seed: int = 0
    target_modules: str | list[str] = "all-linear"
    max_steps: int | None = None
    """Stop after this many optimizer steps (smoke tests); None: the whole epochs."""
    time_limit_s: float | None = None
    """Stop training after this many seconds (a GPU lease that ends), then validate and keep the best."""

    @classmethod
    def from_mapping(cls, values: dict[str, Any], where: str = "torch") -> Hyper:
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"{where}: unknown keys {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        hyper = cls(**values)
        hyper.learning_rate = float(hyper.learning_rate)  # YAML reads 2e-4 as a string
        hyper.alpha = float(hyper.alpha)
        return hyper


@dataclass
class Result:
    hyper: dict[str, Any]
    device: str
    train_examples: int
    valid_examples: int
    trained_tokens: int = 0
    epochs: list[dict[str, Any]] = field(default_factory=list)
    best_epoch: int = 0
    best_valid_loss: float = math.inf
    best_first_token: float | None = None
    seconds: float = 0.0


def _device() -> tuple[str, Any]:
    import torch

    if torch.cuda.is_available():
        return "cuda", torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return "cpu", torch.float32


def _loss(model: Any, batch: list[Encoded], pad_id: int, device: str, first: bool = False) -> Any:
    """The summed loss and the count of trained tokens; with `first`, also how many examples' first
    trained token is the most likely one."""
    import torch

    ids, mask, targets = collate(batch, pad_id)
    out = model(input_ids=torch.tensor(ids, device=device), attention_mask=torch.tensor(mask, device=device))
    logits = out.logits[:, :-1].float()
    target = torch.tensor(targets, device=device)[:, 1:]
    count = int((target != -100).sum())
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1),
                                             ignore_index=-100, reduction="sum")
    if not first:
        return loss, count
    hits = sum(int(logits[row, e.offset - 1].argmax()) == e.tokens[e.offset]
               for row, e in enumerate(batch) if 0 < e.offset < len(e.tokens))
    return loss, count, hits


def validation_loss(model: Any, items: list[Encoded], pad_id: int, device: str, batch_size: int) -> tuple[float, float]:
    """Mean cross-entropy per trained token over the whole validation split, and the share of examples
    whose first trained token is the model's most likely one: how a reply starts (`<tool_call>`, a
    ```tool block, or text) is the choice between calling a tool and answering, and one token of
    hundreds in the loss."""
    import torch

    total, count, hits = 0.0, 0, 0
    model.eval()
    with torch.no_grad():
        for batch in batches(items, batch_size, seed=None):
            loss, n, first = _loss(model, batch, pad_id, device, first=True)
            total, count, hits = total + float(loss), count + n, hits + first
    model.train()
    return (total / count if count else math.nan), (hits / len(items) if items else math.nan)


def _split(data: Path, name: str, tokenizer: Any, max_seq_length: int, say: Any) -> list[Encoded]:
    """A split's examples: the token ids made beforehand by llama.cpp's tokenizer (training/torch_encode.py) where
    they are in `data`, else rendered here with this machine's tokenizer."""
    from training.torch_encode import SUFFIX, load

    carried = data / f"{name}{SUFFIX}"
    if carried.is_file():
        say(f"  {name}: token ids from {carried} (made by llama.cpp's tokenizer where the data was packed)")
        return load(carried, max_seq_length)
    return [encode(e, tokenizer, max_seq_length) for e in read_split(data / f"{name}.jsonl")]


def train(base: Path, data: Path, out: Path, hyper: Hyper, say: Any = print) -> Result:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.perf_counter()
    torch.manual_seed(hyper.seed)
    device, dtype = _device()
    tokenizer = AutoTokenizer.from_pretrained(base)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    splits = {name: _split(data, name, tokenizer, hyper.max_seq_length, say) for name in ("train", "valid")}
    train_items = [e for e in splits["train"] if e.trained > 0]
    valid_items = [e for e in splits["valid"] if e.trained > 0]
    if not train_items or not valid_items:
        raise ValueError(f"{data}: no training or no validation examples with tokens to learn")
    result = Result(asdict(hyper), device, len(train_items), len(valid_items))
    say(f"  {len(train_items)} training and {len(valid_items)} validation examples "
        f"({sum(e.trained for e in train_items):,} trained tokens per epoch), on {device} in {dtype}")

    model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype).to(device)
    model.config.use_cache = False
    config = LoraConfig(r=hyper.rank, lora_alpha=hyper.alpha, lora_dropout=hyper.dropout,
                        target_modules=hyper.target_modules, task_type="CAUSAL_LM")
    model = get_peft_model(model, config)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    say(f"  LoRA rank {hyper.rank}, alpha {hyper.alpha:g} on {hyper.target_modules}: {trainable:,} parameters")
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=hyper.learning_rate, weight_decay=hyper.weight_decay)
    steps_per_epoch = math.ceil(len(train_items) / hyper.batch_size)
    total_steps = steps_per_epoch * hyper.epochs if hyper.max_steps is None else hyper.max_steps

    def rate(step: int) -> float:  # linear warm-up, then cosine down to a tenth
        if step < hyper.warmup_steps:
            return (step + 1) / hyper.warmup_steps
        progress = (step - hyper.warmup_steps) / max(1, total_steps - hyper.warmup_steps)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, rate)
    before, first = validation_loss(model, valid_items, pad_id, device, hyper.batch_size)
    result.epochs.append({"epoch": 0, "valid_loss": round(before, 4), "valid_first_token": round(first, 4)})
    say(f"  epoch 0: validation loss {before:.4f}, first token right in {first:.1%} of the examples")
    step, best_dir, out_of_time = 0, out / "best", False
    model.train()
    for epoch in range(1, hyper.epochs + 1):
        epoch_started, total, count, skipped = time.perf_counter(), 0.0, 0, 0
        for batch in batches(train_items, hyper.batch_size, seed=hyper.seed + epoch):
            loss, n = _loss(model, batch, pad_id, device)
            if not torch.isfinite(loss):
                skipped += 1  # a non-finite loss would poison the weights: leave this batch out
                continue
            (loss / max(1, n)).backward()
            norm = torch.nn.utils.clip_grad_norm_(params, 1.0)
            if not torch.isfinite(norm):
                optimizer.zero_grad(set_to_none=True)
                skipped += 1
                continue
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            total, count, step = total + float(loss.detach()), count + n, step + 1
            if hyper.max_steps is not None and step >= hyper.max_steps:
                break
            if hyper.time_limit_s is not None and time.perf_counter() - started > hyper.time_limit_s:
                out_of_time = True
                break
        result.trained_tokens += count
        valid, first = validation_loss(model, valid_items, pad_id, device, hyper.batch_size)
        row = {"epoch": epoch, "train_loss": round(total / max(1, count), 4), "valid_loss": round(valid, 4),
               "valid_first_token": round(first, 4), "steps": step, "skipped": skipped,
               "seconds": round(time.perf_counter() - epoch_started, 1)}
        result.epochs.append(row)
        say(f"  epoch {epoch}: train loss {row['train_loss']:.4f}, validation loss {valid:.4f}, first token "
            f"right in {first:.1%} ({row['seconds']:.0f} s, {step} steps, {skipped} batches skipped as non-finite)")
        if math.isfinite(valid) and valid < result.best_valid_loss:
            result.best_epoch, result.best_valid_loss = epoch, round(valid, 4)
            result.best_first_token = round(first, 4)
            shutil.rmtree(best_dir, ignore_errors=True)
            # save_embedding_layers=False: with lm_head among the targets PEFT would also save the whole
            # base head (136M parameters, 284 MB in bf16), which the merge takes from the base anyway
            model.save_pretrained(best_dir, safe_serialization=True, save_embedding_layers=False)
        if out_of_time or (hyper.max_steps is not None and step >= hyper.max_steps):
            if out_of_time:
                say(f"  stopped in epoch {epoch} after {hyper.time_limit_s:g} s (time_limit_s)")
            break
    result.seconds = round(time.perf_counter() - started, 1)
    if not best_dir.is_dir():
        raise ValueError(f"no epoch gave a finite validation loss: {result.epochs}")
    finish(out, best_dir, result)
    say(f"  kept epoch {result.best_epoch} (validation loss {result.best_valid_loss:.4f}); {result.seconds:.0f} s")
    return result


def finish(out: Path, best_dir: Path, result: Result) -> None:
    """The kept adapter's files directly in `out` (its weights in bfloat16), with losses.json."""
    for path in best_dir.iterdir():
        shutil.move(str(path), out / path.name)
    shutil.rmtree(best_dir, ignore_errors=True)
    to_bfloat16(out / "adapter_model.safetensors")
    (out / "losses.json").write_text(json.dumps(asdict(result), indent=1) + "\n", encoding="utf-8")


def to_bfloat16(path: Path) -> None:
    """Rewrite an adapter's float32 weights in bfloat16: half the size (rank 16 on every linear layer of
    the 0.5B model: 35 MB -> 18 MB, small enough to commit), and what is merged is then exactly what
    is kept."""
    import torch
    from safetensors.torch import load_file, save_file

    tensors = load_file(path)
    if all(t.dtype != torch.float32 for t in tensors.values()):
        return
    save_file({k: t.to(torch.bfloat16) if t.dtype == torch.float32 else t for k, t in tensors.items()},
              path, metadata={"format": "pt"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.torch_lora", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, type=Path, help="Hugging Face directory of the base model")
    parser.add_argument("--data", required=True, type=Path, help="directory with train.jsonl and valid.jsonl")
    parser.add_argument("--out", required=True, type=Path, help="where the adapter goes")
    for name, default in asdict(Hyper()).items():
        if name != "target_modules":
            kind = float if isinstance(default, float) or name == "time_limit_s" else int
            parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=default)
    parser.add_argument("--target-modules", default="all-linear",
                        help="all-linear (PEFT: every linear layer but the output head), or a comma-separated list")
    args = parser.parse_args(argv)
    values = {k: getattr(args, k) for k in asdict(Hyper()) if k != "target_modules"}
    values["target_modules"] = args.target_modules if args.target_modules == "all-linear" else \
        args.target_modules.split(",")
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        train(args.base, args.data, args.out, Hyper(**values))
    except (ValueError, OSError) as exc:
        print(f"torch_lora: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
