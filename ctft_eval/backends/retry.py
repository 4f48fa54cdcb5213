"""The one retry policy of the HTTP backends: which failures are tried again, how long to wait, when to stop.

Retried: 429, every 5xx, and connection failures (the server could not be reached or hung up
before answering). Not retried: other statuses, a reply that arrived but is broken (malformed,
cut, too large, too deep), a passed deadline (the request already had its whole `timeout`), and
a tool-call parse error Ollama reports as 500 (the model's output, not the server's state).

Waits: the server's `Retry-After` (seconds, or an HTTP date; `retry-after-ms` too) when it sends
one, else 0.5 s, 1 s, 2 s, ... A wait longer than `retry_max_wait` is not waited: the attempt
stays the answer, and its reason says what the server asked. At most `retries` more attempts, and
none that would start after `retry_budget` seconds from the first. Nothing is sent once the run
is cancelled, and the waits end early on cancellation (ctft_eval.cancel.pause).

Each attempt is recorded in the reply's `attempt_log` (attempt, error_kind, error, status,
wall_s, retry_after_s, waited_s, note) when there was more than one or the reply failed (a plain
success keeps the record as it was); `attempts` counts the requests sent.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Callable
from typing import Any

from ctft_eval import cancel
from ctft_eval.backends import guard
from ctft_eval.backends.guard import Budget
from ctft_eval.reply import Reply
from ctft_eval.settings import Settings

Attempt = Callable[[Budget], Reply]


def retryable(error_kind: str | None) -> bool:
    kind = error_kind or ""
    return kind in ("connection", "http_429") or (kind.startswith("http_5") and len(kind) == 8)


def retry_after(headers: dict[str, str]) -> float | None:
    """Seconds the server asked to wait, from Retry-After / retry-after-ms; None when it asked nothing."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = (headers.get(name) or "").strip()
        if not value:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(value) if name == "retry-after" else None
            if parsed is None:
                continue
            seconds = parsed.timestamp() - time.time()
        return max(0.0, seconds) if math.isfinite(seconds) else math.inf
    return None


def budget_for(settings: Settings) -> Budget:
    return Budget(settings.timeout, settings.max_reply_bytes, settings.max_json_depth)


def send(attempt: Attempt, settings: Settings) -> Reply:
    """Run `attempt` under a fresh budget each time, again while the policy says so; never raises."""
    started = time.monotonic()
    log: list[dict[str, Any]] = []
    reply = Reply(error="the run was cancelled before the request was sent", error_kind="cancelled")
    sent = 0
    while not cancel.cancelled():
        budget = budget_for(settings)
        with guard.active(budget):
            reply = attempt(budget)
        sent += 1
        asked = retry_after(budget.headers) if budget.status is not None else None
        entry: dict[str, Any] = {"attempt": sent, "error_kind": reply.error_kind, "error": reply.error,
                                 "status": budget.status, "wall_s": round(reply.timings.wall_s, 4),
                                 "retry_after_s": asked, "waited_s": 0.0, "note": None}
        log.append(entry)
        if not reply.error or not retryable(reply.error_kind) or sent > settings.retries:
            break
        wait = asked if asked is not None else min(0.5 * 2 ** (sent - 1), settings.retry_max_wait)
        if wait > settings.retry_max_wait:
            entry["note"] = (f"not retried: the server asked to wait {wait:g} s, more than retry_max_wait "
                             f"({settings.retry_max_wait:g} s)")
            reply.error = f"{reply.error}; {entry['note']}"
            break
        if time.monotonic() - started + wait > settings.retry_budget:
            entry["note"] = f"not retried: another attempt would start after retry_budget ({settings.retry_budget:g} s)"
            break
        paused_from = time.monotonic()
        finished = cancel.pause(wait)
        entry["waited_s"] = round(wait if finished else time.monotonic() - paused_from, 4)
        if not finished:
            entry["note"] = "not retried: the run was cancelled during the wait"
            break
    reply.attempts = sent
    reply.attempt_log = log if len(log) > 1 or reply.error else []  # (a plain success needs no log)
    return reply
