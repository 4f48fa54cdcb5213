"""A path a model wrote, resolved as Continue resolves it, and confined to the workspace copy.

Continue (core/util/pathResolver.ts) accepts a workspace-relative path, an absolute path, `~/…`
and a `file://` URI, and reads backslashes as slashes. Here every one of them must land inside the
workspace copy: `..` that climbs out, an absolute path elsewhere, `~` (the user's home is never the
workspace), a `file://` URI elsewhere and a symbolic link that points out are refused with the
named failure `outside_workspace`. Nothing here touches a file outside the copy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

OUTSIDE = "outside_workspace"
UNUSABLE = "not_found"
"""A path no file can have (too long, a NUL): Continue finds nothing there."""


@dataclass(frozen=True)
class Resolved:
    path: Path | None
    """The file or folder inside the workspace copy (None when refused)."""
    relative: str | None
    """Its workspace-relative form, forward slashes ("" for the root)."""
    refusal: str | None = None
    """Why it is refused."""
    failure: str | None = None
    """The named failure of a refusal: OUTSIDE, or UNUSABLE."""


def _inside(root: Path, candidate: Path) -> bool:
    return candidate == root or root in candidate.parents


def _out(why: str) -> Resolved:
    return Resolved(None, None, why, OUTSIDE)


def resolve(root: Path, raw: str) -> Resolved:
    """`raw` as a path inside `root` (the workspace copy, itself fully resolved), or a refusal."""
    text = raw.strip().replace("\\", "/")
    if text.lower().startswith("file://"):
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            return _out(f"{raw!r} names a file on another host")
        text = unquote(parts.path)
    if text == "~" or text.startswith("~/"):
        return _out(f"{raw!r} is in the home folder, outside the workspace")
    if "\x00" in text:
        return Resolved(None, None, f"{raw!r} holds a NUL character", UNUSABLE)
    posix = PurePosixPath(text)
    if posix.is_absolute():
        candidate = Path(os.path.normpath(text))
        if not _inside(root, candidate):
            return _out(f"{raw!r} is an absolute path outside the workspace")
    else:
        candidate = Path(os.path.normpath(root / text))
        if not _inside(root, candidate):
            return _out(f"{raw!r} climbs out of the workspace")
    try:
        real = candidate.resolve()  # a link that points out is refused, whatever its name
        real.exists()
    except (OSError, RuntimeError) as exc:  # a link loop, a name too long
        return Resolved(None, None, f"{raw[:80]!r} cannot be a path here ({getattr(exc, 'strerror', None) or exc})",
                        UNUSABLE)
    if not _inside(root, real):
        return _out(f"{raw!r} leads outside the workspace through a symbolic link")
    relative = "" if real == root else real.relative_to(root).as_posix()
    return Resolved(real, relative)
