"""How two command lines compare, for the `command` and `runs` matchers (ctft_eval.matchers).

- word by word (`command_words`): shell-split, and before `--` each cluster of short flags put in
  one order (`ls -la` == `ls -al` == `ls -l -a`), except a flag that takes a value, which keeps its
  place last (`tar -xzf a` is not `tar -fxz a`);
- by scope (`runs_spec`, `runs_check`): the command's first words, then one of the needed word
  sequences, and otherwise only words an allow pattern (fnmatch) admits, so a flag or a path that
  narrows what runs (`--filter`, `-k`, a package path) is refused unless the case allows it.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import shlex
from typing import Any

from ctft_eval.suite_fields import short

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



def _words(text: str, what: str) -> tuple[str, ...]:
    try:
        words = tuple(shlex.split(text))
    except ValueError as exc:
        raise ValueError(f"{what} {short(text)} does not split into words: {exc}") from None
    if not words:
        raise ValueError(f"{what} is empty")
    return words


def runs_spec(spec: Any) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...], tuple[str, ...]]:
    if not isinstance(spec, dict) or "command" not in spec or set(spec) - {"command", "needs", "allow"}:
        raise ValueError("runs takes {command: WORDS, needs: [WORDS, ...], allow: [PATTERN, ...]}")
    parts = []
    for key in ("command", "needs", "allow"):
        values = spec.get(key) or []
        values = values if isinstance(values, list) else [values]
        if not all(isinstance(v, str) and v.strip() for v in values):
            raise ValueError(f"runs: {key} takes text or a list of text, got {short(spec.get(key))}")
        parts.append(values)
    if not parts[0]:
        raise ValueError("runs: command is required")
    commands = tuple(_words(c, "runs: command") for c in parts[0])
    needs = tuple(_words(n, "runs: needs") for n in parts[1])
    return commands, needs, tuple(parts[2])


def runs_check(value: Any, expected: tuple) -> bool:
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
