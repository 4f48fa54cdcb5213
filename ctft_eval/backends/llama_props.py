"""Which weights an OpenAI-compatible server serves, where it says: llama.cpp's server answers
GET /props (at the server's root, not under /v1) with the `model_path` it loaded. Where that file
is on this machine, its path, size and modification time identify the weights (the reply cache's
key); a path elsewhere, or a server without /props (vLLM, LM Studio …), identifies nothing."""

from __future__ import annotations

import http.client
import json
import os
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LIMIT = 1_000_000
"""A /props answer larger than this is not read."""


def weights(base_url: str, api_key: str | None, timeout: float = 5.0) -> dict[str, Any] | None:
    """{server, model_path, size, mtime_ns} of a local file the server serves; {server, model_path}
    when the file is not here (not enough to identify it); None when the server says nothing."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    request = urllib.request.Request(f"{parts.scheme}://{parts.netloc}/props",
                                     headers={"Authorization": f"Bearer {api_key}"} if api_key else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - the user's own server
            raw = answer.read(LIMIT + 1)
    except (OSError, ValueError, http.client.HTTPException):
        return None
    if len(raw) > LIMIT:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    path = data.get("model_path") if isinstance(data, dict) else None
    if not isinstance(path, str) or not path or "\x00" in path:
        return None
    found: dict[str, Any] = {"server": "llama.cpp", "model_path": path}
    try:
        status = Path(path).stat()
    except (OSError, ValueError):
        return found
    if not os.path.isfile(path):
        return found
    found.update(size=status.st_size, mtime_ns=status.st_mtime_ns)
    return found
