"""Argument matchers: does one argument value mean what the case expects?

Matching is semantic where a literal compare would lie (./src/a.ts is src/a.ts; `ls -la` is
`ls -al`) and never accepts a different meaning (src/a-b.ts is not src/ab.ts, SRC/a.ts is not
src/a.ts, test.py is not test_*.py, the regex a.b is not ab, `npm test -- -u` is not `npm test u`).

A matcher spec in a suite file is either a plain value (exact) or a one-key mapping:
  exact, one_of, regex, path, glob, contains, command, runs, any, absent.

`runs` judges a command by its scope: `{runs: {command: dotnet test, needs: [...], allow: [...]}}`
accepts the command's words, then one of the `needs` word sequences (if any are given), and
otherwise only words that match an `allow` pattern (fnmatch): a flag that narrows what runs
(`--filter`, `-k`, a path) is not allowed unless the case says so.
"""

from __future__ import annotations

import math
import posixpath
import shlex
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

from ctft_eval.command_lines import commands_equal, runs_check, runs_spec
from ctft_eval.safe_regex import regex_problem, search
from ctft_eval.suite_fields import short

MATCHER_KINDS = ("exact", "one_of", "regex", "path", "glob", "contains", "command", "runs", "any", "absent")
_MISSING = object()


class MatcherError(ValueError):
    """A matcher spec in a suite file is malformed."""


@dataclass(frozen=True)
class Matcher:
    kind: str
    expected: Any

    def check(self, value: Any = _MISSING) -> str | None:
        """None when the value matches; otherwise the reason it does not, for a person to read."""
        if self.kind == "absent":
            return None if value is _MISSING else f"should be absent, got {value!r}"
        if value is _MISSING:
            return f"missing (expected {self.describe()})"
        if self.kind == "any":
            return None
        ok = _CHECKS[self.kind](value, self.expected)
        return None if ok else f"got {value!r}, expected {self.describe()}"

    def describe(self) -> str:
        if self.kind == "exact":
            return repr(self.expected)
        if self.kind == "one_of":
            return "one of " + ", ".join(repr(v) for v in self.expected)
        if self.kind == "runs":
            commands, needs, allow = self.expected
            text = " or ".join(repr(" ".join(c)) for c in commands)
            if needs:
                text += " with " + " or ".join(repr(" ".join(n)) for n in needs)
            return f"runs {text}" + (f", other words only {', '.join(allow)}" if allow else ", nothing more")
        if isinstance(self.expected, list) and len(self.expected) == 1:
            return f"{self.kind} {self.expected[0]!r}"
        return f"{self.kind} {self.expected!r}"


MISSING = _MISSING


def parse_arguments(raw: dict, known: set[str], tools: tuple[str, ...], fail, where: str = "") -> dict[str, Matcher]:
    """A suite's `arguments:` mapping: each name a parameter of one of `tools` (`known`), each value a
    matcher spec; `fail(message)` makes the suite error (`where` prefixes it)."""
    matchers: dict[str, Matcher] = {}
    for name, spec in raw.items():
        if name not in known:
            raise fail(f"{where}argument {short(name)} is not a parameter of {' or '.join(tools)}")
        try:
            matchers[name] = parse_matcher(spec)
        except MatcherError as exc:
            raise fail(f"{where}argument {short(name)}: {exc}") from None
    return matchers


