"""How the reply readers scale with a reply's length: the continue channel's reading (Continue's
reader, the lenient reader and the explanation of their difference, as the scorers use them) and the
native channel's lenient reader, on a 10 kB and a 1 MB reply of each shape. Linear reading shows a
ratio near 100 (the length's ratio); quadratic reading would show about 10,000. Prints figures;
asserts nothing.

    python benchmarks/parser.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ctft_eval.channels import CONTINUE
from ctft_eval.continue_reading import difference, read_calls
from ctft_eval.parsing import calls_in_text

SMALL, LARGE = 10_000, 1_000_000
HEAD = "```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath\n"


def _fill(unit: str, size: int, head: str = "") -> str:
    return head + unit * max(1, (size - len(head)) // len(unit))


SHAPES: dict[str, Callable[[int], str]] = {
    "unclosed block": lambda n: _fill("src/app.ts and some more words on the line\n", n, HEAD),
    "many BEGIN_ARG lines": lambda n: _fill("BEGIN_ARG: a\n", n, "```tool\nTOOL_NAME: read_file\n"),
    "BEGIN_ARG, values, no END": lambda n: _fill("BEGIN_ARG: a\nvalue\n", n, "```tool\nTOOL_NAME: read_file\n"),
    "arguments cut by a blank line": lambda n: _many_arguments(n),
    "many blocks": lambda n: _fill("```tool\nTOOL_NAME: ls\nBEGIN_ARG: dirPath\n.\nEND_ARG\n```\n", n),
    "unclosed JSON value": lambda n: _fill('"line",\n', n, HEAD + "["),
    "unclosed JSON call": lambda n: _fill("1, ", n, '{"name": "read_file", "arguments": {"a": ['),
    "plain prose": lambda n: _fill("The configuration lives in several places, some of them old. ", n),
}


def _many_arguments(size: int) -> str:
    """One block of distinct arguments, a blank line halfway: Continue reads the first half only, so
    the explanation names every argument of the second half it lacks."""
    half = size // 48
    args = "".join(f"BEGIN_ARG: a{i}\nv\nEND_ARG\n" for i in range(2 * half))
    cut = args.index(f"BEGIN_ARG: a{half}\n")
    return "```tool\nTOOL_NAME: read_file\n" + args[:cut] + "\n" + args[cut:] + "```"


def _continue_channel(text: str) -> None:
    difference(text, read_calls(text))  # what a failing continue-channel reply costs (reads it twice)


def _native_channel(text: str) -> None:
    calls_in_text(text)


def _seconds(fn: Callable[[str], None], text: str) -> float:
    best = float("inf")
    for _ in range(3 if len(text) < LARGE else 1):
        start = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    print(f"reply readers, {SMALL // 1000} kB vs {LARGE // 1_000_000} MB replies (ratio ~{LARGE // SMALL} = linear)")
    print(f"  {'shape':30s} {'channel':9s} {'10 kB':>9s} {'1 MB':>9s} {'ratio':>7s}")
    for name, make in SHAPES.items():
        small, large = make(SMALL), make(LARGE)
        for channel, fn in ((CONTINUE, _continue_channel), ("native", _native_channel)):
            a, b = _seconds(fn, small), _seconds(fn, large)
            print(f"  {name:30s} {channel:9s} {a * 1000:7.2f}ms {b * 1000:7.0f}ms {b / max(a, 1e-9):7.0f}")


if __name__ == "__main__":
    main()
