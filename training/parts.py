"""Files split into parts of bounded size with a manifest of sha256 sums, and joined back, checked.

How a base model reaches a GPU machine that takes a few tens of MiB per transfer, and how the adapter
comes back. Every step is resumable: a part already in place with the right sum is kept.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"
CHUNK = 1 << 20


class PartsError(RuntimeError):
    pass


@dataclass(frozen=True)
class Part:
    name: str
    size: int
    sha256: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def split(source: Path, directory: Path, part_bytes: int) -> dict:
    """Cut `source` into NAME.partNN files of at most `part_bytes` in `directory`, with manifest.json."""
    if part_bytes <= 0:
        raise PartsError("the part size must be positive")
    directory.mkdir(parents=True, exist_ok=True)
    whole = hashlib.sha256()
    parts: list[Part] = []
    with source.open("rb") as fh:
        index = 0
        while block := fh.read(part_bytes):
            whole.update(block)
            name = f"{source.name}.part{index:02d}"
            target = directory / name
            part_sum = hashlib.sha256(block).hexdigest()
            if not (target.is_file() and target.stat().st_size == len(block) and sha256_of(target) == part_sum):
                tmp = target.with_name(name + ".tmp")
                tmp.write_bytes(block)
                os.replace(tmp, target)
            parts.append(Part(name, len(block), part_sum))
            index += 1
    manifest = {"file": source.name, "size": sum(p.size for p in parts), "sha256": whole.hexdigest(),
                "parts": [p.__dict__ for p in parts]}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        [Part(**p) for p in manifest["parts"]]  # noqa: B018 - shape check
        manifest["file"], manifest["sha256"], int(manifest["size"])  # noqa: B018
    except FileNotFoundError:
        raise PartsError(f"no {path}: the manifest travels with the parts (made by `split`)") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise PartsError(f"{path} is not a parts manifest ({exc})") from None
    return manifest


def check(directory: Path, manifest: dict | None = None) -> tuple[list[str], list[str]]:
    """(missing, damaged) part names in `directory`."""
    manifest = manifest or read_manifest(directory)
    missing, damaged = [], []
    for raw in manifest["parts"]:
        part = Part(**raw)
        path = directory / part.name
        if not path.is_file():
            missing.append(part.name)
        elif path.stat().st_size != part.size or sha256_of(path) != part.sha256:
            damaged.append(part.name)
    return missing, damaged


def join(directory: Path, target: Path) -> Path:
    """The parts of `directory` joined into `target`, whose size and sha256 must equal the manifest's.

    A `target` that already has them is kept as it is."""
    manifest = read_manifest(directory)
    if target.is_file() and target.stat().st_size == manifest["size"] and sha256_of(target) == manifest["sha256"]:
        return target
    missing, damaged = check(directory, manifest)
    if missing or damaged:
        problems = ([f"missing {', '.join(missing)}"] if missing else []) + \
                   ([f"damaged (size or sha256 differs) {', '.join(damaged)}"] if damaged else [])
        raise PartsError(f"{directory}: cannot join {manifest['file']}: {'; '.join(problems)}; send those parts "
                         "again and rerun")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    whole = hashlib.sha256()
    with partial.open("wb") as out:
        for raw in manifest["parts"]:
            with (directory / raw["name"]).open("rb") as fh:
                while block := fh.read(CHUNK):
                    whole.update(block)
                    out.write(block)
    if whole.hexdigest() != manifest["sha256"]:
        partial.unlink(missing_ok=True)
        raise PartsError(f"{target}: the joined file's sha256 differs from the manifest's")
    os.replace(partial, target)
    return target
