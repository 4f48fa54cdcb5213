"""Where the run record goes: checked before the first request, and a fallback at the end.

`problem` says, before anything is asked of a model, why --ctft-record PATH could not be written
(a directory, a parent that is a file, a place this process may not create files in, a symbolic
link), so that the mistake costs one usage error instead of the whole run; rescore's --out and
compare's --html are checked the same way. A link at the path itself is refused, dangling, looping
or not: following it wrote the record wherever it pointed, creating the folders on the way, and a
loop crashed the run. `absolute` makes the path absolute without following that link. `write`
writes the record; when that still fails at the end (disk full, the folder gone), it writes a copy
to the temporary folder and says where, so that the results are never lost silently. No pytest in
here.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ctft_eval import record as run_record
from ctft_eval.reading import kind


def _nearest_existing(path: Path) -> Path:
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            return parent
    return Path(path.anchor or ".")


def absolute(raw: str | Path) -> Path:
    """`raw` made absolute, its folders resolved but not its last part, so that `problem` sees a
    link there. Never raises (Path.resolve raises on a loop; `problem` then names it)."""
    try:
        path = Path(raw).expanduser().absolute()
        return path.parent.resolve() / path.name
    except (OSError, RuntimeError):
        return Path(raw).absolute()


def problem(path: Path, example: str = "runs/record.json") -> str | None:
    """Why a file cannot be written to `path`, or None when it can (missing folders are made).
    `example` is a file name to suggest when `path` is a directory."""
    try:
        return _problem(path, example)
    except (OSError, ValueError) as exc:  # a loop in a folder, a name too long, a NUL byte
        return f"cannot be used: {getattr(exc, 'strerror', None) or exc}"


def _problem(path: Path, example: str) -> str | None:
    try:
        mode: int | None = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    if mode is not None and stat.S_ISLNK(mode):
        return (f"is a symbolic link to {os.readlink(path)}: name the file itself (ctft-eval does not "
                "write through a link)")
    if mode is not None and stat.S_ISDIR(mode):
        return f"is a directory; name a file, e.g. {example}"
    if mode is not None and not stat.S_ISREG(mode):
        return f"is {kind(mode)}, not a regular file"
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


def _why(exc: Exception) -> str:
    return (exc.strerror or str(exc)) if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"


def write(path: Path, record: run_record.RunRecord) -> Written:
    """Never raises: any failure to write (the disk, or a value JSON cannot hold, which would be a
    bug of ours) is said in `Written.error`, and a copy is tried in the temporary folder."""
    try:
        run_record.write_atomic(path, record)
        return Written(path)
    except Exception as exc:  # (the run's results must not be lost to a traceback)
        error = f"cannot write the run record to {path}: {_why(exc)}"
    try:
        fd, name = tempfile.mkstemp(prefix="ctft-eval-record.", suffix=".json")
        os.close(fd)
    except OSError as exc:
        return Written(None, f"{error}; a copy could not be written either ({_why(exc)})")
    try:
        run_record.write_atomic(Path(name), record)
    except Exception as exc:
        Path(name).unlink(missing_ok=True)
        return Written(None, f"{error}; a copy could not be written either ({_why(exc)})")
    return Written(Path(name), error)
