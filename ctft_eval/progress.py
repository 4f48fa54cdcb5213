"""Progress of the fetch: requests done of the total (each chain step a request), their rate and the
time left.

On a terminal: a tqdm bar, redrawn at least every second (a ticker thread), from the moment the
fetch starts. Elsewhere (CI logs, a pipe): a plain line at each tenth of the work, after the first
5 seconds if nothing came yet (the issue's target is a first sign within 10 s), and at least once
a minute. Nothing a model or server wrote goes
into either: the bar shows counts and times only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from ctft_eval import shown

FIRST_LINE_S = 5.0
"""Off a terminal, the first line comes by then even if no request finished."""
EVERY_S = 60.0
"""Off a terminal, a line at least this often."""
REDRAW_S = 1.0
"""On a terminal, the bar is redrawn at least this often (its elapsed time and estimate move)."""


def estimate(elapsed: float, done: int, total: int) -> str:
    """' (95 s, about 4 min left)': elapsed time and, while work remains, a linear estimate."""
    if done <= 0 or done >= total:
        return f" ({elapsed:.0f} s)"
    left = elapsed / done * (total - done)
    shown = f"{left:.0f} s" if left < 120 else f"{left / 60:.0f} min"
    return f" ({elapsed:.0f} s, about {shown} left)"


class _Writer:
    """A file-like object for tqdm that writes through a callable (pytest's terminal writer)."""

    def __init__(self, write: Callable[[str], None]):
        self._write = write

    def write(self, text: str) -> None:
        self._write(text)

    def flush(self) -> None:
        pass


class Progress:
    def __init__(self, total: int, say: Callable[[str], None], *, write: Callable[[str], None] | None = None,
                 tty: bool = False, clock: Callable[[], float] = time.monotonic, label: str = "requests"):
        """`say` prints a line; `write` writes raw text to the terminal (the bar), used when `tty`."""
        self.total, self.done, self.label = max(total, 0), 0, label
        self._say, self._clock = say, clock
        self._started = self._last_line = clock()
        self._next_tenth = 1
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._bar: Any = None
        if tty and write is not None:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, unit=" req", file=_Writer(write), dynamic_ncols=True,
                             mininterval=0.2, desc="ctft-eval: fetching", leave=True, ascii=False)
        self._ticker = threading.Thread(target=self._tick, name="ctft-progress", daemon=True)
        self._ticker.start()

    def advance(self, done: int, total: int | None = None) -> None:
        """`done` more requests finished; `total` is the new total where it changed (a chain that
        stopped early asked fewer requests than its steps)."""
        with self._lock:
            self.done += done
            if total is not None:
                self.total = max(total, self.done)
            if self._bar is not None:
                if total is not None:
                    self._bar.total = self.total
                self._bar.update(done)
                return
            tenth = self.done * 10 // self.total if self.total else 10
            if tenth >= self._next_tenth:
                self._next_tenth = tenth + 1
                self._line()

    def _line(self) -> None:
        now = self._clock()
        self._last_line = now
        timing = estimate(now - self._started, self.done, self.total)
        self._say(f"ctft-eval: {self.done}/{self.total} {self.label}{timing}")

    def _tick(self) -> None:
        while not self._stop.wait(REDRAW_S if self._bar is not None else 1.0):
            with self._lock:
                if self._bar is not None:
                    self._bar.refresh()
                    continue
                now = self._clock()
                quiet = now - self._last_line
                if (self._last_line == self._started and now - self._started >= FIRST_LINE_S) or quiet >= EVERY_S:
                    self._line()

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None


class Terminal:
    """Where the fetch reports: `say(line)` prints one escaped line (pytest's terminal reporter);
    on a terminal, `write(text)` draws the bar."""

    def __init__(self, reporter: Any):
        self._reporter = reporter
        self.tty = bool(getattr(reporter, "isatty", False))

    def __call__(self, line: str) -> None:
        self._reporter.write_line(shown.block(line))

    def write(self, text: str) -> None:
        self._reporter.write(text, flush=True)
