"""Compare two run records after dropping what changes on every run.

    python tests/tools/record_diff.py OLD.json NEW.json

Both files are read with ctft_eval.record.read (so a ctft-eval-run/1 file goes through the
format-1 reader), written back as today's JSON, and then compared with these left out: the format
version, the start and finish times, every wall and first-token time, and what is computed from
them (a timed dimension's measured value, a median gate's observed figure, and any "N.NN s" in a
text). Entries are put in key order (the fetch finishes them in any order). Prints a unified diff; exit status 1 when they differ.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from typing import Any

from ctft_eval import dimensions, record

TIMED = {d.name for d in dimensions.registered() if d.timed}

VOLATILE = {"format", "started", "finished", "wall_s", "ttft_s"}
SECONDS = re.compile(r"\d+\.\d+ s\b")


def normalised(data: Any) -> Any:
    if isinstance(data, dict):
        if data.get("dimension") in TIMED or str(data.get("name", "")).endswith("_median"):
            data = {k: v for k, v in data.items() if k not in ("value", "observed")}
        return {k: normalised(v) for k, v in data.items() if k not in VOLATILE and k != "statistics"}
    if isinstance(data, list):
        return [normalised(v) for v in data]
    if isinstance(data, str):
        return SECONDS.sub("N s", data)
    return data


def lines(path: str) -> list[str]:
    data = record.read(path).to_json()
    data["results"].sort(key=lambda e: (e["backend"], e["channel"], e["case"]))
    return json.dumps(normalised(data), indent=1, sort_keys=True, ensure_ascii=False).splitlines()


def main(argv: list[str]) -> int:
    old, new = argv
    diff = list(difflib.unified_diff(lines(old), lines(new), old, new, lineterm="", n=2))
    print("\n".join(diff) if diff else f"same record content: {old} and {new}")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
