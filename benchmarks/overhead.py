"""How much time ctft-eval itself adds: parsing, scoring, and a whole suite run against the
loopback Ollama double (no model time). Prints figures; asserts nothing.

    python benchmarks/overhead.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from doubles.ollama_server import OllamaDouble  # noqa: E402
from doubles.oracle import Oracle, load_cases  # noqa: E402

from ctft_eval import dimensions  # noqa: E402
from ctft_eval.parsing import calls_in_text  # noqa: E402
from ctft_eval.reply import Reply, ToolCall  # noqa: E402

TEXTS = {
    "prose, 2 kB": "The configuration lives in several places. " * 50,
    "continue block": "Sure.\n\n```tool\nTOOL_NAME: read_file_range\nBEGIN_ARG: filepath\nsrc/a.ts\nEND_ARG\n"
                      "BEGIN_ARG: startLine\n10\nEND_ARG\nBEGIN_ARG: endLine\n40\nEND_ARG\n```",
    "tagged JSON": '<tool_call>\n{"name": "grep_search", "arguments": {"query": "TODO|FIXME"}}\n</tool_call>',
    "brace-heavy code, 8 kB": "function f() { return { a: [1, 2, { b: 3 }] }; }\n" * 160,
}


def per_second(fn, seconds: float = 0.5) -> float:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return n / (time.perf_counter() - start)


def main() -> None:
    print("parser (calls_in_text):")
    for name, text in TEXTS.items():
        print(f"  {name:24s} {per_second(lambda t=text: calls_in_text(t)):>10,.0f} texts/s")
    cases = load_cases(sorted((ROOT / "suites").glob("*.yaml")))
    single = [c for c in cases if not c.is_chain and c.expect.arguments][0]
    reply = Reply(tool_calls=[ToolCall.from_raw(single.expect.tools[0], {"filepath": "a"}, "native")])
    for dim in ("tool_selection", "json_validity", "arguments"):
        rate = per_second(lambda d=dim: dimensions.get(d).score(single, [reply]))
        print(f"scorer {dim:16s} {rate:>10,.0f} replies/s")
    with OllamaDouble(Oracle(cases)) as server:
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "pytest", "suites", "-q", "-p", "no:cacheprovider",
                              "--backend=ollama:m", f"--ollama-host={server.url}", "--ctft-channel=both"],
                             cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - start
        requests = len(server.chat_requests())
    last = out.stdout.strip().splitlines()[-1]
    print(f"whole run, {len(cases)} cases x 2 channels against the double: {wall:.1f} s wall, "
          f"{requests} requests, {requests / wall:.0f} requests/s ({last})")
    print(json.dumps({"wall_s": round(wall, 2), "requests": requests}))


if __name__ == "__main__":
    main()
