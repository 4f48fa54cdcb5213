"""Reading a suite file's YAML with limits, so that a broken or hostile file is one clear error.

PyYAML's SafeLoader builds only plain data, but on its own it
- recurses once per nesting level, so `[[[[...` a few thousand deep overflows the stack;
- lets an alias share the node its anchor names, so a few hundred bytes ("billion laughs") stand for
  a document of 10^9 nodes, which anything that walks it (an error message, a schema check) expands;
- accepts an alias inside its own anchor (a cycle), and keeps the last of duplicate keys silently;
- lets a scalar's conversion raise ValueError (an int of 5,000 digits, the 13th month of a date).

Here anchors and aliases stay allowed (the shipped suites share tool lists with them), within bounds:
the file is at most MAX_BYTES; no node is nested deeper than MAX_DEPTH, counted in the document as
aliases expand it (refused while composing, before it recurses further); the expanded document holds
at most MAX_EXPANDED units (a node is one, a scalar one more per character; an alias counts as all
of the node it names); no node contains itself; no mapping repeats a key. Every problem is one
YAMLProblem whose message names the line; ctft_eval.cases makes it a SuiteError.
"""

from __future__ import annotations

from typing import Any, BinaryIO

import yaml

MAX_BYTES = 1 << 20
MAX_DEPTH = 64
MAX_EXPANDED = 2_000_000
_MERGE = "tag:yaml.org,2002:merge"


class YAMLProblem(ValueError):
    """The file is not YAML a suite can be read from; the message says why and where."""


def _at(mark: yaml.Mark | None) -> str:
    return f" at line {mark.line + 1}" if mark is not None else ""


class _Limit(yaml.YAMLError):
    def __init__(self, message: str, mark: yaml.Mark | None):
        super().__init__(message)
        self.message, self.mark = message, mark


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: bytes):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Limit(f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError) as exc:
            raise _Limit(f"not valid YAML{_at(node.start_mark)}: cannot read the value: {exc}", None) from None


def read_bounded(stream: BinaryIO) -> bytes:
    """The file's bytes; a YAMLProblem when there are more than MAX_BYTES."""
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise YAMLProblem(f"larger than {MAX_BYTES} bytes (a suite file is at most 1 MiB)")
    return raw


def load(raw: bytes) -> tuple[Any, list[int]]:
    """The document's data, and the line (1-based) of each item of its top-level `cases` list."""
    if len(raw) > MAX_BYTES:
        raise YAMLProblem(f"larger than {MAX_BYTES} bytes (a suite file is at most 1 MiB)")
    loader = None
    try:
        loader = _Loader(raw)  # the reader decodes the first bytes already
        node = loader.get_single_node()
        if node is None:
            return None, []
        _Weigher().weigh(node, 1)
        data = loader.construct_document(node)
    except _Limit as exc:
        raise YAMLProblem(exc.message + _at(exc.mark)) from None
    except yaml.reader.ReaderError as exc:
        raise YAMLProblem(f"not valid text at byte {exc.position}: {exc.reason} "
                          f"(a suite file is UTF-8 or UTF-16, without control characters)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YAMLProblem(f"not valid YAML{_at(mark)}: {getattr(exc, 'problem', None) or exc}") from None
    except RecursionError:  # not expected within MAX_DEPTH; still a clear error, never a crash
        raise YAMLProblem("nested too deeply to read") from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, _case_lines(node)


class _Weigher:
    """Walks the composed node graph once (aliases are shared nodes, each weighed once)."""

    def __init__(self) -> None:
        self.known: dict[int, tuple[int, int]] = {}  # id(node) -> (weight, height)
        self.open: set[int] = set()

    def weigh(self, node: yaml.Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in self.open:
            raise _Limit("a YAML alias refers to a node that contains it", node.start_mark)
        if key in self.known:
            weight, height = self.known[key]
        elif isinstance(node, yaml.ScalarNode):
            weight, height = 1 + len(node.value), 1
        else:
            if depth > MAX_DEPTH:
                raise _Limit(f"nested deeper than {MAX_DEPTH} levels (counting what aliases stand for)",
                             node.start_mark)
            self.open.add(key)
            children = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
            weight, height = 1, 1
            for child in children:
                w, h = self.weigh(child, depth + 1)
                weight, height = weight + w, max(height, h + 1)
                if weight > MAX_EXPANDED:
                    break
            self.open.discard(key)
            if isinstance(node, yaml.MappingNode):
                _no_duplicate_keys(node)
            self.known[key] = (weight, height)
        if depth - 1 + height > MAX_DEPTH:
            raise _Limit(f"nested deeper than {MAX_DEPTH} levels (counting what aliases stand for)", node.start_mark)
        if weight > MAX_EXPANDED:
            raise _Limit(f"YAML aliases expand to more than {MAX_EXPANDED:,} nodes and characters", node.start_mark)
        return weight, height


def _no_duplicate_keys(node: yaml.MappingNode) -> None:
    seen: set[tuple[str, str]] = set()
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE:
            if (key.tag, key.value) in seen:
                raise _Limit(f"duplicate key {key.value[:80]!r}", key.start_mark)
            seen.add((key.tag, key.value))


def _case_lines(root: yaml.Node) -> list[int]:
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "cases" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return []
