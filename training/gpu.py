"""The GPU round trip of a `trainer: torch` config: the base goes up in parts, the adapter comes back.

    here:  python -m training.gpu pack   --config CFG              base GGUF -> runs/gpu/NAME/up/ (parts)
           (and the training data as token ids checked against llama.cpp's tokenizer: runs/gpu/NAME/encoded/)
    there: python -m training.gpu remote --config CFG --parts DIR --encoded DIR --work DIR --out DIR [--variants 0,1]
           joins and checks the parts, dequantizes the base (transformers, bf16 on a GPU), renders the
           training data as `python -m training lora` does, trains each `sweep:` variant not yet trained
           (resumable: a variant with losses.json in WORK is kept), and writes to OUT the sweep table and
           the best variant's adapter in parts
    here:  python -m training.gpu unpack --config CFG --parts DIR  the adapter, checked, into the config's
           adapters/ (the `lora` step is then up to date), then `python -m training all --config CFG`;
           DIR may also be a directory with the adapter in one file (a committed one, training/adapters/)

Every step says what it does and how long it took; a missing or damaged part stops it with one line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from training import parts
from training.config import Config, ConfigError, load_config
from training.data import DataError
from training.steps import StepError

UP_PART_BYTES = 40 << 20  # a call to the GPU machine carries 64 MiB, the project's tree (~20 MB) included
DOWN_PART_BYTES = 15 << 20  # what comes back: files of at most 16 MiB


class GpuError(RuntimeError):
    pass


def _timed(title: str):
    class _Step:
        def __enter__(self) -> None:
            self.started = time.perf_counter()
            print(f"==> {title}", flush=True)

        def __exit__(self, kind: Any, *_: Any) -> None:
            if kind is None:
                print(f"    done in {time.perf_counter() - self.started:.1f} s", flush=True)
    return _Step()


def pack(cfg: Config, directory: Path) -> dict:
    from training.steps import _source_gguf

    source = _source_gguf(cfg)
    with _timed(f"split {source} into parts of {UP_PART_BYTES >> 20} MiB in {directory}"):
        manifest = parts.split(source, directory, UP_PART_BYTES)
    print(f"    {len(manifest['parts'])} parts, sha256 {manifest['sha256']}")
    encode(cfg, directory.parent / "encoded")
    return manifest


def encode(cfg: Config, directory: Path) -> dict:
    """The training data as token ids (training/torch_encode.py), made by the tokenizer of the llama.cpp
    that serves the base GGUF: what `remote --encoded` trains on."""
    from llama_cpp import Llama
    from transformers import AutoTokenizer

    from training.data import training_data
    from training.steps import _source_gguf, run_prepare
    from training.torch_encode import encode_splits

    if not (cfg.base_dir / "config.json").is_file():
        with _timed(f"dequantize the base into {cfg.base_dir} (its tokenizer renders the examples)"):
            run_prepare(cfg)
    data = training_data(cfg)
    vocab = Llama(model_path=str(_source_gguf(cfg)), vocab_only=True, verbose=False)
    tokenizer = AutoTokenizer.from_pretrained(cfg.base_dir)
    with _timed(f"encode {data} into {directory} with llama.cpp's tokenizer"):
        summary = encode_splits(data, tokenizer, directory, vocab.tokenize, int(cfg.torch.get("max_seq_length", 4096)))
    print("    " + ", ".join(f"{k}: {v['examples']} examples ({v['differ_from_the_tokenizer']} differ from the "
                              f"tokenizer's ids), {v['trained_tokens']:,} trained tokens"
                              for k, v in summary.items() if isinstance(v, dict)))
    return summary


def _use_encoded(encoded: Path, data: Path, base: Path) -> None:
    """Train on the ids made where they were checked; say how this machine's tokenizer would differ."""
    from transformers import AutoTokenizer

    from training.torch_data import encode as encode_here
    from training.torch_data import read_split
    from training.torch_encode import SPLITS, SUFFIX, load

    for name in SPLITS:
        if not (encoded / f"{name}{SUFFIX}").is_file():
            raise GpuError(f"{encoded / (name + SUFFIX)} is missing (python -m training.gpu encode writes it)")
        shutil.copy2(encoded / f"{name}{SUFFIX}", data / f"{name}{SUFFIX}")
    tokenizer = AutoTokenizer.from_pretrained(base)
    carried = load(data / f"train{SUFFIX}")
    here = [encode_here(e, tokenizer) for e in read_split(data / "train.jsonl")]
    same = sum(a.tokens == b.tokens[:len(a.tokens)] and a.offset == b.offset
               for a, b in zip(carried, here, strict=False))
    call = tokenizer.convert_tokens_to_ids("<tool_call>")
    counts = [sum(e.tokens[e.offset:].count(call) for e in items) for items in (carried, here)]
    print(f"    carried token ids: {len(carried)} training examples, {sum(e.trained for e in carried):,} trained "
          f"tokens; this machine's tokenizer agrees on {same} of {len(here)} examples "
          f"({sum(e.trained for e in here):,} trained tokens); <tool_call> (id {call}) trained "
          f"{counts[0]} times in the carried ids, {counts[1]} times as this machine would render them")


