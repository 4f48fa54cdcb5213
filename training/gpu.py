"""The GPU round trip of a `trainer: torch` config: the base goes up in parts, the adapter comes back.

    here:  python -m training.gpu pack   --config CFG              base GGUF -> runs/gpu/NAME/up/ (parts)
    there: python -m training.gpu remote --config CFG --parts DIR --work DIR --out DIR [--variants 0,1]
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

UP_PART_BYTES = 44 << 20  # a transfer to the GPU machine carries 64 MiB, the project's tree included
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
    return manifest


def variants(cfg: Config) -> list[dict[str, Any]]:
    return cfg.sweep or [{}]


def remote(cfg: Config, up: Path, work: Path, out: Path, chosen: list[int] | None) -> dict:
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
    todo = chosen if chosen is not None else list(range(len(variants(cfg))))
    for index in todo:
        variant = variants(cfg)[index]
        target = work / f"variant-{index}"
        if (target / "losses.json").is_file():
            print(f"==> variant {index} {variant}: already trained, kept")
            continue
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        with _timed(f"train variant {index} {variant or '(the torch: settings)'}"):
            train(local.base_dir, data, target, hyper(cfg, variant))
    return collect(cfg, work, out)


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
    best = min(table, key=lambda row: row["best_valid_loss"])
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
    lines = ["| variant | rank | alpha | learning rate | epochs | validation loss by epoch | best |",
             "|---|---|---|---|---|---|---|"]
    for row in summary["variants"]:
        h = row["hyper"]
        by_epoch = ", ".join(f"{e['valid_loss']:.3f}" for e in row["epochs"])
        mark = f"epoch {row['best_epoch']}" + (" **chosen**" if row["variant"] == summary["best"] else "")
        lines.append(f"| {row['variant']} | {h['rank']} | {h['alpha']:g} | {h['learning_rate']:g} | {h['epochs']} "
                     f"| {by_epoch} | {mark} |")
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
    parser.add_argument("command", choices=["pack", "remote", "unpack", "collect"])
    parser.add_argument("--config", "-c", required=True)
    parser.add_argument("--parts", type=Path, help="pack: where the parts go; remote/unpack: where they are")
    parser.add_argument("--work", type=Path, default=Path("/tmp/ctft-gpu"), help="remote: scratch directory")
    parser.add_argument("--out", type=Path, help="remote: where the adapter parts and the sweep table go")
    parser.add_argument("--variants", help="remote: comma-separated sweep indices to train in this call")
    args = parser.parse_args(argv)
    try:
        cfg = load_config(args.config)
        os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        default_parts = cfg.out.parent.parent / "gpu" / cfg.name
        if args.command == "pack":
            pack(cfg, args.parts or default_parts / "up")
        elif args.command == "remote":
            if args.out is None or args.parts is None:
                raise GpuError("remote needs --parts (where the base's parts are) and --out")
            chosen = [int(i) for i in args.variants.split(",")] if args.variants else None
            if chosen and any(not 0 <= i < len(variants(cfg)) for i in chosen):
                raise GpuError(f"--variants: {cfg.path} has {len(variants(cfg))} sweep variants (0-based)")
            remote(cfg, args.parts, args.work, args.out, chosen)
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
