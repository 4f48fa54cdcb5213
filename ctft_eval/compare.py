"""Runs side by side: paired significance and the regression rule, as data (ctft_eval.report renders it).

Runs come from run records. Rates are compared on the cases the runs have in common, pair by pair:
for each dimension the cases that flipped (broken: passed before, fails now; fixed: the reverse)
and the exact McNemar p-value of those flips. A dimension regresses when it dropped and the drop is
significant (p < alpha), or when it dropped by more than a budget in points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ctft_eval import dimensions
from ctft_eval import record as run_record
from ctft_eval.profile import RELEASED
from ctft_eval.record import RunRecord
from ctft_eval.results import verdicts
from ctft_eval.sample import Sample, comparison_note, recorded
from ctft_eval.settings import TRANSPORT_LIMITS
from ctft_eval.stats import mcnemar_exact


@dataclass(eq=False)
class RunView:
    """One (backend, channel) run of a record, as a comparison looks at it."""

    label: str
    record: RunRecord
    backend: str
    channel: str

    @property
    def fingerprint(self) -> dict[str, Any]:
        identity = self.record.backends.get(self.backend)
        return identity.fingerprint() if identity else {}

    @cached_property
    def outcomes(self) -> dict[str, dict[str, bool]]:
        """case id -> dimension -> passed (dimensions that did not apply are left out)."""
        return verdicts(self.record.entries(self.backend, self.channel))

    @cached_property
    def reasons(self) -> dict[str, dict[str, str]]:
        return {e.case: {d: o.reason for d, o in e.outcomes.items() if o.passed is not None}
                for e in self.record.entries(self.backend, self.channel)}

    @cached_property
    def tools(self) -> dict[str, str]:
        """case id -> the expected tool ("(none)" for no-tool cases; chains are left out)."""
        return {cid: info.tool for cid, info in self.record.cases.items() if info.tool is not None}

    @property
    def profile(self) -> str:
        """The Continue profile the run's requests were built with, in a few words."""
        p = self.record.profile
        if not p.get("name"):
            return "no Continue profile recorded (a run from before profiles)"
        behaviour = p.get("continue_behaviour") or RELEASED  # (what a record from before behaviours stood for)
        return (f"{p.get('name')} ({p.get('provider')} provider, {p.get('tools')} tools, Continue {behaviour}, "
                f"{str(p.get('sha256'))[:12]})")

    @property
    def suites(self) -> dict[str, str]:
        return {s.file: s.sha256 for s in self.record.suites}

    @property
    def judged_by(self) -> str:
        """The rules that gave its verdicts (a record from before them: the literal matchers only)."""
        rules = self.record.plan.get("judged_by") or {}
        if not rules:
            return "argument matchers only (before verdicts by what a call finds)"
        return ", ".join(f"{k} {v}" for k, v in sorted(rules.items()))

    @property
    def settings(self) -> dict[str, Any]:
        return self.record.settings_used(self.backend)

    @property
    def sample(self) -> Sample | None:
        """The sample the run asked (--ctft-sample); None: every case."""
        return recorded(self.record.plan)


def views(record: RunRecord, source: str) -> list[RunView]:
    return [RunView(f"{source} [{backend}|{channel}]", record, backend, channel)
            for backend, channel in record.run_keys()]


def load_views(path: Path | str, label: str | None = None) -> list[RunView]:
    try:
        record = run_record.read(path)
    except run_record.RecordError as exc:
        raise ValueError(f"cannot use {path} as a run record: {exc}") from None
    return views(record, label or str(path))


@dataclass(frozen=True)
class RegressionSettings:
    alpha: float = 0.05
    max_drop_points: float = 5.0
    dimensions: tuple[str, ...] = field(default_factory=lambda: tuple(d.name for d in dimensions.registered()
                                                                      if d.regression))


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
    deltas: dict[str, DimensionDelta]
    notes: list[str]

    def regressed(self, rules: RegressionSettings) -> bool:
        return any(self.deltas[d].regressed(rules) for d in rules.dimensions if d in self.deltas)


