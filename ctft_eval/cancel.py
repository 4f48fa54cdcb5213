"""One process-wide cancellation flag: set on Ctrl-C, read by everything that waits or retries.

The fetch sets it when the user interrupts; a backend checks it before each attempt, while it
reads a stream, and instead of sleeping between retries (`pause` returns early once it is set),
so that nothing starts or keeps going after the user asked to stop. No pytest in here.
"""

from __future__ import annotations

import threading

_EVENT = threading.Event()


def cancel() -> None:
    _EVENT.set()


def cancelled() -> bool:
    return _EVENT.is_set()


def reset() -> None:
    """Clear the flag (a new session in the same process, tests)."""
    _EVENT.clear()


def pause(seconds: float) -> bool:
    """Sleep up to `seconds`; True when the sleep ran out, False when the run was cancelled first."""
    if seconds <= 0:
        return not _EVENT.is_set()
    return not _EVENT.wait(seconds)
