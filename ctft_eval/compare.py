"""Side-by-side comparison of runs, paired significance, and the regression gate.

Runs come from run records (JSON). Rates are compared on the cases the runs have in common, pair
by pair: for each dimension the cases that flipped (broken: passed before, fails now; fixed: the
reverse) and the exact McNemar p-value of those flips. A dimension regresses when it dropped and
the drop is significant (p < alpha), or when it dropped by more than a budget in points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tabulate import tabulate

from ctft_eval import record as run_record
from ctft_eval.stats import mcnemar_exact, wilson_interval

RATE_DIMENSIONS = ("tool_selection", "json_validity", "arguments", "chain", "latency")
GATED_DIMENSIONS = ("tool_selection", "json_validity", "arguments", "chain")


@dataclass(eq=False)
class RunView:
    """One (backend, channel) run of a record, reduced to what comparison needs."""

    label: str
    backend: str
    channel: str
    fingerprint: dict[str, Any]
    outcomes: dict[str, dict[str, bool]]
    """case id -> dimension -> passed (dimensions that did not apply are left out)."""
    reasons: dict[str, dict[str, str]]
    tools: dict[str, str]
    """case id -> the expected tool ("(none)" for no-tool cases; chains are left out)."""
    suites: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegressionSettings:
    alpha: float = 0.05
    max_drop_points: float = 5.0
    dimensions: tuple[str, ...] = GATED_DIMENSIONS


def regression_settings(rules: dict[str, Any]) -> RegressionSettings:
    return RegressionSettings(float(rules["alpha"]), float(rules["max_drop_points"]), tuple(rules["dimensions"]))


@dataclass
class DimensionDelta:
    dimension: str
    pairs: int
    base_passed: int
    current_passed: int
    broken: list[str]
    fixed: list[str]
    p_value: float

    @property
    def delta(self) -> float:
        return (self.current_passed - self.base_passed) / self.pairs if self.pairs else 0.0

    def regressed(self, rules: RegressionSettings) -> bool:
        if self.pairs == 0 or self.delta >= 0:
            return False
        return self.p_value < rules.alpha or -self.delta * 100 > rules.max_drop_points


@dataclass
class Comparison:
    base: RunView
    current: RunView
    common: list[str]
    base_only: list[str]
    current_only: list[str]
    deltas: dict[str, DimensionDelta]
    notes: list[str]


# ---- loading ----------------------------------------------------------------------------------


def load_views(path: Path | str, label: str | None = None) -> list[RunView]:
    path = Path(path)
    try:
        data = run_record.read(path)
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot use {path} as a run record: {exc}") from None
    return views_from_record(data, label or str(path))


def views_from_record(data: dict[str, Any], source: str) -> list[RunView]:
    case_tools = _case_tools(data)
    by_run: dict[tuple[str, str], RunView] = {}
    suites = {s["file"]: s["sha256"] for s in data.get("suites", [])}
    for entry in data.get("results", []):
        key = (entry["backend"], entry["channel"])
        if key not in by_run:
            identity = data.get("backends", {}).get(entry["backend"], {})
            by_run[key] = RunView(
                label=f"{source} [{entry['backend']}|{entry['channel']}]",
                backend=entry["backend"], channel=entry["channel"], fingerprint=fingerprint(identity),
                outcomes={}, reasons={}, tools={}, suites=suites,
                # a replayed run was sampled with the settings of its record
                settings=identity.get("recorded_settings") or data.get("settings", {}),
            )
        view = by_run[key]
        for dim, outcome in entry.get("outcomes", {}).items():
            if outcome.get("passed") is None:
                continue
            view.outcomes.setdefault(entry["case"], {})[dim] = bool(outcome["passed"])
            view.reasons.setdefault(entry["case"], {})[dim] = outcome.get("reason", "")
        if entry["case"] in case_tools:
            view.tools[entry["case"]] = case_tools[entry["case"]]
    return list(by_run.values())


def _case_tools(data: dict[str, Any]) -> dict[str, str]:
    """case id -> expected tool, from the record; from the suite files for records that lack it."""
    cases = data.get("cases", {})
    out: dict[str, str] = {}
    missing_files = set()
    for cid, info in cases.items():
        if "expected_tools" in info:
            if "chain" not in info.get("dimensions", []):
                out[cid] = info["expected_tools"][0] if info["expected_tools"] else "(none)"
        else:
            missing_files.add(info.get("file"))
    for file in missing_files:
        if file and Path(file).is_file():
            from ctft_eval.cases import SuiteError, load_suite

            try:
                for case in load_suite(file).cases:
                    if not case.is_chain and case.id in cases:
                        out[case.id] = case.expect.tools[0] if case.expect and case.expect.tools else "(none)"
            except SuiteError:
                pass
    return out


def fingerprint(identity: dict[str, Any]) -> dict[str, Any]:
    """What identifies the model behind a run, as far as its backend reports it."""
    details = identity.get("details") or {}
    out = {
        "spec": identity.get("spec"),
        "digest": identity.get("digest") or identity.get("sha256"),
        "quantization": details.get("quantization_level") or identity.get("file_type"),
        "template": identity.get("template_sha256") or identity.get("chat_template_sha256"),
    }
    return {k: v for k, v in out.items() if v is not None}


# ---- comparing --------------------------------------------------------------------------------


def compare(base: RunView, current: RunView) -> Comparison:
    base_cases, current_cases = set(base.outcomes), set(current.outcomes)
    common = sorted(base_cases & current_cases)
    deltas = {}
    for dim in RATE_DIMENSIONS:
        pairs = [(c, base.outcomes[c][dim], current.outcomes[c][dim]) for c in common
                 if dim in base.outcomes[c] and dim in current.outcomes[c]]
        broken = [c for c, b, n in pairs if b and not n]
        fixed = [c for c, b, n in pairs if n and not b]
        deltas[dim] = DimensionDelta(dim, len(pairs), sum(b for _, b, _ in pairs), sum(n for _, _, n in pairs),
                                     broken, fixed, mcnemar_exact(len(broken), len(fixed)))
    notes = []
    if base_cases != current_cases:
        notes.append(f"compared on the {len(common)} cases both runs have "
                     f"({len(base_cases - current_cases)} only in the baseline, "
                     f"{len(current_cases - base_cases)} only in this run)")
    changed = sorted(f for f in set(base.suites) & set(current.suites) if base.suites[f] != current.suites[f])
    if changed:
        notes.append(f"suite files changed since the baseline: {', '.join(changed)}")
    settings_diff = sorted(k for k in set(base.settings) | set(current.settings)
                           if base.settings.get(k) != current.settings.get(k) and k not in ("concurrency",))
    if settings_diff:
        notes.append("settings differ: " + ", ".join(
            f"{k} {base.settings.get(k)!r} -> {current.settings.get(k)!r}" for k in settings_diff))
    if base.channel != current.channel:
        notes.append(f"channels differ: {base.channel} vs {current.channel}")
    return Comparison(base, current, common, sorted(base_cases - current_cases), sorted(current_cases - base_cases),
                      deltas, notes)


def pair_runs(baselines: list[RunView], currents: list[RunView]) -> list[tuple[RunView, RunView]]:
    """Each current run against every baseline run on the same channel."""
    return [(b, c) for c in currents for b in baselines if b.channel == c.channel]


# ---- tables -----------------------------------------------------------------------------------


def _rate(view: RunView, dim: str, cases: set[str], tool: str | None = None) -> tuple[int, int]:
    values = [view.outcomes[c][dim] for c in cases if c in view.outcomes and dim in view.outcomes[c]
              and (tool is None or view.tools.get(c) == tool)]
    return sum(values), len(values)


def rate_cell(passed: int, total: int) -> str:
    if not total:
        return "—"
    low, high = wilson_interval(passed, total)
    return f"{passed / total:.1%} [{low:.1%}, {high:.1%}] ({passed}/{total})"


def side_by_side(views: list[RunView], fmt: str = "simple") -> tuple[str, set[str]]:
    """Rates of each dimension and each tool, one column per run, on the cases all runs share."""
    common = set.intersection(*(set(v.outcomes) for v in views)) if views else set()
    rows = []
    for dim in RATE_DIMENSIONS:
        cells = [rate_cell(*_rate(v, dim, common)) for v in views]
        if any(c != "—" for c in cells):
            rows.append([dim, *cells])
    tools = sorted({t for v in views for c, t in v.tools.items() if c in common})
    for tool in tools:
        for dim in ("tool_selection", "arguments"):
            cells = [rate_cell(*_rate(v, dim, common, tool)) for v in views]
            if any(c != "—" for c in cells):
                rows.append([f"{tool} · {dim}", *cells])
    headers = ["", *(_short(v.label) for v in views)]
    return tabulate(rows, headers, fmt), common


def _short(label: str) -> str:
    return label if len(label) <= 48 else "…" + label[-47:]


def fingerprint_lines(views: list[RunView]) -> list[str]:
    lines = []
    for v in views:
        fp = ", ".join(f"{k} {str(val)[:16] if k in ('digest', 'template') else val}"
                       for k, val in v.fingerprint.items())
        settings = ", ".join(f"{k}={v.settings[k]}" for k in ("temperature", "seed", "num_ctx", "max_tokens")
                             if k in v.settings)
        suites = ", ".join(f"{Path(f).name}:{h[:8]}" for f, h in sorted(v.suites.items()))
        lines.append(f"{v.label}: {fp or 'no model identity reported'}; {settings}; suites {suites}")
    return lines


def delta_table(comp: Comparison, rules: RegressionSettings, fmt: str = "simple") -> str:
    rows = []
    for dim, d in comp.deltas.items():
        if not d.pairs:
            continue
        gated = dim in rules.dimensions
        verdict = ("REGRESSION" if d.regressed(rules) else "ok") if gated else "(not gated)"
        rows.append([dim, d.pairs, f"{d.base_passed / d.pairs:.1%}", f"{d.current_passed / d.pairs:.1%}",
                     f"{d.delta * 100:+.1f} pts", len(d.broken), len(d.fixed), f"{d.p_value:.4f}", verdict])
    return tabulate(rows, ["dimension", "paired", "baseline", "this run", "delta", "broken", "fixed", "McNemar p",
                           "verdict"], fmt)


def flip_lines(comp: Comparison, limit: int = 25) -> list[str]:
    lines = []
    for dim, d in comp.deltas.items():
        for case in d.broken[:limit]:
            lines.append(f"broken  {case} ({dim}): {comp.current.reasons.get(case, {}).get(dim, '')}")
        for case in d.fixed[:limit]:
            lines.append(f"fixed   {case} ({dim}): was {comp.base.reasons.get(case, {}).get(dim, '')}")
    return lines


def render(views: list[RunView], comparisons: list[Comparison], rules: RegressionSettings,
           markdown: bool = False) -> str:
    fmt = "github" if markdown else "simple"
    out = []
    bullet = "- " if markdown else ""
    out += [f"{bullet}{line}" for line in fingerprint_lines(views)]
    table, common = side_by_side(views, fmt)
    out += ["", f"Pass rates with 95% Wilson intervals, on the {len(common)} cases every run has:", "", table]
    for comp in comparisons:
        out += ["", f"{'### ' if markdown else ''}{_short(comp.current.label)} against {_short(comp.base.label)}"]
        out += [f"{bullet}note: {n}" for n in comp.notes]
        out += ["", delta_table(comp, rules, fmt)]
        flips = flip_lines(comp)
        if flips:
            out += [""] + ([f"    {line}" for line in flips] if not markdown else ["```", *flips, "```"])
    return "\n".join(out)
