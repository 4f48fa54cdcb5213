"""The pipeline's YAML config (training/*.yaml) and the paths every step reads and writes.

Relative paths in a config are taken from the current directory (run from the repository root).
Everything a run writes goes under `out`:

    out/base/                      prepare: the base model as a Hugging Face safetensors directory
    out/data/                      lora: the examples trained on (one per assistant turn; `data_limit` shortest),
                                   both channels of the dataset's split (datasets/continue: native examples
                                   with `tools`, continue-channel ones without)
    out/adapters/                  lora: adapters.safetensors, adapter_config.json, lora.yaml, losses.json
    out/fused/                     fuse: adapters merged into the base, safetensors
    out/<gguf.file>                gguf: the fused model as one GGUF file
    out/Modelfile.<ollama name>    modelfile: what `ollama create` reads
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from training.templates import FAMILIES


class ConfigError(ValueError):
    pass


# mlx_lm.lora options this pipeline passes as command-line flags; every other key of `lora:` goes into
# the YAML given to `-c` (lora_parameters can only be set there).
LORA_FLAGS = {
    "iters": "--iters",
    "batch_size": "--batch-size",
    "learning_rate": "--learning-rate",
    "num_layers": "--num-layers",
    "max_seq_length": "--max-seq-length",
    "steps_per_report": "--steps-per-report",
    "steps_per_eval": "--steps-per-eval",
    "val_batches": "--val-batches",
    "save_every": "--save-every",
    "seed": "--seed",
    "fine_tune_type": "--fine-tune-type",
    "optimizer": "--optimizer",
    "grad_accumulation_steps": "--grad-accumulation-steps",
}
LORA_SWITCHES = {"mask_prompt": "--mask-prompt", "grad_checkpoint": "--grad-checkpoint"}
LORA_DEFAULTS: dict[str, Any] = {
    "iters": 1000,
    "batch_size": 4,
    "learning_rate": 1e-5,
    "num_layers": 16,
    "mask_prompt": True,
    "lora_parameters": {"rank": 8, "scale": 20.0, "dropout": 0.0},
}
GGUF_TYPES = ("f32", "f16", "q8_0")
TRAINERS = ("mlx", "torch")
QUANTIZE_TYPES = ("q4_K_M", "q5_K_M", "q6_K", "q8_0")
"""Types the `quantize` step makes from the f16/f32 GGUF (llama.cpp's own quantizer)."""
DEFAULT_PARAMETERS: dict[str, Any] = {"num_ctx": 8192, "temperature": 0, "top_p": 0.9, "repeat_penalty": 1.1}


@dataclass
class Config:
    path: Path
    name: str
    family: str
    model: str
    """Hugging Face id or local directory of the base model that mlx-lm trains."""
    data: Path
    out: Path
    base_gguf: str | None = None
    """prepare: a GGUF (a ctft_eval default model's name, or a path) to turn into `model`."""
    base_dtype: str = "float32"
    offline: bool = True
    split_turns: bool = True
    """One training example per assistant turn: mlx-lm's --mask-prompt puts the loss on the last message
    only, so without this a conversation teaches its final answer and none of its tool calls."""
    data_limit: int | dict[str, int] | None = None
    """Train on only the N shortest examples of each split (or {train: N, valid: M}): for smoke runs."""
    lora: dict[str, Any] = field(default_factory=dict)
    trainer: str = "mlx"
    """mlx: mlx_lm.lora + mlx_lm.fuse; torch: PyTorch + PEFT (training/torch_lora.py) + a PEFT merge."""
    torch: dict[str, Any] = field(default_factory=dict)
    """The PyTorch trainer's hyperparameters (training.torch_lora.Hyper)."""
    sweep: list[dict[str, Any]] = field(default_factory=list)
    """Variants of `torch` tried by `python -m training.gpu remote`; the lowest validation loss wins."""
    gguf_quantize: str | None = None
    fuse_dequantize: bool = False
    gguf_file: str = "model.gguf"
    gguf_type: str = "f16"
    gguf_pre: str | None = None
    gguf_verify: bool = True
    modelfile_from: str = "gguf"
    parameters: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PARAMETERS))
    ollama_name: str = "continue-assistant"
    ollama_quantize: str | None = None
    ollama_host: str | None = None

    # ---- where things go ----
    @property
    def base_dir(self) -> Path:
        return self.out / "base"

    @property
    def model_ref(self) -> str:
        """What mlx-lm loads: the prepared directory when prepare is configured, else `model`."""
        return str(self.base_dir) if self.base_gguf else self.model

    @property
    def train_data_dir(self) -> Path:
        return self.out / "data" if (self.data_limit or self.split_turns) else self.data

    @property
    def adapter_dir(self) -> Path:
        return self.out / "adapters"

    @property
    def fused_dir(self) -> Path:
        return self.out / "fused"

    @property
    def gguf_path(self) -> Path:
        return self.out / self.gguf_file

    @property
    def quantized_path(self) -> Path:
        return self.gguf_path.with_name(f"{self.ollama_name}-{self.gguf_quantize}.gguf")

    @property
    def final_gguf(self) -> Path:
        """The GGUF the Modelfile and the evaluation use: the quantized one when `gguf.quantize` is set."""
        return self.quantized_path if self.gguf_quantize else self.gguf_path

    @property
    def modelfile_path(self) -> Path:
        return self.out / f"Modelfile.{self.ollama_name}"

    @property
    def lora_options(self) -> dict[str, Any]:
        merged = copy.deepcopy(LORA_DEFAULTS)
        merged.update(copy.deepcopy(self.lora))
        return merged


