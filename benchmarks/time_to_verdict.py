"""Time to a verdict on this machine: the quickstart's sample, run twice, against its targets.

    python benchmarks/time_to_verdict.py [--sample N] [--channel C] [--backend B] [-- PYTEST_ARGS]

Runs `pytest suites --backend=B --ctft-sample N --ctft-channel C` twice in a fresh, empty reply
cache (a temporary CTFT_EVAL_CACHE_DIR, so the user's own cache is neither read nor filled), then
prints, beside the targets and as ratios to them:

  first progress   seconds from "fetching" to the first progress line (target 10 s)
  first run        the whole command's wall time (target 10 min for --ctft-sample 40)
  second run       the same command again: every untimed reply from the cache (target 2 min)

and whether the second run's verdicts are the first's. Figures, not asserts: the exit status is 0
whatever the times (1 only when a run could not be measured). `--sample 0` runs every case.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"first progress": 10.0, "first run": 600.0, "second run": 120.0}


def timed_run(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """One pytest run, its output echoed as it comes, with the moments that matter."""
    started = time.monotonic()
    marks: dict[str, float] = {}
    lines: list[str] = []
    proc = subprocess.Popen([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1)
    assert proc.stdout is not None

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            now = time.monotonic() - started
            lines.append(line)
            print(f"  [{now:7.1f} s] {line}", end="", flush=True)
            if "ctft-eval: fetching" in line:
                marks.setdefault("fetching", now)
            elif "fetching" in marks and "first progress" not in marks and " requests" in line \
                    and line.startswith("ctft-eval: ") and "/" in line.split()[1]:
                marks["first progress"] = now

    reader = threading.Thread(target=pump)
    reader.start()
    status = proc.wait()
    reader.join()
    return {"status": status, "wall": time.monotonic() - started, "marks": marks, "out": "".join(lines)}


def verdicts(path: Path) -> dict[str, Any]:
    record = json.loads(path.read_text())
    return {f"{e['backend']}|{e['case']}|{e['channel']}": {d: o.get("passed") for d, o in e["outcomes"].items()
                                                          if d != "latency"} for e in record["results"]}


def cached_replies(path: Path) -> str:
    uses = json.loads(path.read_text()).get("plan", {}).get("cache") or {}
    return ", ".join(f"{label}: {u.get('from_cache', 0)} of {u.get('from_cache', 0) + u.get('asked', 0)} replies"
                     for label, u in uses.items() if isinstance(u, dict)) or "no cache use recorded"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--channel", default="both")
    parser.add_argument("--backend", default="llamacpp")
    parser.add_argument("extra", nargs="*", help="more pytest arguments (after --)")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ctft-ttv-") as tmp:
        env = {**os.environ, "CTFT_EVAL_CACHE_DIR": str(Path(tmp) / "cache")}
        base = ["suites", "-p", "no:cacheprovider", "-q", f"--backend={opts.backend}", f"--ctft-channel={opts.channel}",
                *([f"--ctft-sample={opts.sample}"] if opts.sample > 0 else []), *opts.extra]
        runs = {}
        for name in ("first run", "second run"):
            record = Path(tmp) / f"{name.replace(' ', '-')}.json"
            print(f"{name}: pytest {' '.join(base)}")
            runs[name] = timed_run([*base, f"--ctft-record={record}"], env)
            runs[name]["record"] = record
            if not record.is_file():
                print(f"{name}: no record was written (exit status {runs[name]['status']}); nothing to measure")
                return 1
        first, second = runs["first run"], runs["second run"]
        progress = first["marks"].get("first progress", float("nan")) - first["marks"].get("fetching", float("nan"))
        figures = {"first progress": progress, "first run": first["wall"], "second run": second["wall"]}
        same = verdicts(first["record"]) == verdicts(second["record"])
        rows = [[name, f"{value:.1f} s", f"{TARGETS[name]:.0f} s", f"{value / TARGETS[name]:.2f}"]
                for name, value in figures.items()]
        print()
        print(f"{opts.backend}, --ctft-channel={opts.channel}, "
              f"{f'--ctft-sample {opts.sample}' if opts.sample > 0 else 'every case'}, {os.cpu_count()} cores")
        print(tabulate(rows, headers=["measure", "figure", "target", "figure/target"], tablefmt="github"))
        print(f"second run from the cache: {cached_replies(second['record'])}; "
              f"verdicts (latency aside) {'the same' if same else 'DIFFERENT'} as the first run's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
