"""Cells and rows the reports share: rates with intervals, fingerprints, comparison rows.

Every value a record carries (labels, model names, case ids, tool names, reasons quoting a model)
may be hostile: a record can come from anyone's pull request. Values are shown through
ctft_eval.shown, one line each and cut to a length; in Markdown as code spans, so that nothing in
them renders (no heading, link, image or HTML) and no fence can be closed from inside.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from ctft_eval import dimensions, shown
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


Shown = Callable[[object], str]
_MD_ACTIVE = re.compile(r"([\\`*_\[\]<&~|]|:(?=//))|(?i:(www)\.)")


def plain(value: object, limit: int = shown.LIMIT) -> str:
    """A value in a terminal line: escaped, one line, cut."""
    return shown.line(value, limit)


def code_span(value: object, limit: int = shown.LIMIT) -> str:
    """A value in Markdown: an inline code span (nothing inside renders), escaped and cut, its pipes
    escaped so that it cannot split a table's cell (GitHub reads `\\|` as a pipe inside code)."""
    text = shown.line(value, limit).replace("|", "\\|")
    runs = [len(r) for r in re.findall("`+", text)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_prose(text: str) -> str:
    """A sentence that quotes record values, for Markdown, on a line this project starts: escaped,
    one line, and every character that could start something inline taken literally (code,
    emphasis, a link or image, HTML, an entity, strikethrough, a table cell, an autolink)."""
    def literal(m: re.Match[str]) -> str:
        return f"\\{m.group(1)}" if m.group(1) else f"{m.group(2)}\\."

    return _MD_ACTIVE.sub(literal, shown.line(text, 4 * shown.LIMIT))


def fingerprint_line(view: RunView, value: Shown = plain) -> str:
    fp = ", ".join(f"{k} {value(str(val)[:16] if k in ('digest', 'template') else val)}"
                   for k, val in view.fingerprint.items())
    def setting(v: object) -> str:
        return str(v) if isinstance(v, (int, float)) else value(v)

    settings = ", ".join(f"{k}={setting(view.settings[k])}" for k in ("temperature", "seed", "num_ctx", "max_tokens")
                         if k in view.settings)
    suites = ", ".join(value(f"{Path(f).name}:{h[:8]}") for f, h in sorted(view.suites.items()))
    return (f"{value(view.label)}: {fp or 'no model identity reported'}; {settings}; suites {suites}; "
            f"profile {value(view.profile)}")


def side_by_side_rows(views: list[RunView], cases: set[str] | None = None,
                      value: Shown = plain) -> list[list[str]]:
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
                rows.append([f"{value(tool)} · {dim}", *cells])
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
    """One escaped line per flipped case (`limit` of each kind per dimension), with the reason cut."""
    def reason(view: RunView, case: str, dim: str) -> str:
        return plain(view.reasons.get(case, {}).get(dim, ""))

    lines = []
    for dim, d in comp.deltas.items():
        lines += [f"broken  {plain(case, 120)} ({dim}): {reason(comp.current, case, dim)}" for case in d.broken[:limit]]
        lines += [f"fixed   {plain(case, 120)} ({dim}): was {reason(comp.base, case, dim)}" for case in d.fixed[:limit]]
        hidden = max(0, len(d.broken) - limit) + max(0, len(d.fixed) - limit)
        if hidden:
            lines.append(f"…and {hidden} more flipped case(s) of {dim}")
    return lines


def comparison_lines(views: list[RunView], comparisons: list[Comparison], rules: RegressionSettings,
                     fmt: str, markdown: bool, flip_limit: int = 25) -> list[str]:
    """The whole comparison as lines: fingerprints, side by side, then each comparison's deltas.
    Values are shown as `plain` text, or as Markdown code spans and escaped prose (`markdown`)."""
    from tabulate import tabulate

    value: Shown = code_span if markdown else plain
    prose: Callable[[str], str] = md_prose if markdown else plain
    bullet = "- " if markdown else ""
    warning = profile_warning(views)
    out = [f"**{prose(warning)}**" if markdown else prose(warning), ""] if warning else []
    out += [f"{bullet}{fingerprint_line(v, value)}" for v in views]
    cases = common_cases(views)
    headers = [value(short(v.label)) for v in views]
    table = tabulate(side_by_side_rows(views, cases, value), ["", *headers], fmt)
    out += ["", f"Pass rates with 95% Wilson intervals, on the {len(cases)} cases every run has:", "", table]
    for comp in comparisons:
        title = f"{value(short(comp.current.label))} against {value(short(comp.base.label))}"
        out += ["", f"### {title}" if markdown else title]
        out += [f"{bullet}note: {prose(n)}" for n in comp.notes]
        out += ["", tabulate(delta_rows(comp, rules), DELTA_HEADERS, fmt)]
        lines = flip_lines(comp, flip_limit)
        if lines:  # (escaped lines: none can close the fence)
            out += [""] + (["```text", *lines, "```"] if markdown else [f"    {line}" for line in lines])
    return out
