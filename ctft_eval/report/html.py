"""One self-contained HTML report of compared runs: tables and an inline SVG chart, nothing fetched."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from ctft_eval import dimensions, shown
from ctft_eval.compare import Comparison, RegressionSettings, RunView, common_cases, profile_warning, rate
from ctft_eval.report.cells import delta_verdict, flips, rate_cell
from ctft_eval.report.chains_html import chains_section
from ctft_eval.stats import wilson_interval

_COLOURS = ("#3b6ea5", "#d9822b", "#3f9a5a", "#b5475d", "#7a5ca8", "#8c7a3d")
_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f2f2f2}pre{background:#f7f7f7;padding:4px;white-space:pre-wrap;max-height:20em;overflow:auto}.bad{color:#b00020;font-weight:600}.good{color:#1b7a3a}code{font-size:12px}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
"""


def esc(value: object) -> str:
    """A value for HTML: control characters, bidi controls and lone surrogates shown as escapes
    (ctft_eval.shown), then HTML-escaped (quotes too: values also go into attributes)."""
    return html.escape(shown.block(value if isinstance(value, str) else str(value)))


def chart(views: list[RunView], cases: set[str]) -> str:
    """Grouped bars per dimension, one bar per run, with 95% Wilson whiskers."""
    dims = [d for d in dimensions.names() if any(rate(v, d, cases)[1] for v in views)]
    width, height, top, left, bottom = 120 + 150 * len(dims), 300, 20, 50, 40
    plot_h = height - top - bottom
    group_w = 150
    bar_w = max(6, min(30, (group_w - 30) // max(1, len(views))))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'aria-label="pass rate per dimension and run">']
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{pct}%</text>')
    for gi, dim in enumerate(dims):
        x0 = left + 20 + gi * group_w
        for vi, view in enumerate(views):
            passed, total = rate(view, dim, cases)
            if not total:
                continue
            share = passed / total
            low, high = wilson_interval(passed, total)
            x = x0 + vi * (bar_w + 4)
            y = top + plot_h * (1 - share)
            colour = _COLOURS[vi % len(_COLOURS)]
            parts.append(f'<rect x="{x}" y="{y:.1f}" width="{bar_w}" height="{top + plot_h - y:.1f}" fill="{colour}">'
                         f'<title>{esc(view.label)}: {dim} {share:.1%} ({passed}/{total})</title></rect>')
            cx = x + bar_w / 2
            y_low, y_high = top + plot_h * (1 - low), top + plot_h * (1 - high)
            parts.append(f'<line x1="{cx}" x2="{cx}" y1="{y_low:.1f}" y2="{y_high:.1f}" stroke="#222"/>')
        parts.append(f'<text x="{x0 + (len(views) * (bar_w + 4)) / 2:.0f}" y="{height - 15}" font-size="12" '
                     f'text-anchor="middle">{dim}</text>')
    parts.append("</svg>")
    return "".join(parts)


def report(views: list[RunView], comparisons: list[Comparison], rules: RegressionSettings) -> str:
    cases = common_cases(views)
    out = ["<!doctype html><html><head><meta charset='utf-8'><title>ctft-eval comparison</title>",
           f"<style>{_CSS}</style></head><body>", "<h1>ctft-eval: runs side by side</h1>",
           f"<p>Generated {datetime.now(UTC).isoformat(timespec='seconds')}; rates on the {len(cases)} cases "
           "every run has, with 95% Wilson intervals.</p>"]
    warning = profile_warning(views)
    if warning:
        out.append(f"<p class='bad'>{esc(warning)}</p>")
    out.append("<h2>Runs</h2><ul>")
    for i, v in enumerate(views):
        fp = ", ".join(f"{esc(k)}: <code>{esc(val)}</code>" for k, val in v.fingerprint.items())
        out.append(f"<li><span style='color:{_COLOURS[i % len(_COLOURS)]}'>&#9632;</span> "
                   f"<b>{esc(v.label)}</b> — {fp}; profile {esc(v.profile)}</li>")
    out += ["</ul>", chart(views, cases), "<h2>Pass rates</h2><table><tr><th></th>"]
    out += [f"<th>{esc(v.label)}</th>" for v in views] + ["</tr>"]
    for dim in dimensions.names():
        cells = [rate_cell(*rate(v, dim, cases)) for v in views]
        if any(c != "—" for c in cells):
            out.append(f"<tr><th>{dim}</th>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    for comp in comparisons:
        out.append(f"<h2>{esc(comp.current.label)} against {esc(comp.base.label)}</h2>")
        out += [f"<p>Note: {esc(n)}</p>" for n in comp.notes]
        out.append("<table><tr><th>dimension</th><th>paired</th><th>baseline</th><th>this run</th><th>delta</th>"
                   "<th>broken</th><th>fixed</th><th>McNemar p</th><th>verdict</th></tr>")
        for dim, d in comp.deltas.items():
            if not d.pairs:
                continue
            verdict = delta_verdict(comp, dim, rules).strip("()")
            bad = verdict == "REGRESSION"
            out.append(f"<tr><th>{dim}</th><td>{d.pairs}</td><td>{d.base_passed / d.pairs:.1%}</td>"
                       f"<td>{d.current_passed / d.pairs:.1%}</td><td>{d.delta * 100:+.1f} pts</td>"
                       f"<td>{len(d.broken)}</td><td>{len(d.fixed)}</td><td>{d.p_value:.4f}</td>"
                       f"<td class='{'bad' if bad else 'good'}'>{verdict}</td></tr>")
        out.append("</table>")
        flipped = flips(comp)
        if flipped:
            out.append("<table><tr><th>case</th><th>dimension</th><th>flip</th><th>reason</th></tr>")
            out += [f"<tr><td><code>{esc(c)}</code></td><td>{d}</td><td>{f}</td><td>{esc(r)}</td></tr>"
                    for f, c, d, r in flipped]
            out.append("</table>")
    out += chains_section(views)
    out.append("</body></html>")
    return "\n".join(out)
