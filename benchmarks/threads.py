"""llama.cpp's threads on this machine: the same requests with 1 thread, with half the cores and with
every core, on an idle machine and beside one CPU-bound process, and the count the default picks in
each (ctft_eval.backends.cpu_load: the cores other processes leave). Prints seconds per request and
the ratio to one thread; asserts nothing.

    python benchmarks/threads.py [MODEL] [REQUESTS]     (MODEL: a default model name or a GGUF path)
"""

from __future__ import annotations

import multiprocessing
import sys
import time

from ctft_eval.backends import BackendSpec
from ctft_eval.backends.cpu_load import default_threads, usable_cores
from ctft_eval.backends.llamacpp import LlamaCppBackend
from ctft_eval.settings import Settings

PROMPTS = [
    "List three ways to speed up a slow SQL query, one line each.",
    "Write a Python function that reverses the words of a sentence.",
    "What does `git rebase --onto` do? Two sentences.",
]


def _burn(stop) -> None:  # one CPU-bound process: what a test run or a browser does beside the model
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def seconds_per_request(model: str, threads: int, requests: int) -> float:
    settings = Settings(threads=threads, max_tokens=64, num_ctx=4096, timeout=600.0, temperature=0.0)
    backend = LlamaCppBackend(BackendSpec("llamacpp", model), settings, {})
    backend.preflight(("native",))
    try:
        backend.chat([{"role": "user", "content": "hi"}], None, settings)  # warm-up
        started = time.perf_counter()
        for n in range(requests):
            backend.chat([{"role": "user", "content": PROMPTS[n % len(PROMPTS)]}], None, settings)
        return (time.perf_counter() - started) / requests
    finally:
        backend.close()


def main() -> None:
    model = sys.argv[1] if len(sys.argv) > 1 else "qwen2.5-coder-0.5b"
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    cores = usable_cores()
    counts = sorted({1, max(1, cores // 2), cores})
    print(f"{model}, {requests} requests of up to 64 tokens, {cores} usable cores")
    for load in ("idle", "beside one CPU-bound process"):
        stop = multiprocessing.Event()
        burner = multiprocessing.Process(target=_burn, args=(stop,), daemon=True) if load != "idle" else None
        if burner:
            burner.start()
        try:
            time.sleep(2 if burner else 0)  # (the burner busy before the default looks)
            choice = default_threads()
            times = {n: seconds_per_request(model, n, requests) for n in counts}
        finally:
            if burner:
                stop.set()
                burner.join(5)
        row = "  ".join(f"{n} thread(s): {t:6.2f} s ({t / times[1]:.2f}x)" for n, t in times.items())
        print(f"  {load:32} {row}  default: {choice.threads} ({choice.why})")


if __name__ == "__main__":
    main()