def _section(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"`{key}` must be a mapping")
    return value


def load_config(path: str | Path, *, data: str | None = None, out: str | None = None,
                iters: int | None = None, host: str | None = None) -> Config:
    """Read a pipeline config; the keyword arguments override the file (command-line options)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"no config file at {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a mapping")
    known = {"name", "family", "model", "base", "data", "data_limit", "split_turns", "out", "offline", "lora",
             "trainer", "torch", "sweep", "fuse", "gguf", "modelfile", "ollama"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown keys {', '.join(unknown)} (known: {', '.join(sorted(known))})")

    name = str(raw.get("name") or path.stem)
    family = str(raw.get("family") or "")
    if family not in FAMILIES:
        raise ConfigError(f"{path}: `family` must be one of {', '.join(FAMILIES)}, got {family!r}")
    base = _section(raw, "base")
    model = raw.get("model")
    if not model and not base.get("gguf"):
        raise ConfigError(f"{path}: give `model` (Hugging Face id or directory) or `base.gguf`")

    lora = _section(raw, "lora")
    lora_parameters = lora.get("lora_parameters")
    if lora_parameters is not None:
        missing = {"rank", "scale", "dropout"} - set(lora_parameters)
        if missing:
            # mlx-lm replaces the whole dict, so a partial one silently drops the rest.
            raise ConfigError(f"{path}: lora.lora_parameters needs rank, scale and dropout together "
                              f"(missing {', '.join(sorted(missing))})")
    if iters is not None:
        lora = {**lora, "iters": iters}
    if "learning_rate" in lora:  # YAML reads `1e-5` (no dot) as a string
        try:
            lora = {**lora, "learning_rate": float(lora["learning_rate"])}
        except (TypeError, ValueError):
            raise ConfigError(f"{path}: lora.learning_rate must be a number") from None

    trainer = str(raw.get("trainer", "mlx"))
    if trainer not in TRAINERS:
        raise ConfigError(f"{path}: `trainer` must be one of {', '.join(TRAINERS)}, got {trainer!r}")
    torch_options = _section(raw, "torch")
    sweep = raw.get("sweep") or []
    if not isinstance(sweep, list) or not all(isinstance(v, dict) for v in sweep):
        raise ConfigError(f"{path}: `sweep` must be a list of mappings (each overrides keys of `torch:`)")
    try:
        from training.torch_lora import Hyper

        for variant in [{}, *sweep]:
            Hyper.from_mapping({**torch_options, **variant}, where=f"{path}: torch")
    except (TypeError, ValueError) as exc:
        raise ConfigError(str(exc)) from None

    gguf = _section(raw, "gguf")
    quantize = gguf.get("quantize")
    if quantize is not None and quantize not in QUANTIZE_TYPES:
        raise ConfigError(f"{path}: gguf.quantize must be one of {', '.join(QUANTIZE_TYPES)}")
    gguf_type = str(gguf.get("type", "f16")).lower()
    if gguf_type not in GGUF_TYPES:
        raise ConfigError(f"{path}: gguf.type must be one of {', '.join(GGUF_TYPES)}")
    modelfile = _section(raw, "modelfile")
    modelfile_from = str(modelfile.get("from", "gguf"))
    if modelfile_from not in ("gguf", "fused"):
        raise ConfigError(f"{path}: modelfile.from must be `gguf` (our GGUF) or `fused` (the safetensors "
                          "directory, converted by Ollama)")
    parameters = dict(DEFAULT_PARAMETERS)
    parameters.update(modelfile.get("parameters") or {})
    ollama = _section(raw, "ollama")
    data_limit = raw.get("data_limit")
    limits = data_limit.values() if isinstance(data_limit, dict) else [data_limit]
    if data_limit is not None and not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in limits):
        raise ConfigError(f"{path}: data_limit must be a positive integer, or one per split "
                          "({train: N, valid: N})")

    return Config(
        path=path,
        name=name,
        family=family,
        model=str(model or ""),
        data=Path(data or raw.get("data") or "datasets/continue"),
        out=Path(out or raw.get("out") or f"runs/training/{name}"),
        base_gguf=str(base["gguf"]) if base.get("gguf") else None,
        base_dtype=str(base.get("dtype", "float32")),
        offline=bool(raw.get("offline", True)),
        data_limit=data_limit,
        split_turns=bool(raw.get("split_turns", True)),
        lora=lora,
        trainer=trainer,
        torch=torch_options,
        sweep=sweep,
        gguf_quantize=quantize,
        fuse_dequantize=bool(_section(raw, "fuse").get("dequantize", False)),
        gguf_file=str(gguf.get("file") or f"{ollama.get('name', 'continue-assistant')}-{gguf_type}.gguf"),
        gguf_type=gguf_type,
        gguf_pre=gguf.get("pre"),
        gguf_verify=bool(gguf.get("verify", True)),
        modelfile_from=modelfile_from,
        parameters=parameters,
        ollama_name=str(ollama.get("name", "continue-assistant")),
        ollama_quantize=ollama.get("quantize"),
        ollama_host=host or ollama.get("host"),
    )
