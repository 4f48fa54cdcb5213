"""Writing a JSON file atomically: a reader sees the old file or the new one, never half of one.

Text is written as UTF-8 (readable, compact), except a lone UTF-16 surrogate, which UTF-8 cannot
hold: a server's JSON may carry one (`"\\ud83d"`, as Node-based servers emit half an emoji), and it
is written as its JSON escape, so the file is valid UTF-8 and reads back to the same string.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(data: Any, default: Callable[[Any], Any] | None = None, **options: Any) -> str:
    """JSON text with non-ASCII kept as is, but every lone surrogate as its `\\uXXXX` escape. A
    surrogate can only stand inside a JSON string, where the escape means the same code point."""
    text = json.dumps(data, ensure_ascii=False, default=default, **options)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def write_json(path: Path | str, data: Any, default: Callable[[Any], Any] | None = None) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(dumps(data, default=default, indent=1))
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; these are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