def compare(base: RunView, current: RunView) -> Comparison:
    base_cases, current_cases = set(base.outcomes), set(current.outcomes)
    common = sorted(base_cases & current_cases)
    deltas = {}
    for dim in dimensions.names():
        pairs = [(c, base.outcomes[c][dim], current.outcomes[c][dim]) for c in common
                 if dim in base.outcomes[c] and dim in current.outcomes[c]]
        broken = [c for c, b, n in pairs if b and not n]
        fixed = [c for c, b, n in pairs if n and not b]
        deltas[dim] = DimensionDelta(dim, len(pairs), sum(b for _, b, _ in pairs), sum(n for _, _, n in pairs),
                                     broken, fixed, mcnemar_exact(len(broken), len(fixed)))
    notes = []
    if base.sample is not None or current.sample is not None:
        notes.append(comparison_note(base.sample, current.sample, len(common), len(base_cases - current_cases),
                                     len(current_cases - base_cases)))
    elif base_cases != current_cases:
        notes.append(f"compared on the {len(common)} cases both runs have "
                     f"({len(base_cases - current_cases)} only in the baseline, "
                     f"{len(current_cases - base_cases)} only in this run)")
    changed = sorted(f for f in set(base.suites) & set(current.suites) if base.suites[f] != current.suites[f])
    if changed:
        notes.append(f"suite files changed since the baseline: {', '.join(changed)}")
    settings_diff = sorted(k for k in set(base.settings) | set(current.settings)
                           if base.settings.get(k) != current.settings.get(k)
                           and k not in ("concurrency", "threads", *TRANSPORT_LIMITS))
    if settings_diff:
        notes.append("settings differ: " + ", ".join(
            f"{k} {base.settings.get(k)!r} -> {current.settings.get(k)!r}" for k in settings_diff))
    if base.profile != current.profile:
        notes.append(f"PROFILES DIFFER: the baseline's requests were built with {base.profile}, this run's with "
                     f"{current.profile}: the runs did not ask the same questions")
    if base.channel != current.channel:
        notes.append(f"channels differ: {base.channel} vs {current.channel}")
    if base.judged_by != current.judged_by:
        notes.append(f"JUDGED BY OTHER RULES: the baseline's verdicts were given by {base.judged_by}, this run's by "
                     f"{current.judged_by}; re-score the baseline with today's rules first: "
                     f"python -m ctft_eval rescore {base.label.split(' [')[0]} --out RESCORED.json")
    return Comparison(base, current, common, deltas, notes)


def pair_runs(baselines: list[RunView], currents: list[RunView]) -> list[tuple[RunView, RunView]]:
    """Each current run against every baseline run on the same channel."""
    return [(b, c) for c in currents for b in baselines if b.channel == c.channel]


def compare_all(baselines: list[RunView], currents: list[RunView]) -> list[Comparison]:
    return [compare(b, c) for b, c in pair_runs(baselines, currents)]


def profile_warning(run_views: list[RunView]) -> str | None:
    """A loud line when the runs were built with different Continue profiles."""
    profiles = list(dict.fromkeys(v.profile for v in run_views))
    if len(profiles) < 2:
        return None
    return "WARNING: these runs were built with different Continue profiles: " + "; ".join(
        f"{v.label}: {v.profile}" for v in run_views)


def common_cases(run_views: list[RunView]) -> set[str]:
    return set.intersection(*(set(v.outcomes) for v in run_views)) if run_views else set()


def rate(view: RunView, dim: str, cases: set[str], tool: str | None = None) -> tuple[int, int]:
    """(passed, total) of a dimension on some cases, optionally only those expecting one tool."""
    values = [view.outcomes[c][dim] for c in cases if c in view.outcomes and dim in view.outcomes[c]
              and (tool is None or view.tools.get(c) == tool)]
    return sum(values), len(values)
