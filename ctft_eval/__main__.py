"""`python -m ctft_eval compare A.json B.json [...]`: the side-by-side of recorded runs, no model.

The last record is "this run"; every run of each earlier record on the same channel is its
baseline. Exit status 1 when a regression gate fails, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ctft_eval.compare import compare_all, load_views, regression_settings
from ctft_eval.settings import default_regression


def main(argv: list[str] | None = None) -> int:
    defaults = default_regression()
    parser = argparse.ArgumentParser(prog="python -m ctft_eval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    cmp = sub.add_parser("compare", help="compare run records side by side")
    cmp.add_argument("records", nargs="+", type=Path, help="run records; the last one is compared with the others")
    cmp.add_argument("--format", choices=("terminal", "markdown"), default="terminal")
    cmp.add_argument("--html", type=Path, help="also write one self-contained HTML report here")
    cmp.add_argument("--alpha", type=float, default=defaults["alpha"])
    cmp.add_argument("--max-drop", type=float, default=defaults["max_drop_points"],
                     help="percentage points a dimension may drop before the regression gate fails")
    args = parser.parse_args(argv)
    try:
        per_record = [load_views(p, str(p)) for p in args.records]
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rules = regression_settings({**defaults, "alpha": args.alpha, "max_drop_points": args.max_drop})
    views = [v for vs in per_record for v in vs]
    comparisons = compare_all([v for vs in per_record[:-1] for v in vs], per_record[-1])
    if args.format == "markdown":
        from ctft_eval.report import markdown as renderer
    else:
        from ctft_eval.report import terminal as renderer
    print(renderer.comparison(views, comparisons, rules))
    if args.html:
        from ctft_eval.report.html import report

        args.html.write_text(report(views, comparisons, rules), encoding="utf-8")
        print(f"\nwrote {args.html} ({args.html.stat().st_size:,} bytes)")
    return 1 if any(c.regressed(rules) for c in comparisons) else 0


if __name__ == "__main__":
    sys.exit(main())
