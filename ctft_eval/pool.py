"""A small pool of daemon worker threads whose shutdown never waits for a request in flight.

concurrent.futures.ThreadPoolExecutor joins its workers on shutdown and again when the interpreter
exits, so one request stuck on a silent server keeps an interrupted run alive until its timeout.
These workers are daemon threads that nobody joins: after `shutdown` the caller goes on at once,
queued work is cancelled, and a worker still inside a request ends with the process. No pytest in
here.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

_STOP = object()


class DaemonPool:
    def __init__(self, max_workers: int, name: str = "ctft-worker"):
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._pending: list[Future[Any]] = []
        self._lock = threading.Lock()
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name=f"{name}_{i}", daemon=True)
                         for i in range(max(1, max_workers))]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("submit after shutdown")
            self._pending.append(future)
        self._queue.put((future, fn, args))
        return future

    def shutdown(self) -> None:
        """Cancel what has not started; never wait for what has."""
        with self._lock:
            self._closed = True
            pending, self._pending = self._pending, []
        for future in pending:
            future.cancel()  # (no effect on a running or finished one)
        for _ in self._threads:
            self._queue.put(_STOP)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            future, fn, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to the waiting thread, which decides
                future.set_exception(exc)
            else:
                future.set_result(result)

    def __enter__(self) -> DaemonPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
