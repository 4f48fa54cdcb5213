"""`python -m ctft_eval compare A.json B.json [...]`: the side-by-side of recorded runs, no model.

The last record is "this run"; every run of each earlier record on the same channel is its
baseline. Exit status 1 when a regression gate fails, 2 on bad input (an --html path that cannot be
written included).

`python -m ctft_eval rescore RECORD.json [--out NEW.json]`: the same replies scored again with today's
parser and scorers, the record's backends and timings kept.

`python -m ctft_eval capture --upstream URL --out PROFILE.json`: a recording proxy that writes
what a user's Continue really sends (system message, tools, options) to a profile file.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from ctft_eval import shown
from ctft_eval.compare import compare_all, load_views, regression_settings
from ctft_eval.record_path import problem
from ctft_eval.settings import default_regression


def say(text: str, **options: Any) -> None:
    """print, through ctft_eval.shown: records, servers and models write what these lines quote."""
    print(shown.block(text), **options)


CAPTURE_HELP = """\
Point Continue at the proxy with the model's apiBase in config.yaml, then use Continue in agent
mode as usual; every request goes on to --upstream unchanged, and Ctrl-C writes the profile.

  provider: ollama   ->  apiBase: http://127.0.0.1:PORT
  provider: openai   ->  apiBase: http://127.0.0.1:PORT/v1

(PORT is the --listen port, 11435 by default.)

--upstream is the real server's root URL (http://127.0.0.1:11434 for Ollama, http://127.0.0.1:8080
for llama-server); each request's path is appended to it as it came. Credentials in the URL
(http://user:pass@host) are sent as Basic auth when Continue sends none, and never printed or written.
"""


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return int(text)


def capture(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C (or --requests chat requests), then write the profile."""
    from ctft_eval.capture import CaptureError, Proxy

    try:
        proxy = Proxy(args.listen, args.upstream, args.out, requests=args.requests,
                      allow_remote=args.allow_remote).start()
    except CaptureError as exc:
        say(f"error: {exc}", file=sys.stderr)
        return 2
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # a script's kill also writes the profile
    until = f"after {args.requests} chat request(s)" if args.requests else "on Ctrl-C"
    say(f"capturing on {proxy.url} -> {proxy.upstream.display}; writing {args.out} {until}", flush=True)
    try:
        while not proxy.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    profile = proxy.finish()
    if profile is None:
        say("no chat request was recorded: no profile written", file=sys.stderr)
        return 1
    say(f"wrote {args.out}: {profile.provider} model {profile.model}, {profile.mode} tools "
          f"({len(profile.tool_names)}), {profile.captured.chat_requests} chat request(s)", flush=True)
    return 0


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
    cap = sub.add_parser("capture", help="record what Continue sends, through a proxy, into a profile file",
                         description=CAPTURE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    cap.add_argument("--listen", default="127.0.0.1:11435", metavar="HOST:PORT",
                     help="where the proxy listens (default 127.0.0.1:11435; port 0 picks a free one)")
    cap.add_argument("--upstream", required=True, metavar="URL", help="the real server, e.g. http://127.0.0.1:11434")
    cap.add_argument("--out", required=True, type=Path, metavar="PROFILE.json", help="the profile file to write")
    cap.add_argument("--requests", type=_positive, metavar="N",
                     help="stop after N chat requests instead of waiting for Ctrl-C")
    cap.add_argument("--allow-remote", action="store_true", help="allow --listen on a non-loopback address")
    res = sub.add_parser("rescore", help="score a record's replies again with today's parser and scorers")
    res.add_argument("record", type=Path, help="the run record (its suite files are read from the current folder)")
    res.add_argument("--out", type=Path, help="write here instead of replacing the record")
    res.add_argument("--schema", choices=("continue", "strict"), help="how arguments are judged (default: as recorded)")
    args = parser.parse_args(argv)
    if args.command == "capture":
        return capture(args)
    if args.command == "rescore":
        from ctft_eval.rescore import main as rescore

        return rescore(args.record, args.out, args.schema)
    return compare(args, defaults)


def compare(args: argparse.Namespace, defaults: dict[str, Any]) -> int:
    """The side by side; 1 when a regression gate fails, 2 on bad input or an --html that cannot
    be written (checked before the records are read, so that the mistake costs nothing)."""
    why = problem(args.html, "report.html") if args.html else None
    if why:
        say(f"error: --html {args.html} {why}", file=sys.stderr)
        return 2
    try:
        per_record = [load_views(p, str(p)) for p in args.records]
    except ValueError as exc:
        say(f"error: {exc}", file=sys.stderr)
        return 2
    rules = regression_settings({**defaults, "alpha": args.alpha, "max_drop_points": args.max_drop})
    views = [v for vs in per_record for v in vs]
    comparisons = compare_all([v for vs in per_record[:-1] for v in vs], per_record[-1])
    if args.format == "markdown":
        from ctft_eval.report import markdown as renderer
    else:
        from ctft_eval.report import terminal as renderer
    say(renderer.comparison(views, comparisons, rules))
    if args.html:
        from ctft_eval.report.html import report

        try:  # the check above can still be overtaken: a full disk, the folder removed meanwhile
            args.html.parent.mkdir(parents=True, exist_ok=True)
            args.html.write_text(report(views, comparisons, rules), encoding="utf-8")
        except OSError as exc:
            say(f"error: cannot write --html {args.html}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        say(f"\nwrote {args.html} ({args.html.stat().st_size:,} bytes)")
    return 1 if any(c.regressed(rules) for c in comparisons) else 0


if __name__ == "__main__":
    sys.exit(main())
