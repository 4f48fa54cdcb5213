"""How many llama.cpp threads this machine can give a model now: its usable cores less what other
processes keep busy.

Why. llama.cpp's worker threads spin while they wait for each other, so a thread that shares its core
with another busy process makes every step wait for it: on a 2-core machine beside one CPU-bound
process, two threads generated 4-5 times slower than one (benchmarks/threads.py). On an idle machine
every core is faster than half of them. So the default is measured when the model loads: the cores
this process may use, less the cores other processes were busy on over a short window (Linux's
/proc/stat, less this process's own CPU time), rounded, at least one. Where /proc/stat cannot be read,
half the usable cores. A load that starts later is not seen: `--ctft-set threads=N` fixes the count,
and the record says which count was used and why.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import NamedTuple

WINDOW = 0.5
"""Seconds over which other processes' load is measured."""
STAT = Path("/proc/stat")


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 2


def _busy_and_total() -> tuple[int, int] | None:
    """The machine's busy and total CPU time so far, in clock ticks (the `cpu` line of /proc/stat)."""
    try:
        first = STAT.read_text().splitlines()[0].split()
        if first[0] != "cpu":
            return None
        ticks = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    except (OSError, IndexError, ValueError):
        return None
    idle = ticks[3] + ticks[4]
    total = sum(ticks)
    return total - idle, total


def _own_seconds() -> float:
    t = os.times()
    return t.user + t.system


def busy_elsewhere(window: float = WINDOW) -> float | None:
    """How many cores other processes kept busy over `window` seconds (steal time counts: another
    machine's work on the same host slows llama.cpp alike); None where it cannot be measured."""
    before, own_before = _busy_and_total(), _own_seconds()
    if before is None:
        return None
    time.sleep(window)
    after, own_after = _busy_and_total(), _own_seconds()
    if after is None or after[1] <= before[1]:
        return None
    cores = os.cpu_count() or 1
    busy = cores * (after[0] - before[0]) / (after[1] - before[1])
    return max(0.0, busy - (own_after - own_before) / window)


class ThreadChoice(NamedTuple):
    threads: int
    why: str


def default_threads(window: float = WINDOW) -> ThreadChoice:
    """The usable cores less other processes' busy cores, rounded, at least one (see the module)."""
    cores = usable_cores()
    others = busy_elsewhere(window)
    if others is None:
        return ThreadChoice(max(1, cores // 2), f"half of {cores} usable cores (the machine's load could not be read)")
    threads = max(1, min(cores, int(cores - others + 0.5)))
    return ThreadChoice(threads, f"{cores} usable cores, {others:.1f} busy with other work when the model loaded")
