"""Fetching replies before the first test: bounded pools per source, progress with an estimate of
what is left, then the timed requests one at a time after a warm-up. No pytest in here.

Ctrl-C stops it at once: the shared cancellation flag (ctft_eval.cancel) is set, so that no request
starts or retries after it; queued requests are dropped, the workers (daemon threads) are not
waited for, and what had finished is handed to the sink before the interrupt goes on.

Requests are grouped by backend and channel: requests that share a long prompt prefix (the tools)
run back to back, so that runtimes reuse the prefix they evaluated last (llama.cpp does). The timed
requests likewise, so that each is timed as Continue's user would wait for it: with the preamble
already evaluated, not re-evaluated because the other channel came in between.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, field

from ctft_eval import cancel, interrupts
from ctft_eval.cases import Case
from ctft_eval.pool import DaemonPool
from ctft_eval.progress import Progress
from ctft_eval.record import Key
from ctft_eval.reply import Reply
from ctft_eval.sources import NotRecorded, ReplySource

Fetched = list[Reply] | NotRecorded
Sink = Callable[[Key, int, bool, Fetched], None]
"""Called with (key, attempt, timed, replies) as each request finishes."""
CANCELLED = "cancelled"
"""The error_kind of a reply whose request was stopped by the cancellation: not a model's answer."""


@dataclass
class Plan:
    shared: list[Key] = field(default_factory=list)
    """Keys whose replies the untimed dimensions share (asked `repeat` times each)."""
    timed: list[Key] = field(default_factory=list)
    """Keys a timed dimension needs a request of its own for."""
    timed_dimensions: tuple[str, ...] = ()


def by_backend_and_channel(keys: list[Key]) -> list[Key]:
    return sorted(dict.fromkeys(keys), key=lambda key: (key[0], key[1]))


def workers(sources: dict[str, ReplySource], keys: list[Key], concurrency: int, repeat: int) -> dict[str, int]:
    """Requests in flight at once per backend. A source that serves one at a time (an embedded
    model) gets one worker: more would only interleave chains, and each chain step would then
    re-evaluate its own history instead of extending the prompt evaluated just before."""
    asked = Counter(key[0] for key in keys)
    out = {}
    for label, count in asked.items():
        limit = sources[label].max_concurrency
        out[label] = min(concurrency, count * repeat, limit if limit is not None else concurrency)
    return out


def interleaved(keys: list[Key], cases: dict[str, Case]) -> list[Key]:
    """Within each (backend, channel) group, chains spread evenly among the single cases, so that
    the rate of the first minutes is the rate of the whole run (a chain is several requests)."""
    out: list[Key] = []
    for group in dict.fromkeys((k[0], k[1]) for k in keys):
        mine = [k for k in keys if (k[0], k[1]) == group]
        chains = [k for k in mine if cases[k[2]].steps]
        singles = [k for k in mine if not cases[k[2]].steps]
        if not chains or not singles:
            out.extend(mine)
            continue
        every = len(singles) / (len(chains) + 1)
        at, placed = every, 0
        for n, key in enumerate(singles):
            while placed < len(chains) and n >= at:
                out.append(chains[placed])
                placed += 1
                at += every
            out.append(key)
        out.extend(chains[placed:])
    return out


def fetch_shared(keys: list[Key], sources: dict[str, ReplySource], cases: dict[str, Case], concurrency: int,
                 repeat: int, sink: Sink, say: Callable[[str], None]) -> None:
    if not keys:
        return
    counts = workers(sources, keys, concurrency, repeat)
    times = f" x {repeat} attempts" if repeat > 1 else ""
    pace = ", ".join(f"{label} {n} at a time" for label, n in counts.items()) if len(counts) > 1 \
        else f"{next(iter(counts.values()))} at a time"
    say(f"ctft-eval: fetching {len(keys)} replies{times}, {pace}")
    pools = {label: DaemonPool(n, "ctft-fetch") for label, n in counts.items()}
    futures = {
        pools[b].submit(sources[b].replies, cases[c], ch, attempt): ((b, ch, c), attempt)
        for attempt in range(repeat) for (b, ch, c) in keys
    }
    # A chain asks up to one request per step: weigh it so, for the estimate of what is left.
    weights = {key: len(cases[key[2]].steps) or 1 for key in keys}
    work = sum(weights[key] for key, _ in futures.values())
    progress = Progress(work, say, write=getattr(say, "write", None), tty=getattr(say, "tty", False))
    handed: set[Future] = set()
    try:
        for future in as_completed(futures):
            key, attempt = futures[future]
            handed.add(future)
            replies = future.result()
            asked = len(replies) if isinstance(replies, list) else 0
            # a chain stops early when the model answers without a call: count what it asked
            work += asked - weights[key]
            sink(key, attempt, False, replies)
            progress.advance(asked, work if asked != weights[key] else None)
    except KeyboardInterrupt:
        finished = [f for f in futures if f.done() and f not in handed]  # before the flag stops the rest
        cancel.cancel()
        interrupts.arm()
        for pool in pools.values():
            pool.shutdown()
        for future in finished:
            replies = _result(future)
            if replies is not None:
                sink(*futures[future], False, replies)
        raise
    finally:
        progress.close()
        for pool in pools.values():
            pool.shutdown()


def _result(future: Future) -> Fetched | None:
    """What a finished request fetched; None when it failed, was cancelled, or was cut short."""
    if future.cancelled() or future.exception() is not None:
        return None
    replies = future.result()
    if isinstance(replies, list) and any(r.error_kind == CANCELLED for r in replies):
        return None
    return replies


def fetch_timed(plan: Plan, sources: dict[str, ReplySource], cases: dict[str, Case], sink: Sink,
                say: Callable[[str], None], warmups: dict[str, Reply]) -> None:
    """Each timed key alone, in order; a live source gets one warm-up request per (backend, channel)
    first, so that the first timed request does not pay for loading the model or the preamble."""
    if not plan.timed:
        return
    what = " and ".join(plan.timed_dimensions)
    say(f"ctft-eval: timing {len(plan.timed)} {what} cases one at a time, after a warm-up request")
    warmed: set[tuple[str, str]] = set()
    for backend, channel, case_id in plan.timed:
        source = sources[backend]
        if source.live and (backend, channel) not in warmed:
            warm = source.replies(cases[case_id], channel, 0, timed=True)
            if isinstance(warm, list) and warm:
                warmups[f"{backend}|{channel}"] = warm[0]
            warmed.add((backend, channel))
        sink((backend, channel, case_id), 0, True, source.replies(cases[case_id], channel, 0, timed=True))


def fetch(plan: Plan, sources: dict[str, ReplySource], cases: dict[str, Case], *, concurrency: int, repeat: int,
          sink: Sink, say: Callable[[str], None], warmups: dict[str, Reply]) -> None:
    try:
        fetch_shared(interleaved(by_backend_and_channel(plan.shared), cases), sources, cases, concurrency, repeat,
                     sink, say)
        fetch_timed(Plan(plan.shared, by_backend_and_channel(plan.timed), plan.timed_dimensions),
                    sources, cases, sink, say, warmups)
    except KeyboardInterrupt:
        cancel.cancel()  # (the timed requests run on this thread: the interrupt already stopped them)
        interrupts.arm()
        raise
