"""`--ctft-sample N`: a deterministic sample of a run's cases, stratified by expected tool, dimension
and channel, for a fast first look at a model (the desk loop).

What is sampled. The population is the cases the run would ask: every collected case that is not
left out (a case expecting a tool the run does not offer). A sample is a set of whole cases: a
sampled case gets all its tests, on every channel and backend the run uses, so the channels (and
backends) are compared on the same cases and every channel sees every tool and dimension the sample
holds. That is how the sample is stratified by channel.

Order. Each case's place is the sha256 of a fixed seed and its id (SEED): the same suites and the
same N give the same sample on any machine, with no random state, and a case keeps its place when
other cases are added to or removed from the suites.

Coverage first. A case carries labels: each tool it expects (every step of a chain, every
acceptable alternative; "(none)" for a case that expects no call) and each dimension it counts in
(tool_selection, json_validity, arguments, chain, latency, ...). Every label some case of the
population carries must be in the sample: labels are taken from the rarest (carried by the fewest
cases) to the most common; a label not yet covered takes, of the cases carrying it, the one that
covers the most labels still uncovered (ties: the earlier place). That covering set is the
smallest sample that shows every tool and dimension (chains and a latency case included).

Then proportions. A case's stratum is its first expected tool and the dimensions it counts in (a
chain's first step; a latency case apart from its tool's untimed cases). Each stratum's share of
the sample is N times its share of the population; the slots left after the covering set go one by
one to the stratum furthest below its share (ties: the larger stratum, then its name), each taking
its earliest case not yet in the sample.

Sizes. N at least the population: every case runs, and the run is not a sample (said once, at
collection). N below the covering set's size: the covering set is taken anyway (a sample that
leaves a tool or a dimension out cannot say how the model does on it), and the sample says it is
larger than asked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ctft_eval.cases import Case

SEED = "ctft-sample/1"
"""The seed of the sample's order; changing it changes every sample (the record keeps it)."""
HOW = "stratified by tool, dimension and channel"
NO_TOOL = "(none)"


