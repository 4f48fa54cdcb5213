"""The second Ctrl-C: the first one stops the run (ctft_eval.cancel) and lets it write what
finished; once that is under way, another Ctrl-C ends the process at once with pytest's
INTERRUPTED status, without a traceback. The run record is written atomically (ctft_eval.atomic),
so the file then holds the new record or the previous one, never half of one. No pytest in here.

This holds until the process exits: `disarm` (pytest_unconfigure) keeps the handler while the run
stands cancelled, since giving the default one back there left a last stretch in which a Ctrl-C
raised KeyboardInterrupt (a traceback, exit 130); and at interpreter exit, where Python itself puts
the default handler back, SIGINT is ignored instead (the record is written by then). A new run in
the same process (cancel.reset) gets the usual first Ctrl-C again.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from types import FrameType
from typing import Any

from ctft_eval import cancel

INTERRUPTED = 2  # pytest.ExitCode.INTERRUPTED
_previous: Any = None
_armed = False
_at_exit = False


def _exit_now(signum: int, frame: FrameType | None) -> None:
    if not cancel.cancelled():  # a new run in this process since: its first Ctrl-C, as before `arm`
        previous = _previous if callable(_previous) else signal.default_int_handler
        previous(signum, frame)
        return
    try:
        sys.stdout.flush()
        sys.stderr.write("\nctft-eval: interrupted again: exiting now (the run record, if asked for, holds "
                         "the last complete write)\n")
        sys.stderr.flush()
    finally:
        os._exit(INTERRUPTED)


def _ignore_at_exit() -> None:
    """At interpreter exit, after an interrupted run: ignore SIGINT from here on (Python's own
    finalisation would put the default handler back, and a Ctrl-C then kills the process: 130)."""
    if _armed and cancel.cancelled() and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def arm() -> None:
    """Make the next SIGINT end the process at once (from the main thread only; else a no-op)."""
    global _previous, _armed, _at_exit
    if _armed or threading.current_thread() is not threading.main_thread():
        return
    try:
        _previous = signal.signal(signal.SIGINT, _exit_now)
    except ValueError:  # not the main interpreter
        return
    _armed = True
    if not _at_exit:
        atexit.register(_ignore_at_exit)
        _at_exit = True


def disarm() -> None:
    """Give SIGINT back the handler it had before `arm`, unless the run stands cancelled: then the
    process is on its way out, and a Ctrl-C until it exits still exits at once."""
    global _previous, _armed
    if not _armed or cancel.cancelled() or threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGINT, _previous if _previous is not None else signal.default_int_handler)
    _previous, _armed = None, False
