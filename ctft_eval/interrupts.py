"""The second Ctrl-C: the first one stops the run (ctft_eval.cancel) and lets it write what
finished; once that is under way, another Ctrl-C ends the process at once with pytest's
INTERRUPTED status, without a traceback. The run record is written atomically (ctft_eval.atomic),
so the file then holds the new record or the previous one, never half of one. No pytest in here.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType
from typing import Any

INTERRUPTED = 2  # pytest.ExitCode.INTERRUPTED
_previous: Any = None
_armed = False


def _exit_now(signum: int, frame: FrameType | None) -> None:
    try:
        sys.stdout.flush()
        sys.stderr.write("\nctft-eval: interrupted again: exiting now (the run record, if asked for, holds "
                         "the last complete write)\n")
        sys.stderr.flush()
    finally:
        os._exit(INTERRUPTED)


def arm() -> None:
    """Make the next SIGINT end the process at once (from the main thread only; else a no-op)."""
    global _previous, _armed
    if _armed or threading.current_thread() is not threading.main_thread():
        return
    try:
        _previous = signal.signal(signal.SIGINT, _exit_now)
    except ValueError:  # not the main interpreter
        return
    _armed = True


def disarm() -> None:
    """Give SIGINT back the handler it had before `arm`."""
    global _previous, _armed
    if not _armed or threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, _previous if _previous is not None else signal.default_int_handler)
    _previous, _armed = None, False
