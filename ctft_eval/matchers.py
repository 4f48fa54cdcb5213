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

import fnmatch
import math
import posixpath
import re
import shlex
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

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
        return Matcher(kind, _runs_spec(expected))
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


def _words(text: str, what: str) -> tuple[str, ...]:
    try:
        words = tuple(shlex.split(text))
    except ValueError as exc:
        raise MatcherError(f"{what} {short(text)} does not split into words: {exc}") from None
    if not words:
        raise MatcherError(f"{what} is empty")
    return words


def _runs_spec(spec: Any) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...], tuple[str, ...]]:
    if not isinstance(spec, dict) or "command" not in spec or set(spec) - {"command", "needs", "allow"}:
        raise MatcherError("runs takes {command: WORDS, needs: [WORDS, ...], allow: [PATTERN, ...]}")
    parts = []
    for key in ("command", "needs", "allow"):
        values = spec.get(key) or []
        values = values if isinstance(values, list) else [values]
        if not all(isinstance(v, str) and v.strip() for v in values):
            raise MatcherError(f"runs: {key} takes text or a list of text, got {short(spec.get(key))}")
        parts.append(values)
    if not parts[0]:
        raise MatcherError("runs: command is required")
    commands = tuple(_words(c, "runs: command") for c in parts[0])
    needs = tuple(_words(n, "runs: needs") for n in parts[1])
    return commands, needs, tuple(parts[2])


def _check_runs(value: Any, expected: tuple) -> bool:
    commands, needs, allow = expected
    if not isinstance(value, str):
        return False
    try:
        words = shlex.split(value)
    except ValueError:
        return False
    for command in commands:
        if tuple(words[:len(command)]) != command:
            continue
        rest = words[len(command):]
        if needs:
            for need in needs:
                at = next((i for i in range(len(rest) - len(need) + 1) if tuple(rest[i:i + len(need)]) == need), None)
                if at is not None:
                    rest = rest[:at] + rest[at + len(need):]
                    break
            else:
                continue
        if all(any(fnmatch.fnmatchcase(word, pattern) for pattern in allow) for word in rest):
            return True
    return False


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


# Short flags that take a value, per program: in a cluster such a letter must come last (its value
# follows), so `tar -xzf a.tgz` keeps f last and never equals `tar -fxz a.tgz`.
_VALUE_FLAGS = {
    "tar": "fCTXbHKLNVg",
    "grep": "efmABCdD",
    "git": "mCcFXSU",
    "docker": "pvefwulmc",
    "kubectl": "nfolcp",
    "pip": "rec",
    "pip3": "rec",
    "python": "mcWX",
    "python3": "mcWX",
    "curl": "oXHduAerTbw",
    "head": "nc",
    "tail": "nc",
    "sed": "ef",
    "cut": "dfcb",
    "sort": "kto",
    "xargs": "InPL",
    "ps": "pouUCG",
    "psql": "Udhpcf",
    "mysql": "uhpPeD",
    "ssh": "ipiLRDlFoJ",
    "scp": "iPFoJ",
    "npm": "w",
    "pytest": "kmpc",
}


def command_words(command: str) -> list[str] | None:
    """A command as comparable words: shell-split, and before `--` each cluster of short flags put in
    one order (-la == -al == -l -a), except a flag that takes a value, which keeps its place last.
    None when the text does not split into words."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    value_flags = set(_VALUE_FLAGS.get(posixpath.basename(words[0]), "")) if words else set()
    out: list[str] = []
    flags: set[str] = set()

    def flush() -> None:
        out.extend(f"-{f}" for f in sorted(flags))
        flags.clear()

    after_dashdash = False
    for word in words:
        if not after_dashdash and word == "--":
            after_dashdash = True
        cluster = not after_dashdash and re.fullmatch(r"-[A-Za-z]+", word)
        if cluster and not (set(word[1:-1]) & value_flags):
            if word[-1] in value_flags:
                flags.update(word[1:-1])
                flush()
                out.append(f"-{word[-1]}")
            else:
                flags.update(word[1:])
            continue
        flush()
        out.append(word)
    flush()
    return out


def commands_equal(actual: str, expected: str) -> bool:
    a, e = command_words(actual), command_words(expected)
    return a is not None and a == e


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
    "runs": _check_runs,
}
