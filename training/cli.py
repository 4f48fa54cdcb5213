"""python -m training STEP --config training/NAME.yaml

Steps, usable alone or chained by `all`:
  prepare    base GGUF -> Hugging Face safetensors (only for configs with `base: {gguf: ...}`)
  lora       LoRA fine-tuning with mlx_lm.lora; progress and loss stream to the terminal
             (`trainer: torch`: PyTorch + PEFT, training/torch_lora.py; on a GPU machine the round
             trip is `python -m training.gpu`, whose `unpack` makes this step up to date)
  fuse       adapters fused into the base with mlx_lm.fuse -> safetensors directory
  merge      (trainer: torch) the PEFT adapter merged into the base on CPU -> safetensors directory
  gguf       fused directory -> GGUF (correct BPE tokenizer metadata, chat template, F32 norms),
             then loaded in llama.cpp, tokenization compared with Hugging Face's, and one chat
  quantize   (gguf.quantize) the GGUF -> Q4_K_M or another type, with llama.cpp's own quantizer
  verify     the llama.cpp check of the gguf step, alone
  modelfile  render Modelfile.<name> (tools-aware TEMPLATE, parameters, stops, SYSTEM)
  create     ollama create NAME -f Modelfile.<name> (CLI or the official Python client)
  all        the chain; steps whose outputs are up to date are skipped, and `create` is skipped
             when no Ollama server answers
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from training.config import Config, ConfigError, load_config
from training.steps import CHAIN, EXTRA, STEPS, Step, StepError, human_size, stamp_path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=[*CHAIN[:-1], "verify", "create", "all"])
    parser.add_argument("--config", "-c", required=True, help="training/NAME.yaml")
    parser.add_argument("--data", help="dataset directory (train.jsonl, valid.jsonl); overrides `data:`")
    parser.add_argument("--out", help="output directory; overrides `out:`")
    parser.add_argument("--iters", type=int, help="training iterations; overrides lora.iters")
    parser.add_argument("--host", help="Ollama server URL for create; overrides ollama.host and $OLLAMA_HOST")
    parser.add_argument("--force", action="store_true", help="run steps even when their outputs are up to date")
    return parser


def _run_step(step: Step, cfg: Config, force: bool) -> tuple[str, float]:
    print(f"\n==> {step.name}: {step.title}", flush=True)
    if not force and step.name != "create":
        fresh, why = step.up_to_date(cfg)
        if fresh:
            print(f"  up to date ({why}): {', '.join(str(p) for p in step.outputs(cfg))}")
            return "up to date", 0.0
    stamp_path(cfg, step.name).unlink(missing_ok=True)  # a step that fails half way is not up to date
    start = time.perf_counter()
    wrote = step.run(cfg)
    seconds = time.perf_counter() - start
    step.mark_done(cfg, seconds)
    for path in wrote:
        if path.exists():
            print(f"  wrote {path} ({human_size(path)})")
    print(f"  {step.name}: done in {seconds:.1f} s", flush=True)
    return "ran", seconds


def _run_all(cfg: Config, force: bool) -> list[tuple[str, str, float]]:
    from training.create import NoServer, ollama_host, server_version

    results = []
    for name in CHAIN:
        step = STEPS[name]
        if not step.applies(cfg):
            continue
        if name == "create":
            host = ollama_host(cfg)
            try:
                server_version(host)
            except NoServer as exc:
                print(f"\n==> create: skipped: {exc}; once one runs: "
                      f"python -m training create --config {cfg.path}")
                results.append((name, "skipped (no server)", 0.0))
                continue
        status, seconds = _run_step(step, cfg, force)
        results.append((name, status, seconds))
    return results


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        cfg = load_config(args.config, data=args.data, out=args.out, iters=args.iters, host=args.host)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if cfg.offline:  # nothing is fetched from a model hub unless the config says `offline: false`
        os.environ.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    cfg.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        if args.step == "all":
            results = _run_all(cfg, args.force)
            total = time.perf_counter() - start
            print("\nstep        result                 wall time")
            for name, status, seconds in results:
                print(f"{name:<11} {status:<22} {seconds:8.1f} s")
            print(f"{'total':<11} {'':<22} {total:8.1f} s")
        elif args.step == "verify":
            name, title, run = EXTRA["verify"]
            print(f"\n==> {name}: {title}", flush=True)
            run(cfg)
            print(f"  verify: done in {time.perf_counter() - start:.1f} s")
        elif args.step == "create":
            _run_step(STEPS["create"], cfg, force=True)
        else:
            step = STEPS[args.step]
            if not step.applies(cfg):
                print(f"{args.step}: nothing to do for {cfg.path} (it names no `base: {{gguf: ...}}`)")
                return 0
            _run_step(step, cfg, args.force)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        known = _known_errors()
        if not isinstance(exc, known):
            raise
        print(f"error: {_one_line(exc, cfg)}", file=sys.stderr)
        return 1
    print(f"\nartifacts in {Path(cfg.out)}")
    return 0


def _known_errors() -> tuple[type[BaseException], ...]:
    from training.create import CreateError, NoServer
    from training.data import DataError
    from training.errors import ConversionError  # (not from to_gguf: it imports numpy)
    from training.mlxlm import MlxError

    return (StepError, ConfigError, CreateError, NoServer, MlxError, ConversionError, DataError)


def _one_line(exc: BaseException, cfg: Config) -> str:
    from training.create import NoServer

    text = " ".join(str(exc).split())
    if isinstance(exc, NoServer):
        text += (f"; start one with `ollama serve` (or point --host / OLLAMA_HOST at one), then run "
                 f"`python -m training create --config {cfg.path}`; the Modelfile is {cfg.modelfile_path}")
    return text
