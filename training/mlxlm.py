"""Running mlx-lm's own command-line tools (`mlx_lm.lora`, `mlx_lm.fuse`) and reading their progress."""

from __future__ import annotations

import ctypes
import os
import platform
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# mlx-lm 0.32's progress lines ("   12    1.234 ▼    345    6.7k", "   12    val 1.234    3.21s") and the
# older "Iter 12: Train loss 1.234, ..." / "Iter 12: Val loss 1.234, ..." lines.
_TRAIN = re.compile(r"^\s*(\d+)\s+(\d+\.\d+|nan|inf)\s+[▼▲]\s+([\d,.]+)\s+([\d.]+)k\s*$")
_VAL = re.compile(r"^\s*(\d+)\s+val\s+(\d+\.\d+|nan|inf)\s+([\d.]+)s\s*$")
_OLD_TRAIN = re.compile(r"Iter (\d+): Train loss (\d+\.\d+|nan|inf)")
_OLD_VAL = re.compile(r"Iter (\d+): Val loss (\d+\.\d+|nan|inf)")

# Debian/Ubuntu/Fedora places of an optimized BLAS that exports cblas_sgemm.
_BLAS_CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
    "/usr/lib64/libopenblas.so.0",
    "/usr/lib/libopenblas.so.0",
)


class MlxError(RuntimeError):
    pass


@dataclass
class Losses:
    train: list[dict] = field(default_factory=list)
    val: list[dict] = field(default_factory=list)

    def feed(self, line: str) -> None:
        if m := _TRAIN.match(line):
            self.train.append({"iter": int(m[1]), "loss": float(m[2]), "tokens_per_s": float(m[3].replace(",", "")),
                               "trained_tokens": round(float(m[4]) * 1000)})
        elif m := _VAL.match(line):
            self.val.append({"iter": int(m[1]), "loss": float(m[2]), "seconds": float(m[3])})
        elif m := _OLD_TRAIN.search(line):
            self.train.append({"iter": int(m[1]), "loss": float(m[2])})
        elif m := _OLD_VAL.search(line):
            self.val.append({"iter": int(m[1]), "loss": float(m[2])})


def mlx_available() -> bool:
    try:
        import mlx.core  # noqa: F401
        import mlx_lm  # noqa: F401
    except ImportError:
        return False
    return True


def require_mlx() -> None:
    if not mlx_available():
        hint = ('pip install "mlx-lm"' if platform.system() == "Darwin" else
                'pip install "mlx-lm[cpu,train]" (or mlx-lm[cuda12] / mlx-lm[cuda13] on NVIDIA)')
        raise MlxError(f"mlx-lm is not installed in this Python ({sys.executable}): {hint}, "
                       "or pip install -e '.[train]'")


def _exports_sgemm(path: str) -> bool:
    try:
        return hasattr(ctypes.CDLL(path), "cblas_sgemm")
    except OSError:
        return False


def fast_blas() -> str | None:
    """An optimized BLAS to preload into mlx on Linux CPU, or None.

    mlx-cpu's wheel bundles netlib's reference BLAS: about 5 GFLOP/s on one core here, against about 60 for
    OpenBLAS. mlx calls cblas_sgemm through the dynamic linker, so preloading OpenBLAS (Debian:
    `apt-get install libopenblas0-pthread`) makes float32 LoRA about ten times faster (SmolLM2-135M, one
    1,500-token forward pass on 2 cores: 255 s without, 24 s with). CTFT_TRAIN_BLAS=none turns this off;
    CTFT_TRAIN_BLAS=/path/to/libblas.so picks another library.
    """
    if platform.system() != "Linux":
        return None
    choice = os.environ.get("CTFT_TRAIN_BLAS", "")
    if choice.lower() == "none":
        return None
    if not is_mlx_cpu():
        return None  # macOS uses Accelerate/Metal, CUDA builds cuBLAS
    candidates = [choice] if choice else list(_BLAS_CANDIDATES)
    for path in candidates:
        if Path(path).exists() and _exports_sgemm(path):
            return path
    return None


def child_env(offline: bool) -> dict[str, str]:
    env = dict(os.environ)
    if offline:
        env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env.setdefault("COLUMNS", "100")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def display_command(tool: str, args: list[str]) -> str:
    return shlex.join([f"mlx_lm.{tool}", *args])


def run_tool(tool: str, args: list[str], *, offline: bool, losses: Losses | None = None,
             preload_blas: bool = False) -> None:
    """Run `python -m mlx_lm TOOL ARGS`, echoing its output line by line as it comes."""
    require_mlx()
    env = child_env(offline)
    if preload_blas:
        blas = fast_blas()
        if blas:
            env["LD_PRELOAD"] = ":".join(p for p in (blas, env.get("LD_PRELOAD", "")) if p)
            print(f"  (mlx-cpu: matrix products through {blas})")
        elif platform.system() == "Linux" and is_mlx_cpu():
            print("  (mlx-cpu uses its bundled reference BLAS, which is slow; `apt-get install "
                  "libopenblas0-pthread` makes CPU training about ten times faster)")
    print(f"$ {display_command(tool, args)}", flush=True)
    command = [sys.executable, "-m", "mlx_lm", tool, *args]
    keep_colour = sys.stdout.isatty()
    tail: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
                          encoding="utf-8", errors="replace", bufsize=1) as proc:
        assert proc.stdout is not None
        for raw in proc.stdout:
            plain = _ANSI.sub("", raw.rstrip("\n"))
            print(raw.rstrip("\n") if keep_colour else plain, flush=True)
            tail = (tail + [plain])[-15:]
            if losses is not None:
                losses.feed(plain)
        code = proc.wait()
    if code != 0:
        last = next((line for line in reversed(tail) if line.strip()), "")
        raise MlxError(f"mlx_lm.{tool} exited with status {code}: {last.strip()}")


def is_mlx_cpu() -> bool:
    try:
        metadata.version("mlx-cpu")
        return True
    except metadata.PackageNotFoundError:
        return False
