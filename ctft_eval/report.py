"""Terminal tables (tabulate) for a run: dimensions, tools, failure classes, gates."""

from __future__ import annotations

from tabulate import tabulate

from ctft_eval.gates import Gate
from ctft_eval.results import Rate, Results

TABLE_FORMAT = "github"
_RATE_GATES = ("tool_selection", "json_validity", "arguments", "chain")


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def rate_cells(rate: Rate) -> list[str]:
    if not rate.total:
        return ["0/0", "—", "—"]
    low, high = rate.interval
    return [f"{rate.passed}/{rate.total}", pct(rate.rate), f"[{low:.1%}, {high:.1%}]"]


def dimension_table(results: Results, backend: str, channel: str, gates: list[Gate]) -> str:
    by_name = {g.name: g for g in gates if (g.backend, g.channel) == (backend, channel)}
    rows = []
    for dim, rate in results.dimension_rates(backend, channel).items():
        gate = by_name.get("latency_median" if dim == "latency" else dim)
        note = ""
        if dim == "latency":
            med = results.latency_median(backend, channel)
            note = "" if med is None else f"median {med:.2f} s"
            threshold = f"median <= {gate.threshold:g} s" if gate else "—"
        else:
            threshold = f">= {gate.threshold:.0%}" if gate else "—"
        if gate is None:
            verdict = "(no gate)"
        elif gate.observed is None:
            verdict = "n/a"
        else:
            verdict = "PASS" if gate.holds else "FAIL"
        rows.append([dim, *rate_cells(rate), threshold, verdict, note])
    return tabulate(rows, ["dimension", "passed", "rate", "95% CI", "gate", "verdict", "note"], TABLE_FORMAT)


def tool_table(results: Results, backend: str, channel: str) -> str:
    rows = []
    for name, rates in results.tool_rates(backend, channel).items():
        sel, args = rates["tool_selection"], rates["arguments"]
        rows.append([
            name,
            f"{sel.passed}/{sel.total}", pct(sel.rate),
            f"{args.passed}/{args.total}" if args.total else "—", pct(args.rate),
        ])
    return tabulate(rows, ["expected tool", "selection", "sel. rate", "arguments", "arg. rate"], TABLE_FORMAT)


def failure_table(results: Results, backend: str, channel: str) -> str:
    counts = results.failure_counts(backend, channel)
    if not counts:
        return ""
    return tabulate(sorted(counts.items(), key=lambda kv: -kv[1]), ["failure class", "count"], TABLE_FORMAT)


def gate_table(gates: list[Gate]) -> str:
    rows = []
    for g in gates:
        if g.observed_text is not None:
            rows.append([g.backend, g.channel, g.name, g.observed_text, g.needed_text,
                         "PASS" if g.holds else "FAIL"])
            continue
        if g.name == "latency_median":
            observed = "—" if g.observed is None else f"{g.observed:.2f} s"
            need = f"<= {g.threshold:g} s"
        else:
            observed, need = pct(g.observed), f">= {g.threshold:.0%}"
        verdict = "n/a" if g.observed is None else ("PASS" if g.holds else "FAIL")
        rows.append([g.backend, g.channel, g.name, observed, need, verdict])
    return tabulate(rows, ["backend", "channel", "gate", "observed", "needed", "verdict"], TABLE_FORMAT)


def repeat_table(results: Results, backend: str, channel: str) -> str:
    table = results.repeat_rates(backend, channel)
    if not table:
        return ""
    rows, flaky_lines = [], []
    for dim, (at_k, hat_k, flaky) in table.items():
        rows.append([dim, *rate_cells(at_k)[:2], *rate_cells(hat_k)[:2], len(flaky)])
        flaky_lines += [f"flaky {dim}: {case}" for case in flaky]
    text = tabulate(rows, ["dimension", "pass@k", "rate", "pass^k", "rate", "flaky cases"], TABLE_FORMAT)
    return "\n".join([text, *flaky_lines])


def summary(results: Results, gates: list[Gate]) -> str:
    parts = []
    for backend, channel in results.runs():
        cases = len({c for (b, ch, c) in results.outcomes if (b, ch) == (backend, channel)})
        parts.append(f"ctft-eval: {backend} on the {channel} channel, {cases} cases")
        parts.append(dimension_table(results, backend, channel, gates))
        parts.append("")
        parts.append(tool_table(results, backend, channel))
        failures = failure_table(results, backend, channel)
        if failures:
            parts += ["", failures]
        repeats = repeat_table(results, backend, channel)
        if repeats:
            parts += ["", repeats]
        parts.append("")
    return "\n".join(parts).rstrip()