def variants(cfg: Config) -> list[dict[str, Any]]:
    return cfg.sweep or [{}]


def remote(cfg: Config, up: Path, work: Path, out: Path, chosen: list[int] | None,
           encoded: Path | None = None, parallel: bool = False, prepare_only: bool = False) -> dict:
    from training.data import training_data
    from training.steps import run_prepare
    from training.torch_lora import train
    from training.torch_steps import hyper

    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    manifest = parts.read_manifest(up)
    with _timed(f"join and check {len(manifest['parts'])} parts of {manifest['file']}"):
        base_gguf = parts.join(up, work / manifest["file"])
    import torch

    dtype = "bfloat16" if torch.cuda.is_available() else "float32"
    local = replace(cfg, out=work, base_gguf=str(base_gguf), base_dtype=dtype)
    if not (local.base_dir / "config.json").is_file():
        with _timed(f"dequantize {base_gguf.name} into {local.base_dir} ({dtype})"):
            run_prepare(local)
    with _timed("render the training data (one example per assistant turn)"):
        data = training_data(local)
    if encoded is not None:
        with _timed(f"use the token ids from {encoded}"):
            _use_encoded(encoded, data, local.base_dir)
    if prepare_only:
        print("==> prepared (--prepare-only): the next `remote` call with the same --work trains at once")
        return {}
    todo = []
    for index in chosen if chosen is not None else range(len(variants(cfg))):
        target = work / f"variant-{index}"
        if (target / "losses.json").is_file():
            print(f"==> variant {index} {variants(cfg)[index]}: already trained, kept")
            continue
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        todo.append((index, target))
    if parallel and len(todo) > 1:
        with _timed(f"train variants {', '.join(str(i) for i, _ in todo)} at once, one process each"):
            _train_at_once(local.base_dir, data, [(i, t, hyper(cfg, variants(cfg)[i])) for i, t in todo])
    for index, target in [] if parallel and len(todo) > 1 else todo:
        variant = variants(cfg)[index]
        with _timed(f"train variant {index} {variant or '(the torch: settings)'}"):
            train(local.base_dir, data, target, hyper(cfg, variant))
    return collect(cfg, work, out)


def _train_at_once(base: Path, data: Path, jobs: list[tuple[int, Path, Any]]) -> None:
    """One `python -m training.torch_lora` per variant, side by side on the one GPU: a 0.5B model at
    batch size 1 leaves most of an H200 idle. Each one's output is in its variant-N/train.log."""
    import subprocess
    from dataclasses import asdict

    running = []
    for index, target, hyper in jobs:
        argv = [sys.executable, "-m", "training.torch_lora", "--base", str(base), "--data", str(data),
                "--out", str(target)]
        for name, value in asdict(hyper).items():
            if value is not None:
                text = ",".join(value) if isinstance(value, list) else str(value)
                argv += [f"--{name.replace('_', '-')}", text]
        log = (target / "train.log").open("w", encoding="utf-8")
        running.append((index, target, log, subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)))
    failed = []
    for index, target, log, process in running:
        code = process.wait()
        log.close()
        print(f"--- variant {index} (exit {code}) ---")
        print((target / "train.log").read_text(encoding="utf-8", errors="replace").rstrip()[-4000:], flush=True)
        if code != 0:
            failed.append(index)
    if len(failed) == len(running):
        raise GpuError(f"every variant failed ({', '.join(map(str, failed))}): their train.log above says why")


