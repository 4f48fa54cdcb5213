"""llama.cpp's threads: one setting for generation and prompt evaluation alike, and a default that
leaves room for other work (llama.cpp's workers spin while they wait)."""

from __future__ import annotations

import os

import pytest
from conftest import require_model

from ctft_eval.backends import BackendSpec, cpu_load, llamacpp
from ctft_eval.settings import Settings


def fake_machine(monkeypatch, cores: int, busy: list[int] | None, own_seconds: float = 0.0) -> None:
    """A machine of `cores` cores on which other processes keep `busy` ticks of every 100 busy over
    the window (None: /proc/stat unreadable); this process used `own_seconds` of CPU meanwhile."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)), raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    readings = iter([(0, 0), (busy[0], 100)] if busy is not None else [None, None])
    monkeypatch.setattr(cpu_load, "_busy_and_total", lambda: next(readings))
    own = iter([10.0, 10.0 + own_seconds])
    monkeypatch.setattr(cpu_load, "_own_seconds", lambda: next(own))
    monkeypatch.setattr(cpu_load.time, "sleep", lambda _s: None)


@pytest.mark.parametrize("cores, busy, threads", [
    (2, 0, 2),     # idle: every core
    (2, 50, 1),    # one core busy elsewhere (50 of 100 ticks on 2 cores): one thread
    (2, 100, 1),   # both busy: still one
    (2, 20, 2),    # a little noise: every core
    (4, 25, 3),
    (16, 50, 8),
    (1, 0, 1),
])
def test_the_default_is_the_cores_other_processes_leave(monkeypatch, cores: int, busy: int, threads: int):
    fake_machine(monkeypatch, cores, [busy])
    choice = cpu_load.default_threads()
    assert choice.threads == threads
    assert f"{cores} usable cores" in choice.why


def test_this_process_own_work_is_not_counted_as_other_work(monkeypatch):
    fake_machine(monkeypatch, 2, [50], own_seconds=cpu_load.WINDOW)  # the busy core was this process
    assert cpu_load.default_threads().threads == 2


@pytest.mark.parametrize("cores, threads", [(1, 1), (2, 1), (3, 1), (4, 2), (16, 8)])
def test_without_proc_stat_the_default_is_half_the_usable_cores(monkeypatch, cores: int, threads: int):
    fake_machine(monkeypatch, cores, None)
    choice = cpu_load.default_threads()
    assert choice == (threads, f"half of {cores} usable cores (the machine's load could not be read)")


def test_the_load_is_read_from_proc_stat(tmp_path, monkeypatch):
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n")
    monkeypatch.setattr(cpu_load, "STAT", stat)
    assert cpu_load._busy_and_total() == (150, 1000)
    stat.write_text("garbage\n")
    assert cpu_load._busy_and_total() is None
    monkeypatch.setattr(cpu_load, "STAT", tmp_path / "absent")
    assert cpu_load._busy_and_total() is None


def test_threads_reach_generation_and_prompt_evaluation():
    require_model("smollm2-135m")
    backend = llamacpp.LlamaCppBackend(BackendSpec("llamacpp", "smollm2-135m"), Settings(threads=1), {})
    try:
        identity = backend.preflight(("native",))
        assert backend.llm is not None
        assert (backend.llm.n_threads, backend.llm.n_threads_batch) == (1, 1)
        assert backend.llm.context_params.n_threads_batch == 1
        assert identity.details["threads"] == 1
        assert identity.details["threads_chosen_by"] == "set (threads)"
    finally:
        backend.close()
