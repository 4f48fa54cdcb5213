"""Gates: thresholds from [tool.ctft_eval.gates] that decide a run's exit status."""

from __future__ import annotations

from dataclasses import dataclass

from ctft_eval.results import Results


@dataclass(frozen=True)
class Gate:
    backend: str
    channel: str
    name: str
    observed: float | None
    threshold: float
    holds: bool
    detail: str
    observed_text: str | None = None
    needed_text: str | None = None

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def evaluate(results: Results, thresholds: dict[str, float]) -> list[Gate]:
    """Every configured gate for every (backend, channel) run. A rate gate holds when the pass rate
    is at least its threshold; latency_median holds when the median wall time is at most it.
    A gate with no cases to count holds, and says so."""
    gates: list[Gate] = []
    for backend, channel in results.runs():
        rates = results.dimension_rates(backend, channel)
        for name, threshold in thresholds.items():
            if name == "latency_median":
                observed = results.latency_median(backend, channel)
                holds = observed is None or observed <= threshold
                detail = "no latency cases" if observed is None else f"median {observed:.2f} s <= {threshold:g} s?"
            else:
                rate = rates[name]
                observed = rate.rate
                holds = observed is None or observed >= threshold
                detail = "no cases" if observed is None else f"{rate.passed}/{rate.total} >= {threshold:.0%}?"
            gates.append(Gate(backend, channel, name, observed, threshold, holds, detail))
    return gates


def regression_gates(comparisons: list, rules: dict) -> list[Gate]:
    """One gate per gated dimension and comparison: it fails when the dimension dropped
    significantly (exact McNemar p < alpha) or by more than max_drop_points."""
    from ctft_eval.compare import regression_settings

    settings = regression_settings(rules)
    gates = []
    for comp in comparisons:
        for dim in settings.dimensions:
            d = comp.deltas.get(dim)
            if d is None or not d.pairs:
                continue
            gates.append(Gate(
                comp.current.backend, comp.current.channel, f"regression {dim}", d.delta,
                settings.max_drop_points, not d.regressed(settings),
                f"vs {comp.base.label}: {d.delta * 100:+.1f} pts over {d.pairs} paired cases, "
                f"{len(d.broken)} broken / {len(d.fixed)} fixed, McNemar p={d.p_value:.4f}",
                observed_text=f"{d.delta * 100:+.1f} pts, p={d.p_value:.3f} vs {comp.base.backend}",
                needed_text=f"no drop with p<{settings.alpha:g} or >{settings.max_drop_points:g} pts",
            ))
    return gates
