"""The run plan: one typed description of a run, and the two places where a case meets it.

RunConfig says how the run was made: the settings sent, the Continue profile and the Continue
behaviour it stands for, the channels, the provider, the tool set, how arguments are judged, the
repeat count, and the tools each case was offered. A live run builds it from its options
(`RunConfig.live`); it goes into the record, and `RunConfig.from_record` reads it back, so that a
re-scored or replayed record is judged under the plan it ran with.

    bind(case, config)                  what a case is in this run: the tools it offers, its latency
                                        budget, and whether (and why) it is left out
    score_entry(entry, case, config, d) the outcome of dimension d for one entry, every attempt
                                        scored and combined

The live session, `rescore` and replay go through these two and nothing else, so they agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ctft_eval import dimensions
from ctft_eval.cases import Case, Suite, SuiteError
from ctft_eval.catalog import TOOLS
from ctft_eval.profile import RELEASED, TOOL_SETS, tool_set
from ctft_eval.reply import Reply
from ctft_eval.safe_regex import RegexTimeout
from ctft_eval.scorers.judging import Judging, judging_as
from ctft_eval.scorers.outcome import Outcome, combine, matcher_timed_out, not_recorded
from ctft_eval.settings import Settings

if TYPE_CHECKING:
    from ctft_eval.profile import Profile
    from ctft_eval.record import Entry, RunRecord

MISSING_REASON = "missing from the replay record (not scored, not passed)"


@dataclass(frozen=True)
class RunConfig:
    """How a run was made, as far as binding cases and scoring replies depend on it."""

    settings: Mapping[str, Any]
    """The request settings the run sent (ctft_eval.settings.Settings.request_settings)."""
    provider: str = "ollama"
    tool_set: str = "default"
    """default, experimental, all, or captured (a profile captured from the user's own Continue)."""
    continue_behaviour: str = RELEASED
    """Which Continue the requests stand for (ctft_eval.profile.BEHAVIOURS)."""
    profile_tools: tuple[str, ...] | None = None
    """The tools the profile offers a case whose suite names none (None: unknown, an old record)."""
    channels: tuple[str, ...] = ()
    schema: str = "continue"
    repeat: int = 1
    offered: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per case id, the tools the run offered it (read from a record; empty in a live run's plan)."""

    @property
    def latency_budget(self) -> float:
        value = self.settings.get("latency_budget")
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
            else Settings.latency_budget  # (the setting's default, for a record without it)

    @classmethod
    def live(cls, settings: Mapping[str, Any], profile: Profile, channels: tuple[str, ...], repeat: int) -> RunConfig:
        return cls(dict(settings), profile.provider, profile.tools_name, profile.behaviour, tuple(profile.tools),
                   tuple(channels), str(settings.get("schema", "continue")), repeat)

    @classmethod
    def from_record(cls, record: RunRecord) -> RunConfig:
        """The plan a record was made with. A record from before run plans (format 1 or 2) keeps no
        tool lists: a built-in tool set is known by name; a captured one is not (profile_tools None)."""
        p = record.profile
        plan = record.plan
        tools_name = str(p.get("tools") or "default")
        if "profile_tools" in plan:
            profile_tools: tuple[str, ...] | None = tuple(plan["profile_tools"])
        else:
            profile_tools = tool_set(tools_name) if tools_name in TOOL_SETS else None
        offered = {str(c): tuple(t) for c, t in (plan.get("offered") or {}).items()}
        return cls(dict(record.settings), str(p.get("provider") or "ollama"), tools_name,
                   str(p.get("continue_behaviour") or RELEASED), profile_tools, tuple(record.channels),
                   str(p.get("schema") or "continue"), max(1, record.repeat), offered)

    def plan_json(self, cases: Mapping[str, Case]) -> dict[str, Any]:
        """What the record keeps of the plan besides its settings, channels, repeat and profile: the
        profile's tools, each bound case's offered tools, and the rules that judge (judged_by)."""
        from ctft_eval.scorers import effect

        return {"profile_tools": list(self.profile_tools or ()),
                "offered": {cid: list(case.tools) for cid, case in cases.items()}, "judged_by": effect.rules()}


@dataclass(frozen=True)
class Binding:
    case: Case
    """The case as this run asks it: its offered tools and latency budget decided."""
    left_out: str | None = None
    """Why the run leaves it out (it expects a tool the run does not offer); None: it runs."""


def bind(case: Case, config: RunConfig) -> Binding:
    """What a case is in this run. Offered tools: what the record says the run offered it; else the
    suite's own list; else the profile's tools plus the suite's custom tools. The latency budget: the
    suite's own, else the run's setting, for a case whose latency is measured."""
    recorded = config.offered.get(case.id)
    if recorded is not None:
        tools = recorded
    elif case.tools_declared:
        tools = case.tools
    elif config.profile_tools is not None:
        tools = (*config.profile_tools, *case.custom)
    else:  # an old record of a captured profile: which tools it offered was not kept
        tools = (*(t.name for t in TOOLS), *case.custom)
    budget = case.latency_budget
    if budget is None and case.latency:
        budget = config.latency_budget
    bound = replace(case, tools=tuple(tools), latency_budget=budget)
    wanted = [e.describe() for e in bound.expectations if e.wants_call and not set(e.tools) & set(bound.tools)]
    why = None
    if wanted:
        why = f"expects {', '.join(dict.fromkeys(wanted))}, which the {config.tool_set} tool set does not offer"
    return Binding(bound, why)


def attempts(entry: Entry, dimension: dimensions.Dimension, repeat: int) -> list[list[Reply]]:
    """The replies each attempt of this dimension is scored on (an empty list: none recorded)."""
    if dimension.timed:
        return [entry.timed_replies]
    found = [entry.replies, *entry.repeats][:repeat]
    return found + [[] for _ in range(repeat - len(found))]


def score_entry(entry: Entry, case: Case, config: RunConfig, dimension: str) -> Outcome:
    """Score one dimension of one entry on its recorded attempts, combine them (pass^k), and keep the
    outcome (and each attempt's verdict, under a repeat) in the entry. `case` is the bound case."""
    dim = dimensions.get(dimension)

    def verdict(replies: list[Reply]) -> Outcome:
        if not replies:
            return not_recorded(dimension, MISSING_REASON)
        try:
            return dim.score(case, replies)
        except RegexTimeout as exc:  # the suite's problem: no verdict on the model
            return matcher_timed_out(dimension, str(exc))

    with judging_as(Judging(config.schema)):  # type: ignore[arg-type]
        outcomes = [verdict(replies) for replies in attempts(entry, dim, config.repeat)]
    outcome = combine(outcomes)
    entry.outcomes[dimension] = outcome
    if len(outcomes) > 1:
        entry.attempts[dimension] = [o.passed for o in outcomes]
    else:
        entry.attempts.pop(dimension, None)
    return outcome


@dataclass
class BoundCases:
    """The suites a run collected and its cases as bound to it (with the ones left out, and why)."""

    suites: dict[str, Suite] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)

    def add(self, suite: Suite, config: RunConfig) -> list[Case]:
        """Bind a suite's cases; a case id another suite file already uses is a SuiteError."""
        for other in self.suites.values():
            clash = {c.id for c in other.cases} & {c.id for c in suite.cases}
            if clash and other.file != suite.file:
                raise SuiteError(suite.file, sorted(clash)[0], f"case id also used in {other.file}")
        self.suites[suite.file] = suite
        bound = []
        for case in suite.cases:
            binding = bind(case, config)
            if binding.left_out is not None:
                self.left_out[case.id] = binding.left_out
            self.cases[case.id] = binding.case
            bound.append(binding.case)
        return bound
