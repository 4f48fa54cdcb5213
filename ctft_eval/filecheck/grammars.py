"""Does a file a model wrote parse? Each kind of file by its own parser, never by running it.

Python: `ast`; JSON, TOML: the standard loaders; YAML: the suite loader's bounded safe loader;
TypeScript/TSX, JavaScript, Go, Rust, Java, Kotlin, Ruby, HTML, shell (bash), Dockerfile:
tree-sitter 0.26 with the per-language grammar wheels (they load offline). There is no Vue
grammar wheel: a `.vue` file's `<script>` is parsed as TypeScript or JavaScript and its
`<template>` as HTML, apart. Other files (.editorconfig, .gitignore, SQL, Markdown …) have no
parser here: only their checks judge them.

Caps: a file larger than SIZE_LIMIT is not parsed (`parse_limit`); a tree-sitter parse stops after
TIME_LIMIT seconds (`parse_limit`); the Python and YAML parsers' nesting errors are caught.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import time
import tomllib
import warnings
from dataclasses import dataclass, field
from functools import cache
from posixpath import basename
from typing import Any

SIZE_LIMIT = 1_000_000
TIME_LIMIT = 2.0
SYNTAX = "file_syntax"
"""The file does not parse in its language."""
LIMIT = "parse_limit"
"""The file is too large, or its parse ran past the time limit: a named failure, not a pass."""

TREE_SITTER = {  # language: (module, function)
    "python": ("tree_sitter_python", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "javascript": ("tree_sitter_javascript", "language"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "kotlin": ("tree_sitter_kotlin", "language"),
    "ruby": ("tree_sitter_ruby", "language"),
    "html": ("tree_sitter_html", "language"),
    "bash": ("tree_sitter_bash", "language"),
    "dockerfile": ("tree_sitter_dockerfile", "language"),
}
_EXTENSIONS = {
    ".py": "python", ".pyi": "python", ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".tsx": "tsx", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".go": "go", ".rs": "rust", ".java": "java", ".kt": "kotlin", ".kts": "kotlin", ".rb": "ruby",
    ".html": "html", ".htm": "html", ".sh": "bash", ".bash": "bash", ".json": "json", ".yaml": "yaml",
    ".yml": "yaml", ".toml": "toml", ".vue": "vue",
}


def language_of(path: str) -> str | None:
    """The language a file is parsed as, by its name; None when there is no parser for it here."""
    name = basename(path)
    if name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".dockerfile"):
        return "dockerfile"
    dot = name.rfind(".")
    return _EXTENSIONS.get(name[dot:].lower()) if dot > 0 else None


@cache
def tree_sitter_language(language: str) -> Any:
    import tree_sitter

    module, function = TREE_SITTER[language]
    with warnings.catch_warnings():  # older grammar wheels hand over an int pointer (deprecated, works)
        warnings.simplefilter("ignore", DeprecationWarning)
        return tree_sitter.Language(getattr(importlib.import_module(module), function)())


def versions() -> dict[str, str]:
    """The parsers that judge written files, with their versions (for the record)."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ["tree-sitter", *sorted({m.replace("_", "-") for m, _ in TREE_SITTER.values()}), "pyflakes",
                    "pglast"]:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "missing"
    return found


@dataclass
class Parsed:
    language: str | None
    problem: str | None = None
    """Why it does not parse (with the line), or None."""
    failure: str | None = None
    """SYNTAX or LIMIT when it does not parse."""
    trees: list[tuple[str, Any]] = field(default_factory=list)
    """(language, tree-sitter tree) of each part parsed with tree-sitter (the queries run on them)."""
    note: str = ""
    module: ast.Module | None = None
    """A Python file's syntax tree (ctft_eval.filecheck.sanity reads its names)."""


