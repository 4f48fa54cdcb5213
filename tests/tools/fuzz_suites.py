"""A larger fuzz of the suite loader than the test's, by hand: N mutants of valid suite files
(tests/suite_mutations.py), each must load or raise SuiteError; prints files tried, crashes (any
other exception, by type; a load over 10 s counts as the crash Hang) and the slowest load. Run it
under a memory limit (`ulimit -v 4000000`) when trying an older loader: alias bombs exhaust memory.

    python tests/tools/fuzz_suites.py [N] [SEED]
"""

from __future__ import annotations

import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from suite_mutations import base_texts, mutate  # noqa: E402

from ctft_eval.cases import SuiteError, load_suite  # noqa: E402

HANG_SECONDS = 10


class Hang(Exception):
    """A load that took more than HANG_SECONDS (counted as a crash)."""


def _hang(signum: int, frame: object) -> None:
    raise Hang(f"still loading after {HANG_SECONDS} s")


def main(n: int, seed: int) -> int:
    signal.signal(signal.SIGALRM, _hang)
    rng = random.Random(seed)
    bases = base_texts()
    crashes: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    slowest = (0.0, -1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        for i in range(n):
            path.write_bytes(mutate(rng, rng.choice(bases)))
            start = time.perf_counter()
            signal.alarm(HANG_SECONDS)
            try:
                load_suite(path)
                outcomes["loads"] += 1
            except SuiteError:
                outcomes["SuiteError"] += 1
            except Exception as exc:  # counting them is the point
                crashes[type(exc).__name__] += 1
                print(f"crash #{i}: {type(exc).__name__}: {str(exc)[:200]}")
            finally:
                signal.alarm(0)
            slowest = max(slowest, (time.perf_counter() - start, i))
    print(f"files tried: {n}, crashes: {sum(crashes.values())} {dict(crashes)}; {dict(outcomes)}; "
          f"slowest load: {slowest[0]:.2f} s (#{slowest[1]})")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000, int(sys.argv[2]) if len(sys.argv) > 2 else 12))