def parse_matcher(spec: Any) -> Matcher:
    """Turn a suite file's matcher spec into a Matcher, or raise MatcherError saying what is wrong."""
    if not isinstance(spec, dict):
        return Matcher("exact", _json_value(spec))
    if len(spec) != 1:
        keys = sorted(short(k) for k in spec)
        raise MatcherError(f"a matcher mapping has exactly one key of {', '.join(MATCHER_KINDS)}; got {keys[:5]}")
    kind, expected = next(iter(spec.items()))
    if kind not in MATCHER_KINDS:
        raise MatcherError(f"unknown matcher {short(kind)}; known: {', '.join(MATCHER_KINDS)}")
    if kind == "exact":
        return Matcher(kind, _json_value(expected))
    if kind == "runs":
        try:
            return Matcher(kind, runs_spec(expected))
        except ValueError as exc:
            raise MatcherError(str(exc)) from None
    if kind in ("any", "absent"):
        if expected is not True:
            raise MatcherError(f"write `{kind}: true`")
        return Matcher(kind, True)
    values = expected if isinstance(expected, list) else [expected]
    if not values:
        raise MatcherError(f"{kind} needs at least one value")
    if kind == "one_of":
        return Matcher(kind, tuple(_json_value(v) for v in values))
    if not all(isinstance(v, str) for v in values):
        raise MatcherError(f"{kind} takes strings, got {short(expected)}")
    if kind == "regex":
        for pattern in values:
            problem = regex_problem(pattern)
            if problem:
                raise MatcherError(f"bad regex {short(pattern)}: {problem}")
    if kind == "command":
        for command in values:
            try:
                shlex.split(command)
            except ValueError as exc:
                raise MatcherError(f"command {short(command)} does not split into words: {exc}") from None
    return Matcher(kind, tuple(values))


def _json_value(value: Any) -> Any:
    """The expected value itself, when it is one a JSON argument can equal: text, a finite number,
    true/false, null, and lists and mappings (text keys) of those."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise MatcherError(f"numbers must be finite, got {item!r}")
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                raise MatcherError(f"mapping keys in an expected value must be text, got {short(item)}")
            stack.extend(item.values())
        elif item is not None and not isinstance(item, str | int | float):
            raise MatcherError(f"an expected value must be text, a number, true/false, null, or a list or "
                               f"mapping of those; got {short(item)} (quote it to mean the text)")
    return value


# ---- the checks -------------------------------------------------------------------------------


def values_equal(actual: Any, expected: Any) -> bool:
    """Equality where a number written as a string still means the number (types are json_validity's)."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        if isinstance(actual, str) and isinstance(expected, bool):
            return actual.strip().lower() == str(expected).lower()
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, int | float) and isinstance(actual, str):
        try:
            return float(actual.strip()) == float(expected)
        except ValueError:
            return False
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return float(actual) == float(expected)
    return actual == expected


def normalize_path(path: str) -> str:
    """One spelling per file: file:// URIs unwrapped, ./ and duplicate or trailing slashes dropped,
    a/../b resolved. Case, dashes, underscores and absolute-vs-relative all keep their meaning."""
    text = path.strip()
    if text.lower().startswith("file://"):
        text = unquote(urlparse(text).path) or "/"
    if not text:
        return ""
    norm = posixpath.normpath(text)
    if norm.startswith("//"):  # posix keeps a leading double slash; it names the same root here
        norm = "/" + norm.lstrip("/")
    return norm


def paths_equal(actual: str, expected: str) -> bool:
    return normalize_path(actual) == normalize_path(expected)


def normalize_glob(pattern: str) -> str:
    """Continue's glob search is recursive (ripgrep-style), so a leading **/ is implied."""
    norm = normalize_path(pattern)
    while norm.startswith("**/"):
        norm = norm[3:]
    return norm


def _check_exact(value: Any, expected: Any) -> bool:
    return values_equal(value, expected)


def _check_one_of(value: Any, expected: tuple[Any, ...]) -> bool:
    return any(values_equal(value, e) for e in expected)


def _check_regex(value: Any, expected: tuple[str, ...]) -> bool:
    return isinstance(value, str) and any(search(p, value) for p in expected)  # (bounded: safe_regex)


def _check_path(value: Any, expected: tuple[str, ...]) -> bool:
    return isinstance(value, str) and any(paths_equal(value, e) for e in expected)


def _check_glob(value: Any, expected: tuple[str, ...]) -> bool:
    return isinstance(value, str) and any(normalize_glob(value) == normalize_glob(e) for e in expected)


def _check_contains(value: Any, expected: tuple[str, ...]) -> bool:
    return isinstance(value, str) and all(e in value for e in expected)


def _check_command(value: Any, expected: tuple[str, ...]) -> bool:
    return isinstance(value, str) and any(commands_equal(value, e) for e in expected)


_CHECKS = {
    "exact": _check_exact,
    "one_of": _check_one_of,
    "regex": _check_regex,
    "path": _check_path,
    "glob": _check_glob,
    "contains": _check_contains,
    "command": _check_command,
    "runs": runs_check,
}
