"""Where the run record goes: checked before the first request, and a fallback at the end.

`problem` says, before anything is asked of a model, why --ctft-record PATH could not be written
(a directory, a parent that is a file, a place this process may not create files in), so that the
mistake costs one usage error instead of the whole run. `write` writes the record; when that
still fails at the end (disk full, the folder gone), it writes a copy to the temporary folder and
says where, so that the results are never lost silently. No pytest in here.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ctft_eval import record as run_record


def _nearest_existing(path: Path) -> Path:
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            return parent
    return Path(path.anchor or ".")


def problem(path: Path) -> str | None:
    """Why the record cannot be written to `path`, or None when it can (missing folders are made)."""
    if path.is_dir():
        return "is a directory; name a file, e.g. runs/record.json"
    if path.exists() and not path.is_file():
        return "is not a regular file"
    where = _nearest_existing(path)
    if not where.is_dir():
        return f"cannot be created: {where} is not a directory"
    try:  # creating a file is the only check that also holds for root, read-only mounts and ACLs
        fd, probe = tempfile.mkstemp(prefix=".ctft-probe.", dir=where)
    except OSError as exc:
        return f"cannot be written: no file can be created in {where} ({exc.strerror or exc})"
    os.close(fd)
    os.unlink(probe)
    return None


@dataclass(frozen=True)
class Written:
    path: Path | None
    """Where the record is now: the path asked for, a fallback copy, or None when both failed."""
    error: str | None = None
    """Why the path asked for could not be written (None when it was)."""


def write(path: Path, record: run_record.RunRecord) -> Written:
    try:
        run_record.write_atomic(path, record)
        return Written(path)
    except OSError as exc:
        error = f"cannot write the run record to {path}: {exc.strerror or exc}"
    fd, name = tempfile.mkstemp(prefix="ctft-eval-record.", suffix=".json")
    os.close(fd)
    try:
        run_record.write_atomic(Path(name), record)
    except OSError as exc:
        Path(name).unlink(missing_ok=True)
        return Written(None, f"{error}; a copy could not be written either ({exc.strerror or exc})")
    return Written(Path(name), error)