def _tree(language: str, text: str, offset_line: int = 0) -> tuple[Any, str | None, str | None]:
    import tree_sitter

    parser = tree_sitter.Parser(tree_sitter_language(language))
    deadline = time.monotonic() + TIME_LIMIT
    stopped = []

    def progress(*_state: Any) -> bool:
        if time.monotonic() > deadline:
            stopped.append(True)
            return True
        return False

    data = text.encode("utf-8", "surrogatepass")
    # the progress callback (the time cap) is called only when the text comes through a read callback
    try:
        tree = parser.parse(lambda offset, _point: data[offset:offset + 65536], progress_callback=progress)
    except ValueError:  # tree-sitter's "Parsing failed": the callback stopped it
        tree = None
    if tree is None or stopped:
        return None, f"its {language} parse ran past {TIME_LIMIT:g} s", LIMIT
    if tree.root_node.has_error:
        bad = _first_error(tree.root_node)
        line = (bad.start_point[0] if bad is not None else 0) + 1 + offset_line
        what = "a missing " + bad.type if bad is not None and bad.is_missing else "a syntax error"
        return tree, f"it does not parse as {language}: {what} at line {line}", SYNTAX
    return tree, None, None


def _first_error(node: Any) -> Any:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_error or current.is_missing:
            return current
        stack.extend(reversed([c for c in current.children if c.has_error or c.is_missing]))
    return None


_VUE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)
_VUE_TEMPLATE = re.compile(r"<template\b([^>]*)>(.*)</template>", re.S)  # greedy: templates nest <template>


def parse(path: str, text: str) -> Parsed:
    language = language_of(path)
    if language is None:
        return Parsed(None, note="no parser for this kind of file: its checks alone judge it")
    if len(text) > SIZE_LIMIT:
        return Parsed(language, f"it is {len(text):,} characters, more than the {SIZE_LIMIT:,} parsed", LIMIT)
    module = None
    if language == "python":
        try:
            module = ast.parse(text)
        except SyntaxError as exc:
            return Parsed(language, f"it does not parse as Python: {exc.msg} at line {exc.lineno}", SYNTAX)
        except (RecursionError, MemoryError, ValueError) as exc:
            return Parsed(language, f"Python's parser gave up: {type(exc).__name__}", LIMIT)
    if language == "json":
        try:
            json.loads(text)
        except (ValueError, RecursionError) as exc:
            return Parsed(language, f"it is not JSON: {exc}", SYNTAX)
        return Parsed(language)
    if language == "toml":
        try:
            tomllib.loads(text)
        except (tomllib.TOMLDecodeError, RecursionError) as exc:
            return Parsed(language, f"it is not TOML: {exc}", SYNTAX)
        return Parsed(language)
    if language == "yaml":
        from ctft_eval.suite_yaml import YAMLProblem, load

        try:
            load(text.encode("utf-8", "surrogatepass"))
        except YAMLProblem as exc:
            return Parsed(language, f"it is not YAML the safe loader reads: {exc}", SYNTAX)
        return Parsed(language)
    if language == "vue":
        return _vue(text)
    if language == "dockerfile" and not text.endswith("\n"):
        text += "\n"  # tree-sitter-dockerfile 0.2 wants a final newline that Docker does not
    tree, problem, failure = _tree(language, text)
    if language == "python":  # ast decides whether Python parses; the tree is for the queries
        problem = failure = None
    return Parsed(language, problem, failure, [(language, tree)] if tree is not None else [], module=module)


def _vue(text: str) -> Parsed:
    parsed = Parsed("vue", note="no Vue grammar: its <script> and <template> are parsed apart")
    blocks = [("script", m.group(1), m.start(2), m.group(2)) for m in _VUE_SCRIPT.finditer(text)]
    scripts_removed = _VUE_SCRIPT.sub(lambda m: " " * len(m.group(0)), text)  # a '</template>' in a script
    template = _VUE_TEMPLATE.search(scripts_removed)
    if template is not None:
        blocks.append(("template", template.group(1), template.start(2), text[template.start(2):template.end(2)]))
    for kind, attributes, start, body in blocks:
        if kind == "script":
            language = "typescript" if re.search(r"lang\s*=\s*[\"']ts[\"']", attributes) else "javascript"
        else:
            language = "html"
        tree, problem, failure = _tree(language, body, text.count("\n", 0, start))
        if tree is not None:
            parsed.trees.append((language, tree))
        if problem and parsed.problem is None:
            parsed.problem, parsed.failure = f"its <{kind}>: {problem}", failure
    if not parsed.trees and parsed.problem is None:
        parsed.problem, parsed.failure = "it has no <script> or <template> block", SYNTAX
    return parsed
