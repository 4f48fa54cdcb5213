"""How arguments are judged in this run: as Continue's tools receive them (the default), or by the
strict JSON schema. The session sets it around scoring; scorers read it with `judging()`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

Schema = Literal["continue", "strict"]
SCHEMAS: tuple[str, ...] = ("continue", "strict")


@dataclass(frozen=True)
class Judging:
    schema: Schema = "continue"
    """continue: coerce and check arguments as Continue's tools do (strings to numbers and booleans,
    unknown arguments ignored, per-tool rules); strict: validate against the catalog's JSON schema
    (types exact, required fields, no unknown fields)."""


_DEFAULT = Judging()
_CURRENT: ContextVar[Judging | None] = ContextVar("ctft_eval_judging", default=None)


def judging() -> Judging:
    return _CURRENT.get() or _DEFAULT


@contextmanager
def judging_as(judging_: Judging) -> Iterator[None]:
    token = _CURRENT.set(judging_)
    try:
        yield
    finally:
        _CURRENT.reset(token)
