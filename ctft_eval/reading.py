"""Opening a file the user named, for reading: regular files only.

A suite or a record named on the command line may be anything a path can name. Opening a FIFO
waits for a writer that never comes (rescore of a record whose suite file is a FIFO blocked
forever), and a device such as /dev/zero never ends. `open_regular` opens without blocking and
checks what it opened (not the path beforehand, so nothing can be swapped in between): anything
but a regular file is an OSError whose message says what it is. No pytest in here.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISLNK, "a symbolic link"))


def kind(mode: int) -> str:
    """What a file of this st_mode is, in words ("a FIFO (named pipe)")."""
    return next((name for test, name in _KINDS if test(mode)), "a special file")


class NotRegular(OSError):
    """The path names something other than a regular file."""

    def __init__(self, path: Path | str, mode: int):
        super().__init__(errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL,
                         f"is {kind(mode)}, not a regular file", str(path))


def open_regular(path: Path | str) -> BinaryIO:
    """`path` opened for reading in binary; NotRegular (an OSError) when it is not a regular file."""
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_RDONLY | nonblocking)  # a FIFO opens at once instead of waiting for a writer
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegular(path, mode)
        if nonblocking:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
