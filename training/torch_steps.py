"""The pipeline's steps for `trainer: torch`: LoRA with PyTorch + PEFT, the PEFT merge, and quantizing.

    lora      training/torch_lora.py on this machine (a GPU if it has one; the GPU machine's round trip
              is `python -m training.gpu`, whose `unpack` puts its adapter where this step writes one)
    merge     the adapter merged into the dequantized base with PEFT on CPU -> safetensors directory
    quantize  the f16 GGUF -> Q4_K_M (or another llama.cpp type) with llama.cpp's own quantizer, so the
              tuned model and its Q4_K_M base differ only in their weights
"""

from __future__ import annotations

import ctypes
import json
import shutil
import time
from pathlib import Path
from typing import Any

from training.config import Config


class TorchStepError(RuntimeError):
    pass


def hyper(cfg: Config, variant: dict[str, Any] | None = None) -> Any:
    from training.torch_lora import Hyper

    return Hyper.from_mapping({**cfg.torch, **(variant or {})}, where=f"{cfg.path}: torch")


def _require(*modules: str) -> None:
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise TorchStepError(f"{', '.join(missing)} not installed: pip install -e '.[train]'")


def run_lora(cfg: Config) -> list[Path]:
    from training.data import training_data
    from training.torch_lora import train

    _require("torch", "transformers", "peft")
    data = training_data(cfg)
    out = cfg.adapter_dir
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    try:
        train(Path(cfg.model_ref), data, out, hyper(cfg))
    except ValueError as exc:
        raise TorchStepError(str(exc)) from None
    return adapter_files(out)


def adapter_files(directory: Path) -> list[Path]:
    return [directory / "adapter_model.safetensors", directory / "adapter_config.json"]


def run_merge(cfg: Config) -> list[Path]:
    _require("torch", "transformers", "peft")
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    adapter = cfg.adapter_dir
    if not (adapter / "adapter_config.json").is_file():
        raise TorchStepError(f"no PEFT adapter in {adapter}: run `python -m training lora --config {cfg.path}` "
                             "or bring one back from the GPU machine (`python -m training.gpu unpack`)")
    base = Path(cfg.model_ref)
    started = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
    merged = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    staging = cfg.fused_dir.with_name(cfg.fused_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    merged.save_pretrained(staging, safe_serialization=True)
    AutoTokenizer.from_pretrained(base).save_pretrained(staging)
    for extra in ("chat_template.jinja",):
        if (base / extra).is_file() and not (staging / extra).is_file():
            shutil.copy2(base / extra, staging / extra)
    shutil.rmtree(cfg.fused_dir, ignore_errors=True)
    staging.rename(cfg.fused_dir)
    settings = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
    print(f"  merged LoRA rank {settings.get('r')} (alpha {settings.get('lora_alpha')}) into {base} "
          f"in {time.perf_counter() - started:.0f} s")
    return [cfg.fused_dir]


def run_quantize(cfg: Config) -> list[Path]:
    _require("llama_cpp")
    import llama_cpp

    if not cfg.gguf_path.is_file():
        raise TorchStepError(f"no GGUF at {cfg.gguf_path}: run `python -m training gguf --config {cfg.path}` first")
    kind = cfg.gguf_quantize or "q4_K_M"
    ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{kind.upper()}", None)
    if ftype is None:
        raise TorchStepError(f"this llama-cpp-python has no quantization type {kind}")
    target = cfg.quantized_path
    partial = target.with_name(target.name + ".partial")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    code = llama_cpp.llama_model_quantize(str(cfg.gguf_path).encode(), str(partial).encode(), ctypes.byref(params))
    if code != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise TorchStepError(f"llama.cpp could not quantize {cfg.gguf_path} to {kind} (status {code})")
    partial.replace(target)
    print(f"  {cfg.gguf_path.name} -> {target.name} ({kind}, llama.cpp {llama_cpp.__version__})")
    return [target]
