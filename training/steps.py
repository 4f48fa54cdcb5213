"""The pipeline's steps, what each reads and writes, and when a step's outputs are up to date.

A step is up to date when its stamp (out/.stamps/STEP.json, written after it succeeded) records the same
settings as now, every output exists, and no input changed after the stamp was written.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from training.config import LORA_FLAGS, LORA_SWITCHES, Config, ConfigError
from training.data import SPLITS, training_data


class StepError(RuntimeError):
    pass


# ---- files and stamps ------------------------------------------------------------------------------


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return [p for p in path.rglob("*") if p.is_file() and ".stamps" not in p.parts]
    return []


def newest_mtime(paths: list[Path]) -> float:
    return max((p.stat().st_mtime for path in paths for p in _files(path)), default=0.0)


def human_size(path: Path) -> str:
    size = sum(p.stat().st_size for p in _files(path))
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def stamp_path(cfg: Config, step: str) -> Path:
    return cfg.out / ".stamps" / f"{step}.json"


@dataclass
class Step:
    name: str
    title: str
    run: Callable[[Config], list[Path]]
    inputs: Callable[[Config], list[Path]]
    outputs: Callable[[Config], list[Path]]
    settings: Callable[[Config], dict[str, Any]]
    applies: Callable[[Config], bool] = field(default=lambda cfg: True)

    def up_to_date(self, cfg: Config) -> tuple[bool, str]:
        stamp = stamp_path(cfg, self.name)
        if not stamp.is_file():
            return False, "never ran"
        try:
            recorded = json.loads(stamp.read_text(encoding="utf-8"))
        except ValueError:
            return False, "unreadable stamp"
        if recorded.get("settings") != _digest(self.settings(cfg)):
            return False, "settings changed"
        missing = [p for p in self.outputs(cfg) if not p.exists()]
        if missing:
            return False, f"{missing[0]} is missing"
        if newest_mtime(self.inputs(cfg)) > stamp.stat().st_mtime:
            return False, "inputs changed"
        return True, "outputs newer than inputs, settings unchanged"

    def mark_done(self, cfg: Config, seconds: float) -> None:
        stamp = stamp_path(cfg, self.name)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps({"settings": _digest(self.settings(cfg)), "seconds": round(seconds, 1),
                                     "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}) + "\n", encoding="utf-8")


# ---- prepare: a GGUF base model -> Hugging Face safetensors -------------------------------------------


def _source_gguf(cfg: Config) -> Path:
    from ctft_eval.models import ModelUnavailable, model_path

    try:
        return model_path(str(cfg.base_gguf))
    except ModelUnavailable as exc:
        raise StepError(str(exc)) from None


def run_prepare(cfg: Config) -> list[Path]:
    from training.templates import family

    source = _source_gguf(cfg)
    if not sys.stdout.isatty():
        os.environ.setdefault("TQDM_DISABLE", "1")  # no progress bars in logs
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise StepError(f"prepare needs transformers, torch, gguf and accelerate ({exc.name} is missing): "
                        "pip install -e '.[train]'") from None
    dtype = getattr(torch, cfg.base_dtype, None)
    if not isinstance(dtype, torch.dtype):
        raise ConfigError(f"base.dtype {cfg.base_dtype!r} is not a torch dtype (float32, bfloat16, float16)")
    print(f"  dequantizing {source} ({human_size(source)}) with transformers' GGUF loader")
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    try:  # newer transformers take the dequantization as a quantization config; older ones always dequantize
        from transformers import GgufConfig

        extra = {"quantization_config": GgufConfig(gguf_file=source.name, dequantize=True)}
    except ImportError:
        extra = {}
    model = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, dtype=dtype, **extra)
    template = family(cfg.family).jinja_template
    if template:
        print(f"  chat template: the tools-aware `{cfg.family}` template (training/templates.py)")
        tokenizer.chat_template = template
    staging = cfg.base_dir.with_name(cfg.base_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    shutil.rmtree(cfg.base_dir, ignore_errors=True)
    os.replace(staging, cfg.base_dir)
    return [cfg.base_dir]


def _prepare_settings(cfg: Config) -> dict[str, Any]:
    from training.templates import family

    return {"gguf": cfg.base_gguf, "dtype": cfg.base_dtype, "template": family(cfg.family).jinja_template}


# ---- lora --------------------------------------------------------------------------------------------------

def lora_command(cfg: Config, data_dir: Path, lora_yaml: Path) -> tuple[list[str], dict[str, Any]]:
    """The mlx_lm.lora arguments, and the options that go into the YAML given to `-c`."""
    options = cfg.lora_options
    args = ["--model", cfg.model_ref, "--train", "--data", str(data_dir), "--adapter-path", str(cfg.adapter_dir)]
    for key, flag in LORA_FLAGS.items():
        if key in options:
            args += [flag, str(options[key])]
    for key, flag in LORA_SWITCHES.items():
        if options.get(key):
            args.append(flag)
    args += ["-c", str(lora_yaml)]
    yaml_options = {k: v for k, v in options.items() if k not in LORA_FLAGS and k not in LORA_SWITCHES}
    return args, yaml_options


def run_lora(cfg: Config) -> list[Path]:
    if cfg.trainer == "torch":
        return _torch("run_lora")(cfg)
    from training.mlxlm import Losses, require_mlx, run_tool

    require_mlx()
    data_dir = training_data(cfg)
    adapters = cfg.adapter_dir
    adapters.mkdir(parents=True, exist_ok=True)
    for old in adapters.glob("*adapters.safetensors"):
        old.unlink()
    lora_yaml = adapters / "lora.yaml"
    args, yaml_options = lora_command(cfg, data_dir, lora_yaml)
    lora_yaml.write_text("# written by `python -m training lora`: the options mlx_lm.lora takes only from YAML\n"
                         + yaml.safe_dump(yaml_options, sort_keys=False), encoding="utf-8")
    losses = Losses()
    run_tool("lora", args, offline=cfg.offline, losses=losses, preload_blas=True)
    record = adapters / "losses.json"
    record.write_text(json.dumps({"train": losses.train, "val": losses.val}, indent=1) + "\n", encoding="utf-8")
    if losses.train:
        shown = ", ".join(f"{r['iter']}: {r['loss']:.3f}" for r in losses.train)
        print(f"  train loss by iteration: {shown}")
    if losses.val:
        shown = ", ".join(f"{r['iter']}: {r['loss']:.3f}" for r in losses.val)
        print(f"  validation loss by iteration: {shown}")
    return [adapters / "adapters.safetensors", adapters / "adapter_config.json", lora_yaml, record]


def _model_inputs(cfg: Config) -> list[Path]:
    local = Path(cfg.model_ref)
    return [local] if local.exists() else []


def _data_inputs(cfg: Config) -> list[Path]:
    return [cfg.data / f"{split}.jsonl" for split in SPLITS if (cfg.data / f"{split}.jsonl").is_file()]


# ---- fuse ---------------------------------------------------------------------------------------------------


def run_fuse(cfg: Config) -> list[Path]:
    from training.mlxlm import run_tool

    if not (cfg.adapter_dir / "adapters.safetensors").is_file():
        raise StepError(f"no adapters in {cfg.adapter_dir}: run `python -m training lora --config {cfg.path}` first")
    shutil.rmtree(cfg.fused_dir, ignore_errors=True)
    args = ["--model", cfg.model_ref, "--adapter-path", str(cfg.adapter_dir), "--save-path", str(cfg.fused_dir)]
    if cfg.fuse_dequantize:
        args.append("--dequantize")
    run_tool("fuse", args, offline=cfg.offline)
    return [cfg.fused_dir]


# ---- gguf (+ verify) ------------------------------------------------------------------------------------------


def run_gguf(cfg: Config) -> list[Path]:
    from training.to_gguf import ConversionError, convert

    if not (cfg.fused_dir / "config.json").is_file():
        raise StepError(f"no fused model in {cfg.fused_dir}: run `python -m training fuse --config {cfg.path}` first")
    partial = cfg.gguf_path.with_name(cfg.gguf_path.name + ".partial")
    try:
        summary = convert(cfg.fused_dir, partial, out_type=cfg.gguf_type, pre=cfg.gguf_pre, name=cfg.ollama_name)
    except ConversionError as exc:
        partial.unlink(missing_ok=True)
        raise StepError(str(exc)) from None
    os.replace(partial, cfg.gguf_path)
    print(f"  GGUF: architecture {summary.architecture}, {summary.tensors} tensors ({summary.file_type}; norms F32), "
          f"tokenizer gpt2 BPE with pre `{summary.pre}` and {summary.vocab} tokens, "
          f"chat template {'embedded' if summary.chat_template else 'MISSING'}")
    if cfg.gguf_verify:
        run_verify(cfg)
    return [cfg.gguf_path]


def run_verify(cfg: Config) -> list[Path]:
    from training.verify import VerifyError, verify

    if not cfg.gguf_path.is_file():
        raise StepError(f"no GGUF at {cfg.gguf_path}: run `python -m training gguf --config {cfg.path}` first")
    try:
        result = verify(cfg.gguf_path, cfg.fused_dir)
    except VerifyError as exc:
        raise StepError(str(exc)) from None
    print(f"  llama.cpp: loaded; tokenization equals Hugging Face's on {result.texts_compared} texts")
    print(f"  llama.cpp chat ({result.prompt_tokens} prompt tokens, {result.seconds:.1f} s): "
          f"text {result.reply_text.strip()[:200]!r}, tool calls {result.tool_calls or 'none'}")
    return []


# ---- modelfile, create ----------------------------------------------------------------------------------------


def run_modelfile(cfg: Config) -> list[Path]:
    from training.modelfile import write

    return [write(cfg)]


def _modelfile_settings(cfg: Config) -> dict[str, Any]:
    from training.modelfile import render

    return {"text": render(cfg)}


def run_create(cfg: Config) -> list[Path]:
    from training.create import create

    capabilities = create(cfg)
    print(f"  Ollama model {cfg.ollama_name}: capabilities {capabilities}")
    return []


def _lora_inputs(cfg: Config) -> list[Path]:
    """What the adapter depends on. A torch adapter from a GPU machine was trained on that machine's own
    dequantization of the base GGUF, so it depends on the GGUF, not on the `prepare` output here."""
    if cfg.trainer == "torch" and cfg.base_gguf:
        return [_source_gguf(cfg)] + _data_inputs(cfg)
    return _model_inputs(cfg) + _data_inputs(cfg)


def _lora_outputs(cfg: Config) -> list[Path]:
    if cfg.trainer == "torch":
        return [cfg.adapter_dir / "adapter_model.safetensors", cfg.adapter_dir / "adapter_config.json"]
    return [cfg.adapter_dir / "adapters.safetensors", cfg.adapter_dir / "adapter_config.json"]


def _torch(name: str) -> Callable[[Config], list[Path]]:
    def run(cfg: Config) -> list[Path]:
        from training import torch_steps

        try:
            return getattr(torch_steps, name)(cfg)
        except torch_steps.TorchStepError as exc:
            raise StepError(str(exc)) from None
    return run


STEPS: dict[str, Step] = {
    "prepare": Step(
        "prepare", "base GGUF -> Hugging Face safetensors (transformers, dequantized)", run_prepare,
        inputs=lambda cfg: [_source_gguf(cfg)], outputs=lambda cfg: [cfg.base_dir / "config.json"],
        settings=_prepare_settings, applies=lambda cfg: bool(cfg.base_gguf)),
    "lora": Step(
        "lora", "LoRA fine-tuning (mlx_lm.lora; trainer: torch, PyTorch + PEFT)", run_lora,
        inputs=_lora_inputs,
        outputs=_lora_outputs,
        settings=lambda cfg: {"model": cfg.model_ref, "data": str(cfg.data), "limit": cfg.data_limit,
                              "split_turns": cfg.split_turns, "trainer": cfg.trainer,
                              "lora": cfg.torch if cfg.trainer == "torch" else cfg.lora_options}),
    "fuse": Step(
        "fuse", "adapters fused into the base with mlx_lm.fuse (safetensors)", run_fuse,
        inputs=lambda cfg: _model_inputs(cfg) + [cfg.adapter_dir / "adapters.safetensors"],
        outputs=lambda cfg: [cfg.fused_dir / "config.json"],
        settings=lambda cfg: {"model": cfg.model_ref, "dequantize": cfg.fuse_dequantize},
        applies=lambda cfg: cfg.trainer == "mlx"),
    "merge": Step(
        "merge", "the PEFT adapter merged into the base on CPU (safetensors)", _torch("run_merge"),
        inputs=lambda cfg: _model_inputs(cfg) + [cfg.adapter_dir / "adapter_model.safetensors"],
        outputs=lambda cfg: [cfg.fused_dir / "config.json"],
        settings=lambda cfg: {"model": cfg.model_ref}, applies=lambda cfg: cfg.trainer == "torch"),
    "gguf": Step(
        "gguf", "fused model -> GGUF (gguf.GGUFWriter), checked in llama.cpp", run_gguf,
        inputs=lambda cfg: [cfg.fused_dir], outputs=lambda cfg: [cfg.gguf_path],
        settings=lambda cfg: {"type": cfg.gguf_type, "pre": cfg.gguf_pre, "verify": cfg.gguf_verify}),
    "quantize": Step(
        "quantize", "the GGUF quantized with llama.cpp's quantizer (gguf.quantize)", _torch("run_quantize"),
        inputs=lambda cfg: [cfg.gguf_path], outputs=lambda cfg: [cfg.quantized_path],
        settings=lambda cfg: {"type": cfg.gguf_quantize}, applies=lambda cfg: bool(cfg.gguf_quantize)),
    "modelfile": Step(
        "modelfile", "render the Modelfile (training/Modelfile.template)", run_modelfile,
        inputs=lambda cfg: [], outputs=lambda cfg: [cfg.modelfile_path], settings=_modelfile_settings),
    "create": Step(
        "create", "ollama create", run_create,
        inputs=lambda cfg: [], outputs=lambda cfg: [], settings=lambda cfg: {}),
}
CHAIN = ("prepare", "lora", "fuse", "merge", "gguf", "quantize", "modelfile", "create")
EXTRA = {"verify": ("verify", "load the GGUF in llama.cpp and chat", run_verify)}
