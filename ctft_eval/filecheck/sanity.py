"""What the language's own tools would refuse in a file that parses, found without running it.

- Python: a name used but never defined or imported (pyflakes' undefined-name findings: `abort(404)`
  without `from flask import abort` is a NameError at the first request);
- Go: an import the file never uses (the Go compiler refuses the package: "imported and not used");
- Dockerfile: `COPY --from=NAME` where NAME is no earlier stage and no image reference (the build
  tries to pull an image called NAME and fails);
- SQL, where a case says `parses: postgresql`: PostgreSQL's own parser (pglast, libpg_query).

Each finding is a named failure with the line: `undefined_name`, `unused_import`, `unknown_stage`,
`file_syntax`. A placeholder edit (judged on its lines alone) is not checked here: its lines refer
to code they do not show.
"""

from __future__ import annotations

import ast
import re
from typing import Any

UNDEFINED = "undefined_name"
UNUSED_IMPORT = "unused_import"
UNKNOWN_STAGE = "unknown_stage"


def python(module: ast.Module) -> tuple[str, str] | None:
    from pyflakes import checker, messages

    try:
        found = checker.Checker(module, "file").messages
    except (RecursionError, MemoryError):
        return None  # (the parse already bounds what reaches here; a checker that gives up finds nothing)
    undefined = sorted((m for m in found if isinstance(m, (messages.UndefinedName, messages.UndefinedLocal))),
                       key=lambda m: m.lineno)
    if not undefined:
        return None
    first = undefined[0]
    return UNDEFINED, f"it uses {first.message_args[0]!r} at line {first.lineno}, which is never defined or imported"


def _go_names(node: Any, out: set[str]) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "import_declaration":
            continue
        if current.type in ("identifier", "package_identifier", "type_identifier", "field_identifier"):
            out.add(current.text.decode("utf-8", "replace"))
        stack.extend(current.children)


def go(tree: Any) -> tuple[str, str] | None:
    used: set[str] = set()
    _go_names(tree.root_node, used)
    stack = [tree.root_node]
    while stack:
        current = stack.pop()
        stack.extend(current.children)
        if current.type != "import_spec":
            continue
        alias = current.child_by_field_name("name")
        path = current.child_by_field_name("path")
        if path is None:
            continue
        target = path.text.decode("utf-8", "replace").strip('"`')
        if alias is not None:
            name = alias.text.decode("utf-8", "replace")
            if name in ("_", "."):
                continue
        else:
            parts = [p for p in target.split("/") if p]
            if len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]):
                parts.pop()
            name = re.sub(r"\.v\d+$", "", parts[-1] if parts else target).replace("-", "_")
            name = name.removeprefix("go_").removesuffix("_go")
        if name not in used:
            return UNUSED_IMPORT, f"it imports {target!r} (line {current.start_point[0] + 1}) but never uses it: " \
                                  "Go refuses to build it"
    return None


_FROM = re.compile(r"(?im)^[ \t]*FROM[ \t]+(?:--platform=\S+[ \t]+)?(\S+)(?:[ \t]+AS[ \t]+(\S+))?")
_COPY_FROM = re.compile(r"(?im)^[ \t]*(?:COPY|ADD)\b[^\n]*?--from=(\S+)")


def dockerfile(text: str) -> tuple[str, str] | None:
    stages: list[str] = []
    events = sorted([(m.start(), "from", m) for m in _FROM.finditer(text)] +
                    [(m.start(), "copy", m) for m in _COPY_FROM.finditer(text)], key=lambda e: e[0])
    for start, kind, match in events:
        if kind == "from":
            stages.append((match.group(2) or "").lower())
            continue
        source = match.group(1).strip("\"'")
        known = source.lower() in stages[:-1] or (source.isdigit() and int(source) < len(stages) - 1)
        if not known and not re.search(r"[/:.@]", source):
            line = text.count("\n", 0, start) + 1
            return UNKNOWN_STAGE, f"line {line} copies --from={source}, which is no earlier stage (the build " \
                                  "would pull an image of that name)"
    return None


def postgresql(text: str) -> tuple[str, str] | None:
    import pglast

    try:
        pglast.parse_sql(text)
    except pglast.parser.ParseError as exc:
        return "file_syntax", f"PostgreSQL does not parse it: {exc}"
    except Exception as exc:  # noqa: BLE001 - any other refusal of libpg_query is the parser giving up
        return "parse_limit", f"PostgreSQL's parser gave up: {type(exc).__name__}"
    return None
