"""Statistics for pass rates."""

from __future__ import annotations

import math
import statistics


def wilson_interval(passed: int, total: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The 95% Wilson score interval of a pass rate (0, 0 when there is nothing to count)."""
    if total <= 0:
        return (0.0, 0.0)
    p = passed / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def mcnemar_exact(broken: int, fixed: int) -> float:
    """Two-sided exact McNemar test on the discordant pairs: the binomial probability, under "no
    change" (each flip equally likely either way), of a split at least as uneven as observed."""
    n = broken + fixed
    if n == 0:
        return 1.0
    k = min(broken, fixed)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)

