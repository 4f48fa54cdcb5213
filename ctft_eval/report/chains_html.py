"""The HTML report's chains: for each run, each live chain's requests, the calls it made, what each
call gave (as the model was shown it), its verdict with the milestones reached and missed, and why
it stopped."""

from __future__ import annotations

import json

from ctft_eval.chains.results import from_record
from ctft_eval.compare import RunView
from ctft_eval.record import Entry
from ctft_eval.scorers.verdicts import runs

SHOWN = 1500
"""Characters of a tool result shown per call (the record keeps it whole)."""


def _esc(value: object) -> str:
    from ctft_eval.report.html import esc

    return esc(value)


def _why_stopped(entry: Entry) -> str:
    outcome = entry.outcomes.get("chain")
    if outcome is None:
        return "not scored"
    verdict = "PASS" if outcome.passed else ("not counted" if outcome.passed is None else "FAIL")
    progress = "" if outcome.value is None else f", progress {outcome.value:.0%}"
    failure = f" ({outcome.failure})" if outcome.failure else ""
    return f"{verdict}{failure}{progress}: {outcome.reason}"


def chain_entry(entry: Entry) -> str:
    outcome = entry.outcomes.get("chain")
    good = outcome is not None and outcome.passed is True
    out = [f"<details><summary><code>{_esc(entry.case)}</code> — "
           f"<span class='{'good' if good else 'bad'}'>{_esc(_why_stopped(entry))}</span></summary><ol>"]
    for reply in entry.replies:
        results = [from_record(r) for r in reply.tool_results or []]
        tools = "tools sent" if reply.tools_sent else ("no tools sent" if reply.tools_sent is False else "")
        out.append(f"<li>{_esc(tools)}")
        if reply.error:
            out.append(f"<p class='bad'>request failed: {_esc(reply.error)}</p>")
        if reply.text.strip():
            out.append(f"<pre>{_esc(reply.text[:SHOWN])}</pre>")
        ran = iter(results)
        for call in reply.tool_calls:
            args = json.dumps(call.arguments, ensure_ascii=False) if call.arguments is not None else call.raw_arguments
            out.append(f"<p><b>{_esc(call.name)}</b> <code>{_esc(args[:400])}</code></p>")
            result = next(ran, None) if runs(call, reply.channel) else None
            if result is None:
                out.append("<p>(not run by Continue)</p>")
                continue
            state = result.source + (f", {result.failure}" if result.failure else "")
            out.append(f"<p>result ({_esc(state)}):</p><pre>{_esc(result.shown[:SHOWN])}</pre>")
        out.append("</li>")
    out.append("</ol></details>")
    return "".join(out)


def chains_section(views: list[RunView]) -> list[str]:
    """One part per run that has live chains (replies with recorded tool results)."""
    out: list[str] = []
    for view in views:
        entries = [e for e in view.record.entries(view.backend, view.channel)
                   if "chain" in e.outcomes and any(r.tool_results is not None for r in e.replies)]
        if entries:
            out.append(f"<h2>Chains of {_esc(view.label)}</h2>")
            out += [chain_entry(e) for e in entries]
    return out
