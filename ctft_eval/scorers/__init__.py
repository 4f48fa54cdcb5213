"""Scorers: pure functions of (case, replies) -> Outcome, one module per dimension.

Each module defines `DIMENSION` (a ctft_eval.dimensions.Dimension) holding its scorer; the
registry in ctft_eval.dimensions lists them. `replies` are the replies of one case on one channel:
one reply for a single-step case, one per step reached for a chain; for a timed dimension
(latency), the replies of its own sequential request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from ctft_eval import dimensions
from ctft_eval.cases import Case
from ctft_eval.reply import Reply
from ctft_eval.scorers.outcome import Outcome

Scorer = Callable[[Case, list[Reply]], Outcome]


class _Scorers(Mapping[str, Scorer]):
    """Dimension name -> its scorer, read from the registry."""

    def __getitem__(self, name: str) -> Scorer:
        try:
            return dimensions.get(name).score
        except KeyError:
            raise KeyError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(dimensions.names())

    def __len__(self) -> int:
        return len(dimensions.names())


SCORERS: Mapping[str, Scorer] = _Scorers()

__all__ = ["SCORERS", "Outcome", "Scorer"]
