"""The end-of-run lines about the reply cache (ctft_eval.cached_source), read from the record's
`plan.cache`: how many replies came from the cache, why it was off, what went wrong with it, and,
for an interrupted run, that the replies fetched so far are kept for the same command."""

from __future__ import annotations

from typing import Any

from ctft_eval.record import RunRecord


def cache_lines(record: RunRecord, interrupted: bool = False) -> list[str]:
    uses: dict[str, Any] = record.plan.get("cache") or {}
    lines = []
    kept = 0
    for label, use in uses.items():
        if not isinstance(use, dict):
            continue
        if use.get("used"):
            got, asked, stored = use.get("from_cache", 0), use.get("asked", 0), use.get("stored", 0)
            how = "refreshed: " if use.get("mode") == "refresh" else ""
            lines.append(f"ctft-eval: reply cache {how}{got} of {got + asked} replies of {label} from the cache, "
                         f"{asked} asked, {stored} stored (--ctft-cache off asks every one; latency is always asked)")
            kept += stored
        else:
            lines.append(f"ctft-eval: reply cache off for {label}: {use.get('why_off') or 'not used'}")
        lines += [f"ctft-eval: reply cache: {note}" for note in use.get("notes") or ()]
    if interrupted and kept:
        lines.append(f"ctft-eval: the {kept} repl(ies) stored before the interrupt are in the reply cache: "
                     "the same command resumes where it stopped")
    return lines
