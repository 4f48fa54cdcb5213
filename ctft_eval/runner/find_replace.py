"""Continue's find-and-replace, as single_find_and_replace and multi_edit apply it.

Facts (Continue d0a3c0b, core/edit/searchAndReplace/):
- validation (findAndReplaceUtils.ts `validateSingleEdit`): old_string and new_string must be
  strings, must differ, and replace_all must be absent or a boolean ("true" is an error);
- matching (findSearchMatch.ts): an old_string that is empty after trimming matches at the start
  of the file; otherwise each occurrence is found by the first strategy that finds one, in order:
  exact, the trimmed old_string, case-insensitive, whitespace-insensitive (every whitespace
  character removed from both sides, the match mapped back onto the file). A fuzzy matcher exists
  but is commented out. Every occurrence is found by repeating the search after the previous match;
- replacing (performReplace.ts): no match is the error "string not found"; several without
  replace_all is the error "appears N times"; with replace_all every match is replaced, last first;
  when a match was not exact, new_string's indentation is moved to the matched line's.

JavaScript semantics kept here: `\\s` is JavaScript's whitespace class; the case-insensitive match
ends at `index + len(old_string)` (as Continue computes it, even where lower-casing changes length).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
           "\u2028\u2029\u202f\u205f\u3000\ufeff"
"""The characters JavaScript's `\\s` matches (ECMAScript WhiteSpace and LineTerminator)."""
_JS_SPACE_SET = frozenset(JS_SPACE)
_LEADING = re.compile(f"^[{re.escape(JS_SPACE)}]*")


class EditError(ValueError):
    """Continue throws: the model sees the message and the file is unchanged."""


def js_trim(text: str) -> str:
    return text.strip(JS_SPACE)


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    strategy: str


def _exact(content: str, search: str) -> tuple[int, int] | None:
    at = content.find(search)
    return None if at < 0 else (at, at + len(search))


def _trimmed(content: str, search: str) -> tuple[int, int] | None:
    return _exact(content, js_trim(search))


def _case_insensitive(content: str, search: str) -> tuple[int, int] | None:
    at = content.lower().find(search.lower())
    return None if at < 0 else (at, at + len(search))


def _whitespace_ignored(content: str, search: str) -> tuple[int, int] | None:
    bare_search = "".join(c for c in search if c not in _JS_SPACE_SET)
    if not bare_search:
        return None
    kept = [i for i, c in enumerate(content) if c not in _JS_SPACE_SET]
    at = "".join(content[i] for i in kept).find(bare_search)
    if at < 0:
        return None
    return kept[at], kept[at + len(bare_search) - 1] + 1


_STRATEGIES = (("exactMatch", _exact), ("trimmedMatch", _trimmed), ("caseInsensitiveMatch", _case_insensitive),
               ("whitespaceIgnoredMatch", _whitespace_ignored))


def find_match(content: str, search: str) -> Match | None:
    if not js_trim(search):
        return Match(0, 0, "emptySearch")
    for name, strategy in _STRATEGIES:
        found = strategy(content, search)
        if found is not None:
            return Match(found[0], found[1], name)
    return None


def find_matches(content: str, search: str) -> list[Match]:
    """Every occurrence, as Continue finds them: search again after the end of the previous one."""
    if not js_trim(search):
        return [Match(0, 0, "emptySearch")]
    matches: list[Match] = []
    offset = 0
    while offset < len(content):
        found = find_match(content[offset:], search)
        if found is None:
            break
        placed = Match(found.start + offset, found.end + offset, found.strategy)
        if matches and placed.start <= matches[-1].start:
            break
        matches.append(placed)
        offset = placed.end
    return matches


def _indent(line: str) -> str:
    found = _LEADING.match(line)
    return found.group(0) if found else ""


def _first_indent(text: str) -> str:
    return next((_indent(line) for line in text.split("\n") if js_trim(line)), "")


def _line_indent_at(content: str, position: int) -> str:
    start = content.rfind("\n", 0, max(position, 0)) + 1 if position > 0 else 0
    end = content.find("\n", start)
    return _indent(content[start:] if end < 0 else content[start:end])


def _adjusted(content: str, match: Match, old: str, new: str) -> str:
    if match.strategy in ("exactMatch", "emptySearch"):
        return new
    matched, was = _line_indent_at(content, match.start), _first_indent(old)
    if matched == was:
        return new
    lines = new.split("\n")
    for n, line in enumerate(lines):
        if not js_trim(line):
            continue
        if n == 0:
            if was and line.startswith(was):
                lines[n] = line[len(was):]
        elif line.startswith(was):
            lines[n] = matched + line[len(was):]
    return "\n".join(lines)


def validate(old: object, new: object, replace_all: object, index: int | None = None) -> tuple[str, str, bool]:
    """Continue's validateSingleEdit: (old, new, replace_all) or EditError with its message."""
    where = f"edit at index {index}: " if index is not None else ""
    if not isinstance(old, str):
        raise EditError(f"{where}string old_string is required")
    if not isinstance(new, str):
        raise EditError(f"{where}string new_string is required")
    if old == new:
        raise EditError(f"{where}old_string and new_string must be different")
    if replace_all is not _ABSENT and not isinstance(replace_all, bool):
        raise EditError(f"{where}replace_all must be a valid boolean")
    return old, new, replace_all is True


_ABSENT = object()
ABSENT = _ABSENT
"""replace_all not sent (JavaScript's undefined; JSON null is a value, and not a boolean)."""


def replace(content: str, old: str, new: str, replace_all: bool, index: int = 0) -> tuple[str, str]:
    """(the new content, the strategy that matched) or EditError, as executeFindAndReplace."""
    matches = find_matches(content, old)
    if not matches:
        raise EditError(f'Edit at index {index}: string not found in file: "{old}"')
    if not replace_all and len(matches) > 1:
        raise EditError(f'Edit at index {index}: String "{old}" appears {len(matches)} times in the file. Either '
                        "provide a more specific string with surrounding context to make it unique, or use "
                        "replace_all=true to replace all occurrences.")
    result = content
    for match in reversed(matches):
        result = result[:match.start] + _adjusted(result, match, old, new) + result[match.end:]
    return result, ", ".join(sorted({m.strategy for m in matches}))


def multi_validate(edits: object) -> list[tuple[str, str, bool]]:
    """Continue's validateMultiEdit."""
    if not isinstance(edits, list):
        raise EditError("edits array is required")
    if not edits:
        raise EditError("edits array must contain at least one edit")
    checked = []
    for n, edit in enumerate(edits):
        if not isinstance(edit, dict):
            raise EditError(f"edit at index {n}: string old_string is required")
        old, new, every = validate(edit.get("old_string"), edit.get("new_string"),
                                   edit.get("replace_all", _ABSENT) if "replace_all" in edit else _ABSENT, n)
        if n > 0 and old == "":
            raise EditError(f"Edit at index {n}: old_string cannot be empty. Only the first edit can have an empty "
                            "old_string for insertion at the beginning of the file.")
        checked.append((old, new, every))
    return checked
