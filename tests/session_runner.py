"""Running `pytest --backend=...` in a subprocess whose output is read as it comes, and a
double's responder that stalls like a server that hangs (for the session fault tests)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from doubles.ollama_server import OllamaDouble
from doubles.openai_server import OpenAIDouble
from doubles.oracle import Oracle
from doubles.scripted import Scripted

STALL_S = 120.0


class Session:
    """`pytest` in a subprocess whose output is read as it comes."""

    def __init__(self, project: Path, *args: str):
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", "suites", "-p", "no:cacheprovider", "-rf", "--ctft-tools=all",
             "--ctft-provider=openai", *args],
            cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            # a job started in the background inherits SIGINT ignored; give the child the default
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_for(self, pattern: str, limit: float = 60.0) -> None:
        deadline = time.monotonic() + limit
        while not any(re.search(pattern, line) for line in self.lines):
            assert self.proc.poll() is None, self.output
            assert time.monotonic() < deadline, f"no line matching {pattern!r}:\n{self.output}"
            time.sleep(0.05)

    def interrupt(self, times: int = 1) -> float:
        """SIGINT, as Ctrl-C sends it; the time it was sent."""
        sent = time.monotonic()
        for n in range(times):
            if n:
                time.sleep(0.05)
            os.kill(self.proc.pid, signal.SIGINT)
        return sent

    def finish(self, limit: float = 120.0) -> int:
        try:
            code = self.proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        self.reader.join(5)
        return code

    @property
    def output(self) -> str:
        return "".join(self.lines)


def stalling(oracle: Oracle, answered: int):
    """The oracle's answers for the first `answered` requests, then a server that never answers."""
    count, lock = [0], threading.Lock()

    def respond(request: dict) -> Scripted:
        answer = oracle(request)
        with lock:
            count[0] += 1
            if count[0] > answered:
                answer.delay = STALL_S
        return answer

    return respond


def backend_args(kind: str, server) -> list[str]:
    if kind == "openai":
        return [f"--backend=openai:m@{server.base_url}"]
    return ["--backend=ollama:m", f"--ollama-host={server.url}"]


DOUBLES = {"ollama": OllamaDouble, "openai": OpenAIDouble}
