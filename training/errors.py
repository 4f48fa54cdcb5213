"""Errors of the pipeline's steps that the CLI reports as one line. Kept apart from the modules that
raise them where those import heavy packages at import time (to_gguf imports numpy), so that the
CLI can list them without those packages."""

from __future__ import annotations


class ConversionError(RuntimeError):
    """A fused model that the GGUF converter cannot convert (it says which tensor, dtype or setting)."""
