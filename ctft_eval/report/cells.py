"""Cells and rows the reports share: rates with intervals, fingerprints, comparison rows."""

from __future__ import annotations

from pathlib import Path

from ctft_eval import dimensions
from ctft_eval.compare import Comparison, RegressionSettings, RunView, common_cases, profile_warning, rate
from ctft_eval.results import Rate
from ctft_eval.stats import wilson_interval

DELTA_HEADERS = ["dimension", "paired", "baseline", "this run", "delta", "broken", "fixed", "McNemar p", "verdict"]


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def rate_cells(r: Rate) -> list[str]:
    """passed/total, rate, interval: three cells."""
    if not r.total:
        return ["0/0", "—", "—"]
    low, high = r.interval
    return [f"{r.passed}/{r.total}", pct(r.rate), f"[{low:.1%}, {high:.1%}]"]


def rate_cell(passed: int, total: int) -> str:
    """One cell: rate [interval] (passed/total)."""
    if not total:
        return "—"
    low, high = wilson_interval(passed, total)
    return f"{passed / total:.1%} [{low:.1%}, {high:.1%}] ({passed}/{total})"


def short(label: str) -> str:
    return label if len(label) <= 48 else "…" + label[-47:]


def fingerprint_line(view: RunView) -> str:
    fp = ", ".join(f"{k} {str(val)[:16] if k in ('digest', 'template') else val}"
                   for k, val in view.fingerprint.items())
    settings = ", ".join(f"{k}={view.settings[k]}" for k in ("temperature", "seed", "num_ctx", "max_tokens")
                         if k in view.settings)
    suites = ", ".join(f"{Path(f).name}:{h[:8]}" for f, h in sorted(view.suites.items()))
    return f"{view.label}: {fp or 'no model identity reported'}; {settings}; suites {suites}; profile {view.profile}"


def side_by_side_rows(views: list[RunView], cases: set[str] | None = None) -> list[list[str]]:
    """Each dimension, then each tool's per-tool dimensions: one cell per run, on the shared cases."""
    cases = common_cases(views) if cases is None else cases
    rows = []
    for dim in dimensions.names():
        cells = [rate_cell(*rate(v, dim, cases)) for v in views]
        if any(c != "—" for c in cells):
            rows.append([dim, *cells])
    per_tool = [d.name for d in dimensions.registered() if d.per_tool]
    for tool in sorted({t for v in views for c, t in v.tools.items() if c in cases}):
        for dim in per_tool:
            cells = [rate_cell(*rate(v, dim, cases, tool)) for v in views]
            if any(c != "—" for c in cells):
                rows.append([f"{tool} · {dim}", *cells])
    return rows


def delta_verdict(comp: Comparison, dim: str, rules: RegressionSettings) -> str:
    if dim not in rules.dimensions:
        return "(not gated)"
    return "REGRESSION" if comp.deltas[dim].regressed(rules) else "ok"


def delta_rows(comp: Comparison, rules: RegressionSettings) -> list[list]:
    rows = []
    for dim, d in comp.deltas.items():
        if d.pairs:
            rows.append([dim, d.pairs, f"{d.base_passed / d.pairs:.1%}", f"{d.current_passed / d.pairs:.1%}",
                         f"{d.delta * 100:+.1f} pts", len(d.broken), len(d.fixed), f"{d.p_value:.4f}",
                         delta_verdict(comp, dim, rules)])
    return rows


def flips(comp: Comparison) -> list[tuple[str, str, str, str]]:
    """(flip, case, dimension, reason): every broken case (of each dimension), then every fixed one."""
    out = [("broken", case, dim, comp.current.reasons.get(case, {}).get(dim, ""))
           for dim, d in comp.deltas.items() for case in d.broken]
    return out + [("fixed", case, dim, comp.base.reasons.get(case, {}).get(dim, ""))
                  for dim, d in comp.deltas.items() for case in d.fixed]


def flip_lines(comp: Comparison, limit: int = 25) -> list[str]:
    lines = []
    for dim, d in comp.deltas.items():
        for case in d.broken[:limit]:
            lines.append(f"broken  {case} ({dim}): {comp.current.reasons.get(case, {}).get(dim, '')}")
        for case in d.fixed[:limit]:
            lines.append(f"fixed   {case} ({dim}): was {comp.base.reasons.get(case, {}).get(dim, '')}")
    return lines


def comparison_lines(views: list[RunView], comparisons: list[Comparison], rules: RegressionSettings,
                     fmt: str, markdown: bool) -> list[str]:
    """The whole comparison as lines: fingerprints, side by side, then each comparison's deltas."""
    from tabulate import tabulate

    bullet = "- " if markdown else ""
    warning = profile_warning(views)
    out = [f"**{warning}**" if markdown else warning, ""] if warning else []
    out += [f"{bullet}{fingerprint_line(v)}" for v in views]
    cases = common_cases(views)
    headers = [short(v.label).replace("|", "\\|") if markdown else short(v.label) for v in views]
    table = tabulate(side_by_side_rows(views, cases), ["", *headers], fmt)
    out += ["", f"Pass rates with 95% Wilson intervals, on the {len(cases)} cases every run has:", "", table]
    for comp in comparisons:
        out += ["", f"{'### ' if markdown else ''}{short(comp.current.label)} against {short(comp.base.label)}"]
        out += [f"{bullet}note: {n}" for n in comp.notes]
        out += ["", tabulate(delta_rows(comp, rules), DELTA_HEADERS, fmt)]
        lines = flip_lines(comp)
        if lines:
            out += [""] + (["```", *lines, "```"] if markdown else [f"    {line}" for line in lines])
    return out
