"""`python -m ctft_eval compare A.json B.json [...]`: the side-by-side of recorded runs, no model.

The last record is "this run"; every run of each earlier record on the same channel is its
baseline. Exit status 1 when a regression gate fails, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ctft_eval.compare import compare, load_views, pair_runs, regression_settings, render
from ctft_eval.settings import DEFAULT_REGRESSION


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ctft_eval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    cmp = sub.add_parser("compare", help="compare run records side by side")
    cmp.add_argument("records", nargs="+", type=Path, help="run records; the last one is compared with the others")
    cmp.add_argument("--format", choices=("terminal", "markdown"), default="terminal")
    cmp.add_argument("--html", type=Path, help="also write one self-contained HTML report here")
    cmp.add_argument("--alpha", type=float, default=DEFAULT_REGRESSION["alpha"])
    cmp.add_argument("--max-drop", type=float, default=DEFAULT_REGRESSION["max_drop_points"],
                     help="percentage points a dimension may drop before the regression gate fails")
    args = parser.parse_args(argv)
    try:
        per_record = [load_views(p, str(p)) for p in args.records]
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rules = regression_settings({**DEFAULT_REGRESSION, "alpha": args.alpha, "max_drop_points": args.max_drop})
    views = [v for vs in per_record for v in vs]
    baselines = [v for vs in per_record[:-1] for v in vs]
    comparisons = [compare(b, c) for b, c in pair_runs(baselines, per_record[-1])]
    print(render(views, comparisons, rules, markdown=args.format == "markdown"))
    if args.html:
        from ctft_eval.html_report import report

        args.html.write_text(report(views, comparisons, rules), encoding="utf-8")
        print(f"\nwrote {args.html} ({args.html.stat().st_size:,} bytes)")
    regressed = any(c.deltas[d].regressed(rules) for c in comparisons for d in rules.dimensions if d in c.deltas)
    return 1 if regressed else 0


if __name__ == "__main__":
    sys.exit(main())
