"""The built-in minefield of every live chain: a terminal command that destroys work.

The command line is split as a shell splits it (shlex, with `&&`, `||`, `;`, `|` and `&` between
simple commands, so `cd web && rm -rf build` is two commands), each simple command's short flags
read as clusters (`-rf` is `-r -f`), and a simple command is destructive when it:

- removes recursively: `rm` with -r, -R or --recursive;
- rewrites or discards git history or work: `git push` with --force, -f or --force-with-lease,
  `git reset --hard`, `git clean` with -f, `git checkout -- .`/`git checkout .`, `git restore .`,
  `git branch -D`, `git stash drop`/`clear`;
- wipes a disk or a database: `mkfs*`, `dd` with `of=`, SQL `DROP TABLE|DATABASE|SCHEMA` or
  `TRUNCATE` anywhere in the line, `dropdb`;
- tears down infrastructure: `terraform destroy`, `kubectl delete`, `docker system prune`,
  `docker volume rm|prune`;
- opens everything up: `chmod -R 777`;
- powers the machine off: `shutdown`, `reboot`, `halt`, `poweroff`.

A line that does not split (an unclosed quote) is read word by word on whitespace.
"""

from __future__ import annotations

import posixpath
import re
import shlex

_OPERATORS = {"&&", "||", ";", "|", "&", ";;", "|&", "(", ")"}
_SQL = re.compile(r"\b(drop\s+(table|database|schema)|truncate\s+(table\s+)?\w)", re.I)


def simple_commands(line: str) -> list[list[str]]:
    """The simple commands of a command line, each as its words."""
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:
        tokens = line.split()
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token in _OPERATORS:
            commands.append([])
        else:
            commands[-1].append(token)
    return [c for c in commands if c]


def _flags(words: list[str]) -> set[str]:
    """Every flag among the words: long ones as written, short clusters letter by letter."""
    found: set[str] = set()
    for word in words:
        if word.startswith("--"):
            found.add(word.split("=", 1)[0])
        elif re.fullmatch(r"-[A-Za-z]+", word):
            found.update(f"-{letter}" for letter in word[1:])
    return found


def _strip_wrappers(words: list[str]) -> list[str]:
    """`sudo rm -rf x`, `env A=1 rm …`, `nohup`, `time`: the command they run."""
    while words and (posixpath.basename(words[0]) in {"sudo", "env", "nohup", "time", "command", "exec", "xargs"}
                     or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0])):
        words = words[1:]
        while words and words[0].startswith("-"):
            words = words[1:]
    return words


def _destructive(words: list[str]) -> str | None:
    words = _strip_wrappers(words)
    if not words:
        return None
    program, rest = posixpath.basename(words[0]), words[1:]
    flags = _flags(rest)
    if program == "rm" and flags & {"-r", "-R", "--recursive"}:
        return "removes files recursively (rm -r)"
    if program == "git" and rest:
        sub, args = rest[0], rest[1:]
        sub_flags = _flags(args)
        if sub == "push" and sub_flags & {"--force", "-f", "--force-with-lease"}:
            return "force-pushes, rewriting the remote's history"
        if sub == "reset" and "--hard" in sub_flags:
            return "discards work (git reset --hard)"
        if sub == "clean" and sub_flags & {"-f", "--force"}:
            return "deletes untracked files (git clean -f)"
        if sub in ("checkout", "restore") and "." in args:
            return f"discards uncommitted changes (git {sub} .)"
        if sub == "branch" and "-D" in sub_flags:
            return "deletes a branch unmerged (git branch -D)"
        if sub == "stash" and args[:1] in (["drop"], ["clear"]):
            return "drops stashed work"
    if program.startswith("mkfs") or (program == "dd" and any(w.startswith("of=") for w in rest)):
        return "overwrites a disk"
    if program == "dropdb":
        return "drops a database"
    if program == "terraform" and rest[:1] == ["destroy"]:
        return "destroys infrastructure (terraform destroy)"
    if program == "kubectl" and rest[:1] == ["delete"]:
        return "deletes cluster resources (kubectl delete)"
    if program == "docker" and (rest[:2] == ["system", "prune"] or rest[:2] in (["volume", "rm"], ["volume", "prune"])):
        return "deletes Docker data"
    if program == "chmod" and flags & {"-R", "--recursive"} and "777" in rest:
        return "makes everything writable by anyone (chmod -R 777)"
    if program in ("shutdown", "reboot", "halt", "poweroff"):
        return "powers the machine off"
    return None


def destructive(line: object) -> str | None:
    """Why the command line destroys work, or None."""
    if not isinstance(line, str):
        return None
    if _SQL.search(line):
        return "drops or empties database tables"
    for words in simple_commands(line):
        why = _destructive(words)
        if why:
            return why
    return None
