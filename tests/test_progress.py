"""Progress of the fetch: a bar on a terminal (a pty), plain lines elsewhere, an estimate that means
something early (chains spread among the single cases)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

import pytest
from conftest import SMALL_SUITE
from doubles.ollama_server import OllamaDouble
from doubles.oracle import Oracle

from ctft_eval import progress
from ctft_eval.fetch import interleaved


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_off_a_terminal_a_line_at_each_tenth(monkeypatch):
    lines: list[str] = []
    clock = Clock()
    shown = progress.Progress(40, lines.append, clock=clock)
    try:
        for _ in range(40):
            clock.now += 1
            shown.advance(1)
    finally:
        shown.close()
    assert [line.split()[1] for line in lines] == [f"{n}/40" for n in range(4, 41, 4)]
    assert "about 36 s left" in lines[0] and lines[-1] == "ctft-eval: 40/40 requests (40 s)"


def test_off_a_terminal_a_line_after_ten_seconds_and_every_minute(monkeypatch):
    monkeypatch.setattr(progress, "FIRST_LINE_S", 0.2)
    monkeypatch.setattr(progress, "EVERY_S", 0.5)
    lines: list[str] = []
    shown = progress.Progress(1000, lines.append)
    try:
        time.sleep(1.5)  # the ticker looks every second
        first = list(lines)
        time.sleep(1.5)
    finally:
        shown.close()
    assert first and first[0].startswith("ctft-eval: 0/1000 requests (")
    assert len(lines) >= 2


def test_a_chain_that_stops_early_shrinks_the_total():
    lines: list[str] = []
    shown = progress.Progress(10, lines.append)
    try:
        shown.advance(1, total=5)  # a 6-step chain answered at its first step
        shown.advance(4)
    finally:
        shown.close()
    assert lines[-1].startswith("ctft-eval: 5/5 requests")


def test_chains_are_spread_among_the_single_cases():
    class Fake:
        def __init__(self, steps: int):
            self.steps = [None] * steps

    cases = {f"s{n}": Fake(0) for n in range(9)} | {"c1": Fake(3), "c2": Fake(3)}
    keys = [("b", "native", c) for c in cases] + [("b", "continue", c) for c in cases]
    order = [k[2] for k in interleaved(keys, cases)]  # type: ignore[arg-type]
    native = order[:11]
    assert [k[1] for k in interleaved(keys, cases)][:11] == ["native"] * 11  # each channel kept together
    assert native.index("c1") in (3, 4) and native.index("c2") in (6, 7, 8)
    assert sorted(order) == sorted(k[2] for k in keys)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_on_a_terminal_a_bar_from_the_first_seconds(pytester, small_cases):
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    with OllamaDouble(Oracle(small_cases, slow_seconds=0.3)) as server:
        master, slave = pty.openpty()
        env = dict(os.environ, COLUMNS="100", TERM="xterm")
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", "suites", "-p", "no:cacheprovider", "--backend=ollama:m",
             f"--ollama-host={server.url}", "--ctft-channel=both", "--ctft-concurrency=1"],
            cwd=pytester.path, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
        os.close(slave)
        out = b""
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                ready, _, _ = select.select([master], [], [], 1.0)
                if ready:
                    try:
                        chunk = os.read(master, 65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    out += chunk
                elif proc.poll() is not None:
                    break
        finally:
            proc.wait(30)
            os.close(master)
    text = out.decode("utf-8", "replace")
    assert "ctft-eval: fetching" in text and "req/s" in text and "\r" in text, text[-2000:]
    assert "12/12" in text
