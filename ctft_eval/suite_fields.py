"""Checks of single fields of a suite file: text, tags, seconds. Each takes the field's name for its
message and `fail(message) -> SuiteError`, and returns the value as the Case keeps it."""

from __future__ import annotations

import keyword
import math
import reprlib
from collections.abc import Callable, Collection
from typing import Any

Fail = Callable[[str], Exception]

PYTEST_MARKERS = frozenset({
    "skip", "skipif", "xfail", "parametrize", "usefixtures", "filterwarnings", "tryfirst", "trylast",
})
"""pytest's builtin markers, which a tag may never be: a tag becomes a marker on the case's tests,
so `tags: [skip]` would skip them. ctft_eval.collect adds whatever else the running pytest has
registered. A dimension's name is a plain label and stays allowed (chains.yaml tags its cases
`chain`, so `-m chain` takes their json_validity tests too)."""

_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxdict = _SHORT.maxtuple = _SHORT.maxset = 4
_SHORT.maxlevel = 3


def short(value: Any) -> str:
    """A value for an error message: bounded in length however large or deep the value is."""
    return _SHORT.repr(value)


def text(value: Any, field: str, fail: Fail, *, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise fail(f"`{field}` must be text, got {short(value)}")
    return value


def tags(value: Any, field: str, reserved: Collection[str], fail: Fail) -> tuple[str, ...]:
    """A list of marker names: identifiers, no Python keyword, none a marker pytest or a plugin owns."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise fail(f"`{field}` must be a list of tags, got {short(value)}")
    for tag in value:
        if not isinstance(tag, str):
            raise fail(f"tags must be identifiers (letters, digits, underscores), got {short(tag)}")
        if not tag.isidentifier() or keyword.iskeyword(tag):
            raise fail(f"tag {short(tag)} is not a marker name: tags must be identifiers (letters, digits, "
                       "underscores, not starting with a digit) and not a Python keyword")
        if tag in reserved:
            raise fail(f"tag {tag!r} is a pytest marker (pytest's own, a plugin's or a conftest's): "
                       f"the case's tests would be marked {tag}; pick another tag")
    return tuple(value)


def seconds(value: Any, field: str, fail: Fail) -> float | None:
    """A finite positive number of seconds (None stays None)."""
    if value is None:
        return None
    try:
        number = math.nan if isinstance(value, bool) or not isinstance(value, int | float) else float(value)
    except OverflowError:  # an int beyond float's range
        number = math.inf
    if not math.isfinite(number) or number <= 0:
        raise fail(f"`{field}` must be a finite positive number of seconds, got {short(value)}")
    return number


def flag(value: Any, field: str, fail: Fail) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise fail(f"`{field}` must be true or false, got {short(value)}")
    return value
