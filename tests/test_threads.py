"""llama.cpp's threads: one setting for generation and prompt evaluation alike, and a default that
leaves room for other work (llama.cpp's workers spin while they wait)."""

from __future__ import annotations

import os

import pytest
from conftest import require_model

from ctft_eval.backends import BackendSpec, llamacpp
from ctft_eval.settings import Settings


@pytest.mark.parametrize("cores, threads", [(1, 1), (2, 1), (3, 1), (4, 2), (16, 8)])
def test_the_default_is_half_the_usable_cores(monkeypatch, cores: int, threads: int):
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)), raising=False)
    assert llamacpp.default_threads() == threads


def test_threads_reach_generation_and_prompt_evaluation():
    require_model("smollm2-135m")
    backend = llamacpp.LlamaCppBackend(BackendSpec("llamacpp", "smollm2-135m"), Settings(threads=1), {})
    try:
        identity = backend.preflight(("native",))
        assert backend.llm is not None
        assert (backend.llm.n_threads, backend.llm.n_threads_batch) == (1, 1)
        assert backend.llm.context_params.n_threads_batch == 1
        assert identity.details["threads"] == 1
    finally:
        backend.close()