def collect(cfg: Config, work: Path, out: Path) -> dict:
    """The sweep table of every trained variant, and the best one's adapter in parts in `out`."""
    table = []
    for index, variant in enumerate(variants(cfg)):
        losses = work / f"variant-{index}" / "losses.json"
        if losses.is_file():
            result = json.loads(losses.read_text(encoding="utf-8"))
            table.append({"variant": index, "overrides": variant, **result})
    if not table:
        raise GpuError(f"no trained variant in {work}")
    # the reply's first token decides between calling a tool and answering: that share first, then the loss
    best = min(table, key=lambda row: (-(row.get("best_first_token") or 0.0), row["best_valid_loss"]))
    summary = {"best": best["variant"], "variants": table}
    (out / "sweep.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    adapter = work / f"variant-{best['variant']}"
    for name in ("adapter_config.json", "losses.json"):
        shutil.copy2(adapter / name, out / name)
    manifest = parts.split(adapter / "adapter_model.safetensors", out / "adapter", DOWN_PART_BYTES)
    print(f"==> best: variant {best['variant']} (validation loss {best['best_valid_loss']}, epoch "
          f"{best['best_epoch']}); adapter sha256 {manifest['sha256']} in {len(manifest['parts'])} parts")
    print(sweep_table(summary))
    return summary


def sweep_table(summary: dict) -> str:
    lines = ["| variant | rank | alpha | learning rate | LoRA on | epochs | validation loss by epoch "
             "| first token right | best |", "|---|---|---|---|---|---|---|---|---|"]
    for row in summary["variants"]:
        h = row["hyper"]
        by_epoch = ", ".join(f"{e['valid_loss']:.3f}" for e in row["epochs"])
        first = row.get("best_first_token")
        where = h.get("target_modules", "all-linear")
        where = "all-linear" if where == "all-linear" else ("+ lm_head" if "lm_head" in where else ",".join(where))
        mark = f"epoch {row['best_epoch']}" + (" **chosen**" if row["variant"] == summary["best"] else "")
        lines.append(f"| {row['variant']} | {h['rank']} | {h['alpha']:g} | {h['learning_rate']:g} | {where} "
                     f"| {h['epochs']} | {by_epoch} | {'-' if first is None else f'{first:.1%}'} | {mark} |")
    return "\n".join(lines)


def unpack(cfg: Config, directory: Path) -> Path:
    from training.steps import STEPS

    target = cfg.adapter_dir
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    if (directory / "adapter" / parts.MANIFEST).is_file():
        with _timed(f"join and check the adapter from {directory}"):
            parts.join(directory / "adapter", staging / "adapter_model.safetensors")
    elif (directory / "adapter_model.safetensors").is_file():  # a committed adapter, in one file
        shutil.copy2(directory / "adapter_model.safetensors", staging / "adapter_model.safetensors")
    else:
        raise GpuError(f"{directory} holds no adapter (adapter/manifest.json with parts, or adapter_model.safetensors)")
    from training.torch_lora import to_bfloat16

    to_bfloat16(staging / "adapter_model.safetensors")  # what the trainer keeps, whichever version wrote it
    for name in ("adapter_config.json", "losses.json", "sweep.json"):
        if not (directory / name).is_file():
            raise GpuError(f"{directory / name} is missing")
        shutil.copy2(directory / name, staging / name)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)
    STEPS["lora"].mark_done(cfg, 0.0)
    print(f"    adapter in {target}; the lora step of {cfg.path} is up to date")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.gpu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["pack", "encode", "remote", "unpack", "collect"])
    parser.add_argument("--config", "-c", required=True)
    parser.add_argument("--parts", type=Path, help="pack: where the parts go; remote/unpack: where they are")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ctft-gpu"), help="remote: scratch directory")
    parser.add_argument("--out", type=Path, help="remote: where the adapter parts and the sweep table go")
    parser.add_argument("--encoded", type=Path, help="remote: the token ids `pack`/`encode` made (train on those)")
    parser.add_argument("--parallel", action="store_true", help="remote: train the variants side by side")
    parser.add_argument("--prepare-only", action="store_true",
                        help="remote: join, dequantize and render, then stop (a call of its own, before training)")
    parser.add_argument("--variants", help="remote: comma-separated sweep indices to train in this call")
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.config)
        os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        default_parts = cfg.out.parent.parent / "gpu" / cfg.name
        if args.command == "pack":
            pack(cfg, args.parts or default_parts / "up")
        elif args.command == "encode":
            encode(cfg, args.parts or default_parts / "encoded")
        elif args.command == "remote":
            if args.out is None or args.parts is None:
                raise GpuError("remote needs --parts (where the base's parts are) and --out")
            chosen = [int(i) for i in args.variants.split(",")] if args.variants else None
            if chosen and any(not 0 <= i < len(variants(cfg)) for i in chosen):
                raise GpuError(f"--variants: {cfg.path} has {len(variants(cfg))} sweep variants (0-based)")
            remote(cfg, args.parts, args.work, args.out, chosen, args.encoded, args.parallel, args.prepare_only)
        elif args.command == "collect":
            collect(cfg, args.work, args.out or default_parts / "down")
        else:
            unpack(cfg, args.parts or default_parts / "down")
    except (parts.PartsError, GpuError, ConfigError, StepError, DataError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
