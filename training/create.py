"""`ollama create NAME -f Modelfile`: through the `ollama` CLI when it is on PATH, else the official Python client."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from training.config import Config
from training.modelfile import PARAMETER_TYPES, from_target

DEFAULT_HOST = "http://127.0.0.1:11434"


class NoServer(RuntimeError):
    pass


class CreateError(RuntimeError):
    pass


def ollama_host(cfg: Config) -> str:
    """The server's base URL: config/--host, else $OLLAMA_HOST, else Ollama's default; port 11434 when none given."""
    raw = (cfg.ollama_host or os.environ.get("OLLAMA_HOST") or DEFAULT_HOST).strip()
    if "://" not in raw:
        raw = f"http://{raw}"
    parts = urlsplit(raw)
    host = parts.hostname or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}:{parts.port or 11434}"


def server_version(host: str, timeout: float = 3.0) -> str:
    try:
        response = httpx.get(f"{host}/api/version", timeout=timeout)
        response.raise_for_status()
        return str(response.json().get("version", "unknown"))
    except (httpx.HTTPError, ValueError) as exc:
        reason = type(exc).__name__
        if isinstance(exc, httpx.ConnectError):
            reason = "connection refused"
        elif isinstance(exc, httpx.TimeoutException):
            reason = "timed out"
        elif isinstance(exc, httpx.HTTPStatusError):
            reason = f"HTTP {exc.response.status_code}"
        raise NoServer(f"no Ollama server answers at {host} ({reason})") from None


def _model_files(target: Path) -> list[Path]:
    """The files Ollama's CLI would upload for FROM TARGET (a GGUF, or a safetensors directory)."""
    if target.is_file():
        return [target]
    files = sorted(target.glob("model*.safetensors")) + sorted(target.glob("*.json"))
    for extra in ("chat_template.jinja", "tokenizer.model"):
        if (target / extra).is_file():
            files.append(target / extra)
    return files


def _parameters(cfg: Config, stops: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, value in cfg.parameters.items():
        if name == "stop" or value is None:
            continue
        params[name] = PARAMETER_TYPES[name](value) if PARAMETER_TYPES[name] is not bool else bool(value)
    extra = cfg.parameters.get("stop") or []
    params["stop"] = list(dict.fromkeys([*stops, *([extra] if isinstance(extra, str) else extra)]))
    return params


def create(cfg: Config) -> str:
    """Create the Ollama model; returns the capabilities the server reports for it."""
    host = ollama_host(cfg)
    version = server_version(host)
    modelfile = cfg.modelfile_path
    if not modelfile.is_file():
        raise CreateError(f"no Modelfile at {modelfile}: run `python -m training modelfile --config {cfg.path}`")
    target = from_target(cfg)
    if not target.exists():
        raise CreateError(f"the Modelfile's FROM {target} does not exist: run the steps before `create`")
    print(f"  Ollama {version} at {host}")
    cli = shutil.which("ollama")
    if cli:
        command = [cli, "create", cfg.ollama_name, "-f", str(modelfile)]
        if cfg.ollama_quantize:
            command += ["-q", str(cfg.ollama_quantize)]
        print(f"$ {' '.join(command)}", flush=True)
        result = subprocess.run(command, env={**os.environ, "OLLAMA_HOST": host})
        if result.returncode != 0:
            raise CreateError(f"ollama create exited with status {result.returncode}")
    else:
        _create_with_client(cfg, host, target)
    return _capabilities(cfg, host)


def _create_with_client(cfg: Config, host: str, target: Path) -> None:
    import ollama

    from training.modelfile import system_message
    from training.templates import family

    fam = family(cfg.family)
    client = ollama.Client(host=host, timeout=None)
    files: dict[str, str] = {}
    for path in _model_files(target):
        print(f"  uploading {path.name} ({path.stat().st_size / 1e6:.1f} MB)", flush=True)
        files[path.name] = client.create_blob(path)
    print(f"  ollama.Client.create(model={cfg.ollama_name!r}, files=[{', '.join(files)}], template, system, "
          f"parameters{', quantize=' + repr(cfg.ollama_quantize) if cfg.ollama_quantize else ''})", flush=True)
    try:
        for progress in client.create(model=cfg.ollama_name, files=files, template=fam.go_template,
                                      system=system_message(), parameters=_parameters(cfg, fam.stops),
                                      quantize=cfg.ollama_quantize, stream=True):
            if progress.status:
                print(f"  {progress.status}", flush=True)
    except ollama.ResponseError as exc:
        raise CreateError(f"Ollama refused the model: {exc.error}") from None


def _capabilities(cfg: Config, host: str) -> str:
    try:
        response = httpx.post(f"{host}/api/show", json={"model": cfg.ollama_name}, timeout=30)
        response.raise_for_status()
        capabilities = response.json().get("capabilities") or []
    except (httpx.HTTPError, ValueError) as exc:
        return f"unknown ({type(exc).__name__})"
    if "tools" not in capabilities:
        raise CreateError(f"Ollama created {cfg.ollama_name} but lists capabilities {capabilities}, without `tools`")
    return ", ".join(capabilities)
