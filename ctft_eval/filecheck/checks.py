"""A case's `writes:`: the file its call must leave behind, and the checks that file must pass.

```yaml
writes:
  file: app/routers/health.py        # the file the call must create or change (workspace-relative)
  parses: true                       # default: it must parse in the language its name says
  checks:                            # every one must hold; `says` is what a failure reports
    - contains: [APIRouter, /health]
    - regex: '@router\\.get\\(\\s*["'']/health'
      says: a GET /health route on the router
    - not_regex: 'response_model\\s*=\\s*dict\\('
      says: no dict instance as response_model (FastAPI raises at import)
    - query: '(call function: (identifier) @f (#eq? @f "useState"))'
      says: the hook keeps its value in React state
    - no_query: '...'
    - contains: def list_todos
      keeps: true                    # about code the user did not ask to change
```

Kinds: contains (every string), not_contains (none of them), regex, not_regex (the suite's regex
rules, bounded by ctft_eval.safe_regex), query, no_query (a tree-sitter query over the file's
trees: at least one match / none). A placeholder edit (`// ... existing code ...`) is merged into
the file by Continue's apply model, which is not deterministic: such an edit is judged on the lines
it writes alone, its parse is not checked, and `keeps: true` checks hold (the apply keeps that code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ctft_eval.filecheck import grammars, sanity
from ctft_eval.safe_regex import regex_problem, search
from ctft_eval.suite_fields import short

EDITS = ("create_new_file", "edit_existing_file", "single_find_and_replace", "multi_edit")
"""The tools whose calls write a file (applied by ctft_eval.runner.edits)."""
KINDS = ("contains", "not_contains", "regex", "not_regex", "query", "no_query")
CHECK_FAILED = "file_check"
"""The written file fails one of its case's checks."""
WRONG_FILE = "wrong_file"
"""The call wrote another file than the one the case asks for."""


@dataclass(frozen=True)
class Check:
    kind: str
    values: tuple[str, ...]
    says: str
    keeps: bool = False


DIALECTS = ("postgresql",)
"""Languages a case can name for a file its name does not decide (`parses: postgresql` for SQL)."""


@dataclass(frozen=True)
class Writes:
    file: str
    parses: bool | str
    checks: tuple[Check, ...]


def _query_problem(query: str) -> str | None:
    """A query must compile for at least one grammar (it is run on the trees it compiles for)."""
    import tree_sitter

    errors = []
    for language in grammars.TREE_SITTER:
        try:
            tree_sitter.Query(grammars.tree_sitter_language(language), query)
            return None
        except Exception as exc:  # noqa: BLE001 - tree-sitter raises QueryError and others
            errors.append(str(exc))
    return errors[0] if errors else "no grammar"


