"""Reading records of the first format, `ctft-eval-run/1`, as today's (ctft_eval.record).

What changed in format 2: a backend's identity is a typed record (spec, digest, quantization,
template, and what the backend reported under `details`); an entry's `latency_replies` are its
`timed_replies`; a run's `latency_median_s` is `statistics.latency_median`; a case a replay lacked
is an outcome of failure class `missing` instead of one told apart by its reason text.
"""

from __future__ import annotations

from typing import Any

from ctft_eval.scorers.outcome import MISSING

FORMAT = "ctft-eval-run/1"
_MISSING_REASON = "missing from the replay record (not scored, not passed)"


def identity(data: dict[str, Any]) -> dict[str, Any]:
    """A format-1 identity (what the backend reported, plus `spec`) as a format-2 one."""
    details = data.get("details") or {}
    return {
        "spec": data.get("spec"),
        "digest": data.get("digest") or data.get("sha256"),
        "quantization": (details.get("quantization_level") if isinstance(details, dict) else None)
        or data.get("file_type"),
        "template": data.get("template_sha256") or data.get("chat_template_sha256"),
        "details": {k: v for k, v in data.items() if k != "spec"},
    }


def _entry(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k != "latency_replies"}
    out["timed_replies"] = data.get("latency_replies") or []
    outcomes = {}
    for dim, outcome in (data.get("outcomes") or {}).items():
        if isinstance(outcome, dict) and outcome.get("passed") is None and outcome.get("reason") == _MISSING_REASON:
            outcome = {**outcome, "failure": MISSING}
        outcomes[dim] = outcome
    out["outcomes"] = outcomes
    return out


def _run(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in data.items() if k != "latency_median_s"}
    out["statistics"] = {"latency_median": data.get("latency_median_s")}
    return out


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """The decoded JSON of a format-1 record, rewritten as format 2 (nothing is lost)."""
    backends = data.get("backends")
    if not isinstance(backends, dict):
        raise ValueError("a format-1 record needs a `backends` object")
    return {
        **data,
        "backends": {label: identity(i) for label, i in backends.items()},
        "results": [_entry(e) for e in data.get("results") or []],
        "runs": [_run(r) for r in data.get("runs") or []],
    }
