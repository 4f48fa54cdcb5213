"""A GGUF file's header, read without llama.cpp: to say why a model file does not load.

llama-cpp-python reports every failed load as "Failed to load model from file" (llama.cpp's own
reason goes to its log, which a quiet load turns off). The header (magic, version, metadata,
tensor descriptions) names the usual causes: an empty file, a file that is something else (a Git
LFS pointer, an HTML page saved by a download), a format version llama.cpp does not read, a
big-endian file, damaged metadata, and a file cut short (an interrupted download or copy), which
is shorter than its tensors need. Tensor sizes are known for the common ggml types; a tensor of
another type counts only up to where its data starts.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_MAGIC = b"GGUF"
_VERSIONS = (2, 3)
"""The versions llama.cpp reads (1, the first, is no longer read)."""
_MAX_DIMS = 4
_DEFAULT_ALIGNMENT = 32
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9
_BLOCKS = {0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34), 9: (32, 40),
           10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210), 15: (256, 292),
           24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8), 30: (1, 2)}
"""ggml tensor type -> (elements per block, bytes per block), for the common types."""
_OTHER_FILES = ((b"version https://git-lfs", "a Git LFS pointer, not the model (fetch it: git lfs pull)"),
                (b"<!doctype html", "an HTML page (a download that saved a web page?)"),
                (b"<html", "an HTML page (a download that saved a web page?)"),
                (b"\x1f\x8b", "gzip-compressed (unpack it first)"),
                (b"PK\x03\x04", "a zip archive (unpack it first)"))


class BrokenGGUF(Exception):
    """Why the file is no GGUF llama.cpp could load, said for a person."""


@dataclass(frozen=True)
class Header:
    version: int
    architecture: str | None
    tensors: int
    size: int
    """Bytes the file has, which are at least what its tensors need."""


class _Cut(Exception):
    """The file ends inside what its header describes."""


class _Reader:
    def __init__(self, data: Any):
        self.data, self.pos = data, 0

    def skip(self, count: int) -> None:
        if count < 0 or self.pos + count > len(self.data):
            raise _Cut
        self.pos += count

    def take(self, fmt: str) -> Any:
        start = self.pos
        self.skip(struct.calcsize("<" + fmt))
        return struct.unpack_from("<" + fmt, self.data, start)[0]

    def string(self) -> bytes:
        length = self.take("Q")
        start = self.pos
        self.skip(length)
        return bytes(self.data[start:self.pos])

    def value(self, kind: int, key: str) -> Any:
        if kind in _SCALARS:
            return self.take(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind != _ARRAY:
            raise BrokenGGUF(f"its metadata is damaged: {key!r} has value type {kind}, which GGUF does not have")
        inner, count = self.take("I"), self.take("Q")
        if inner in _SCALARS:
            self.skip(count * struct.calcsize("<" + _SCALARS[inner]))
        else:  # strings or arrays, one after another (each takes bytes: a lying count meets the end)
            for _ in range(count):
                self.value(inner, key)
        return None


def read_header(path: Path) -> Header:
    """The header of the GGUF at `path`; BrokenGGUF says what is wrong with it."""
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                raise BrokenGGUF("the file is empty (0 bytes)")
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                try:
                    return _read(_Reader(data), size)
                except _Cut:
                    raise BrokenGGUF(f"the file is cut short: its {size:,} bytes end inside its header "
                                     "(an interrupted download or copy?)") from None
    except IsADirectoryError:
        raise BrokenGGUF("it is a directory, not a GGUF file") from None
    except OSError as exc:
        raise BrokenGGUF(f"the file cannot be read ({exc.strerror or exc})") from None
    except RecursionError:
        raise BrokenGGUF("its metadata is damaged (arrays nested without end)") from None


def _read(reader: _Reader, size: int) -> Header:
    head = bytes(reader.data[:32])
    if not head.startswith(_MAGIC):
        known = next((what for start, what in _OTHER_FILES if head.lower().startswith(start)), None)
        raise BrokenGGUF(f"it is not a GGUF file: {known or f'it starts with {head[:8]!r}, not {_MAGIC!r}'}")
    reader.skip(len(_MAGIC))
    version = reader.take("I")
    if version not in _VERSIONS:
        raise BrokenGGUF(_version_problem(version))
    tensors, entries = reader.take("Q"), reader.take("Q")
    meta: dict[str, Any] = {}
    for _ in range(entries):
        key = reader.string().decode("utf-8", "replace")
        meta[key] = reader.value(reader.take("I"), key)
    need = 0
    for _ in range(tensors):
        name = reader.string().decode("utf-8", "replace")
        dims = reader.take("I")
        if dims > _MAX_DIMS:
            raise BrokenGGUF(f"its tensor list is damaged: tensor {name!r} has {dims} dimensions (at most "
                             f"{_MAX_DIMS})")
        elements = 1
        for _ in range(dims):
            elements *= reader.take("Q")
        kind, offset = reader.take("I"), reader.take("Q")
        block, block_bytes = _BLOCKS.get(kind, (1, 0))
        need = max(need, offset + -(-elements // block) * block_bytes)
    alignment = meta.get("general.alignment")
    alignment = alignment if isinstance(alignment, int) and alignment > 0 else _DEFAULT_ALIGNMENT
    need += -(-reader.pos // alignment) * alignment
    if need > size:
        raise BrokenGGUF(f"the file is cut short: it has {size:,} bytes, but its tensors need {need:,} "
                         "(an interrupted download or copy?)")
    architecture = meta.get("general.architecture")
    return Header(version, architecture.decode("utf-8", "replace") if isinstance(architecture, bytes) else None,
                  tensors, size)


def _version_problem(version: int) -> str:
    swapped = int.from_bytes(version.to_bytes(4, "little"), "big")
    if swapped in (1, *_VERSIONS):
        return "it is a big-endian GGUF; this machine reads little-endian ones (gguf-convert-endian converts it)"
    if version == 1:
        return "it is a GGUF of version 1, which llama.cpp no longer reads (convert the model again)"
    return f"it is a GGUF of version {version}, which llama.cpp does not read (it reads versions 2 and 3)"
