"""Regexes from suite files, within bounds: Python's re compiles recursively per group level and
raises OverflowError (not re.error) on a count over 2**32, so a suite's pattern is checked here
before it is compiled, and every way compiling can fail becomes one reason.

Matching is bounded too: a pattern such as `(a+)+$` backtracks exponentially on a model's argument
(25 characters: half a minute; 60: hours). `search` matches with the `regex` module (re's syntax,
and a per-match time limit) and raises RegexTimeout past MATCH_TIMEOUT_S: a problem of the suite,
which the scorers report as the outcome `matcher_timeout`, not as the model's failure.
"""

from __future__ import annotations

import re
import warnings

import regex

MATCH_TIMEOUT_S = 1.0

MAX_PATTERN = 2000
MAX_REPEAT = 1000
MAX_GROUP_DEPTH = 32
_COUNTED = re.compile(r"\{(\d*)(?:,(\d*))?\}")


def regex_problem(pattern: str) -> str | None:
    """Why a suite's regex is refused (None: it is fine): too long, a count over MAX_REPEAT, groups
    nested deeper than MAX_GROUP_DEPTH (Python's compiler recurses per level), or not compiling."""
    if len(pattern) > MAX_PATTERN:
        return f"longer than {MAX_PATTERN} characters"
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            i += 1 if pattern[i + 1:i + 2] == "^" else 0
            i += 1 if pattern[i + 1:i + 2] == "]" else 0  # a ] first in a class is literal
        elif ch == "(":
            depth += 1
            if depth > MAX_GROUP_DEPTH:
                return f"groups nested more than {MAX_GROUP_DEPTH} deep"
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == "{" and (m := _COUNTED.match(pattern, i)):
            if any(n and (len(n) > 6 or int(n) > MAX_REPEAT) for n in m.groups()):
                return f"repeats more than {MAX_REPEAT} times"
        i += 1
    try:
        with warnings.catch_warnings():  # "possible nested set" and the like: compiles, and means it
            warnings.simplefilter("ignore")
            re.compile(pattern)
            regex.compile(pattern)  # what `search` matches with
    except (re.error, regex.error, OverflowError, RecursionError, ValueError) as exc:
        return str(exc)
    return None


class RegexTimeout(Exception):
    """A suite's regex took longer than MATCH_TIMEOUT_S on one value."""

    def __init__(self, pattern: str, value: str):
        super().__init__(f"the suite's regex {pattern[:80]!r} ran past its {MATCH_TIMEOUT_S:g} s limit on a "
                         f"value of {len(value):,} characters (it backtracks catastrophically; rewrite it)")
        self.pattern = pattern


def search(pattern: str, value: str) -> bool:
    """re.search's answer within MATCH_TIMEOUT_S, else RegexTimeout."""
    try:
        return regex.search(pattern, value, timeout=MATCH_TIMEOUT_S) is not None
    except TimeoutError:
        raise RegexTimeout(pattern, value) from None