@dataclass(frozen=True)
class Sample:
    """The cases a sampled run asks, and what the record keeps of how they were drawn."""

    requested: int
    """N, as asked for with --ctft-sample."""
    total: int
    """The cases the run would ask without the sample (the population)."""
    cases: tuple[str, ...]
    """The sampled case ids, in the suites' order."""
    cover: int
    """How many cases it takes to show every expected tool and every dimension."""
    seed: str = SEED
    replayed: bool = False
    """Taken from the replayed record(s) (a run without --ctft-sample that replays a sample)."""

    @property
    def size(self) -> int:
        return len(self.cases)

    @property
    def whole(self) -> bool:
        """Every case of the population is in it: not a sample at all."""
        return self.size >= self.total

    def describe(self) -> str:
        """`a sample of 40 of 161 cases, stratified by tool, dimension and channel`."""
        text = f"a sample of {self.size} of {self.total} cases, {HOW}"
        if self.size > self.requested:
            text += (f" ({self.size}, not the {self.requested} asked for: it takes {self.cover} cases to show every "
                     "expected tool and every dimension)")
        return text

    def collection_line(self) -> str:
        """What the run says once, when the cases are collected."""
        if self.replayed:
            return (f"ctft-eval: the replayed record is {self.describe()} (seed {self.seed}): only its "
                    f"{self.size} sampled cases are asked; the other cases' tests are deselected")
        if self.whole:
            if self.requested >= self.total:
                why = (f"the suites have {self.total} case(s) to run, "
                       f"{'fewer than' if self.total < self.requested else 'exactly'} {self.requested}")
            else:
                why = f"showing every expected tool and every dimension takes all {self.total} case(s)"
            return f"ctft-eval: --ctft-sample {self.requested}: {why}: running all of them (not a sample)"
        return (f"ctft-eval: --ctft-sample {self.requested}: {self.describe()} (seed {self.seed}); the other "
                "cases' tests are deselected")

    def to_json(self) -> dict[str, Any]:
        return {"requested": self.requested, "total": self.total, "cover": self.cover, "seed": self.seed,
                "stratified_by": ["tool", "dimension", "channel"], "cases": list(self.cases)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Sample:
        return cls(int(data["requested"]), int(data["total"]), tuple(str(c) for c in data.get("cases") or ()),
                   int(data.get("cover", 0)), str(data.get("seed", SEED)))


def recorded(plan: Mapping[str, Any]) -> Sample | None:
    """The sample a record's run plan keeps; None for a full run (and every record from before samples)."""
    data = plan.get("sample")
    return Sample.from_json(data) if isinstance(data, Mapping) else None


def summary_line(sample: Sample) -> str:
    return f"ctft-eval: {sample.describe()}; rates and intervals are the sample's (without --ctft-sample, all run)"


def gates_line(sample: Sample) -> str:
    return (f"ctft-eval: the gates and any baseline comparison count the {sample.size} sampled cases only, "
            f"not all {sample.total}")


# ---- drawing ------------------------------------------------------------------------------------


def place(case_id: str, seed: str = SEED) -> str:
    """A case's place in the sample's order: a seeded hash of its id."""
    return hashlib.sha256(f"{seed}\0{case_id}".encode()).hexdigest()


def tools_of(case: Case) -> tuple[str, ...]:
    """The tools a case expects, each step's and each alternative ("(none)": it expects no call)."""
    named = [t for e in case.expectations for t in e.tools]
    return tuple(dict.fromkeys(named)) if named else (NO_TOOL,)


def labels(case: Case) -> frozenset[tuple[str, str]]:
    return frozenset({("tool", t) for t in tools_of(case)} | {("dimension", d) for d in case.dimensions})


def stratum(case: Case) -> tuple[str, tuple[str, ...]]:
    first = case.first_expectation.tools
    return (first[0] if first else NO_TOOL, tuple(case.dimensions))


def covering(population: list[Case]) -> list[Case]:
    """The smallest set (greedy, rarest label first) in which every label of the population shows."""
    carriers: dict[tuple[str, str], list[Case]] = {}
    for case in population:  # (the population is in the sample's order)
        for label in labels(case):
            carriers.setdefault(label, []).append(case)
    uncovered = set(carriers)
    chosen: list[Case] = []
    for label in sorted(carriers, key=lambda lb: (len(carriers[lb]), lb)):
        if label not in uncovered:
            continue
        best = max(carriers[label], key=lambda c: len(labels(c) & uncovered))  # (max keeps the first of ties)
        chosen.append(best)
        uncovered -= labels(best)
    return chosen


def draw(cases: Iterable[Case], requested: int, seed: str = SEED) -> Sample:
    """The sample of `requested` cases (see the module's docstring); `cases` in the suites' order."""
    if requested < 1:
        raise ValueError("a sample takes at least 1 case")
    given = list(cases)
    population = sorted(given, key=lambda c: place(c.id, seed))
    if requested >= len(population):
        return Sample(requested, len(given), tuple(c.id for c in given), 0, seed)
    cover = covering(population)
    taken = {c.id for c in cover}
    strata: dict[tuple[str, tuple[str, ...]], list[Case]] = {}
    for case in population:
        strata.setdefault(stratum(case), []).append(case)
    counts = {key: sum(c.id in taken for c in members) for key, members in strata.items()}
    for _ in range(requested - len(taken)):
        open_ = sorted(key for key, members in strata.items() if counts[key] < len(members))
        key = max(open_, key=lambda k: (requested * len(strata[k]) / len(population) - counts[k], len(strata[k])))
        taken.add(next(c.id for c in strata[key] if c.id not in taken))
        counts[key] += 1
    return Sample(requested, len(given), tuple(c.id for c in given if c.id in taken), len(cover), seed)



def comparison_note(base: Sample | None, current: Sample | None, common: int, base_only: int,
                    current_only: int) -> str:
    """The line a comparison gets when either run is a sample: it pairs the sampled cases only."""
    if base is not None and current is not None:
        who = f"both runs are samples (this run {current.size} of {current.total} cases, the baseline {base.size} " \
              f"of {base.total})"
    elif current is not None:
        who = f"this run is {current.describe()}"
    else:
        assert base is not None
        who = f"the baseline is {base.describe()}"
    return (f"{who}: compared on the {common} sampled case(s) both runs have, pair by pair ({base_only} of the "
            f"baseline's and {current_only} of this run's case(s) left out)")
