"""Serve the scripted oracle model on loopback, for trying the plugin without a real model.

    python tests/doubles/serve.py --kind ollama --port 11500 suites/*.yaml
    pytest suites --backend=ollama:m --ollama-host=http://127.0.0.1:11500

--mistake CASE_ID=KIND (repeatable) makes the model wrong on a case in a known way
(kinds: see doubles/oracle.py MISTAKES).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from doubles.ollama_server import OllamaDouble  # noqa: E402
from doubles.openai_server import OpenAIDouble  # noqa: E402
from doubles.oracle import MISTAKES, Oracle, load_cases  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("suites", nargs="+", type=Path)
    parser.add_argument("--kind", choices=("ollama", "openai"), default="ollama")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mistake", action="append", default=[], metavar="CASE_ID=KIND")
    args = parser.parse_args()
    mistakes = dict(m.split("=", 1) for m in args.mistake)
    for kind in mistakes.values():
        if kind not in MISTAKES:
            parser.error(f"unknown mistake {kind!r}; known: {', '.join(MISTAKES)}")
    oracle = Oracle(load_cases(args.suites), mistakes)
    server = (OllamaDouble(oracle) if args.kind == "ollama" else OpenAIDouble(oracle)).start(args.port)
    print(f"scripted {args.kind} model 'm' on {server.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
