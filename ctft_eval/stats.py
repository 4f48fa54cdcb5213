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