def parse_writes(raw: Any, fail) -> Writes | None:
    """A suite's `writes:` mapping, checked; `fail(message)` makes the suite error."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("file"), str) or not raw["file"].strip():
        raise fail("`writes` is a mapping with `file` (workspace-relative path) and `checks`")
    unknown = set(raw) - {"file", "parses", "checks"}
    if unknown:
        raise fail(f"`writes` has unknown keys {sorted(short(k) for k in unknown)}")
    parses = raw.get("parses", True)
    if not isinstance(parses, bool) and parses not in DIALECTS:
        raise fail(f"`writes.parses` is true, false or one of {', '.join(DIALECTS)}")
    items = raw.get("checks", [])
    if not isinstance(items, list):
        raise fail("`writes.checks` is a list")
    checks = []
    for n, item in enumerate(items, 1):
        where = f"`writes.checks` item {n}"
        if not isinstance(item, dict):
            raise fail(f"{where} is a mapping like {{contains: TEXT, says: WHY}}")
        kinds = [k for k in item if k in KINDS]
        if len(kinds) != 1 or set(item) - {*KINDS, "says", "keeps"}:
            raise fail(f"{where} has exactly one of {', '.join(KINDS)} (and optional says, keeps); got "
                       f"{sorted(short(k) for k in item)}")
        kind = kinds[0]
        values = item[kind] if isinstance(item[kind], list) else [item[kind]]
        if not values or not all(isinstance(v, str) and v for v in values):
            raise fail(f"{where}: {kind} takes non-empty text or a list of it")
        for value in values:
            problem = regex_problem(value) if kind in ("regex", "not_regex") else \
                _query_problem(value) if kind in ("query", "no_query") else None
            if problem:
                raise fail(f"{where}: bad {kind} {short(value)}: {problem}")
        says = item.get("says")
        if says is not None and not isinstance(says, str):
            raise fail(f"{where}: says is text")
        keeps = item.get("keeps", False)
        if not isinstance(keeps, bool):
            raise fail(f"{where}: keeps is true or false")
        checks.append(Check(kind, tuple(values), says or _default_says(kind, values), keeps))
    file = raw["file"].strip()
    return Writes(file[2:] if file.startswith("./") else file, parses, tuple(checks))


def _default_says(kind: str, values: list[str]) -> str:
    shown = ", ".join(repr(v) for v in values[:3])
    return {"contains": f"it contains {shown}", "not_contains": f"it does not contain {shown}",
            "regex": f"it matches {shown}", "not_regex": f"it does not match {shown}",
            "query": f"its syntax tree has {shown}", "no_query": f"its syntax tree has no {shown}"}[kind]


def _query_matches(query: str, trees: list[tuple[str, Any]]) -> bool | None:
    """Whether the query matches any tree it compiles for; None when it compiles for none of them."""
    import tree_sitter

    ran = False
    for language, tree in trees:
        try:
            compiled = tree_sitter.Query(grammars.tree_sitter_language(language), query)
        except Exception:  # noqa: BLE001 - the query is for another grammar
            continue
        ran = True
        cursor = tree_sitter.QueryCursor(compiled)
        cursor.set_timeout_micros(int(grammars.TIME_LIMIT * 1e6)) if hasattr(cursor, "set_timeout_micros") else None
        if cursor.matches(tree.root_node):
            return True
    return False if ran else None


def _holds(check: Check, text: str, trees: list[tuple[str, Any]]) -> bool:
    if check.kind == "contains":
        return all(v in text for v in check.values)
    if check.kind == "not_contains":
        return not any(v in text for v in check.values)
    if check.kind == "regex":
        return any(search(v, text) for v in check.values)
    if check.kind == "not_regex":
        return not any(search(v, text) for v in check.values)
    found = [_query_matches(v, trees) for v in check.values]
    if check.kind == "query":
        return any(f is True for f in found)
    return not any(f is True for f in found)


def _refused(parses: bool | str, parsed: grammars.Parsed, text: str) -> tuple[str, str] | None:
    """What the language's tools would refuse in a file that parses (ctft_eval.filecheck.sanity)."""
    if parses == "postgresql":
        return sanity.postgresql(text)
    if parsed.module is not None:
        return sanity.python(parsed.module)
    if parsed.language == "go" and parsed.trees:
        return sanity.go(parsed.trees[0][1])
    if parsed.language == "dockerfile":
        return sanity.dockerfile(text)
    return None


def judge(writes: Writes, path: str, text: str, partial: bool) -> tuple[str | None, str]:
    """(failure or None, reason) for the text a call left in `path`."""
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")  # as a UTF-8 file holds it
    if path != writes.file:
        return WRONG_FILE, f"wrote {path}, not {writes.file}"
    parsed = grammars.parse(path, text)
    if partial:  # a placeholder edit's lines need not parse: their trees serve the queries only
        parsed.problem = parsed.failure = None
    elif writes.parses:
        refused = (parsed.failure, parsed.problem) if parsed.problem else _refused(writes.parses, parsed, text)
        if refused is not None:
            return refused[0], f"{path}: {refused[1]}"
    failed = [c.says for c in writes.checks if not (partial and c.keeps) and not _holds(c, text, parsed.trees)]
    how = "its lines (a placeholder edit)" if partial else path
    if failed:
        more = f" (and {len(failed) - 1} more check(s))" if len(failed) > 1 else ""
        return CHECK_FAILED, f"{how} fails the check: {failed[0]}{more}"
    done = f"{len(writes.checks)} check(s) hold"
    language = writes.parses if isinstance(writes.parses, str) else parsed.language
    parsed_note = f", parses as {language}" if language and not partial and writes.parses else ""
    return None, f"{how}: {done}{parsed_note}"
