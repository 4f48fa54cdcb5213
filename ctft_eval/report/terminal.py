"""The terminal report (tabulate): a run's dimension, tool, failure and repeat tables, the gate
table and the verdict, and comparisons as plain tables; all rendered from how the run ended
(ctft_eval.ending.RunEnd: the run record, the verdict, the comparisons, where the record went)."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from ctft_eval import dimensions, shown
from ctft_eval.compare import Comparison, RegressionSettings, RunView
from ctft_eval.ending import RunEnd
from ctft_eval.profile import BEHAVIOURS, RELEASED
from ctft_eval.record import Gate, RunRecord
from ctft_eval.report.cache_summary import cache_lines
from ctft_eval.report.cells import comparison_lines, pct, rate_cells
from ctft_eval.results import (
    case_count,
    chain_progress,
    dimension_rates,
    failure_counts,
    missing_cases,
    repeat_rates,
    statistic,
    suite_problems,
    tool_rates,
)
from ctft_eval.safe_regex import MATCH_TIMEOUT_S
from ctft_eval.sample import gates_line, recorded, summary_line

TABLE_FORMAT = "github"


class Safe:
    """pytest's terminal reporter for text that may quote a model, a server or a record: every
    line goes out through ctft_eval.shown, so no escape sequence or control character reaches the
    terminal raw (values in lines are escaped as one line where they are formatted)."""

    def __init__(self, tr: Any):
        self.tr = tr.tr if isinstance(tr, Safe) else tr

    def write_line(self, text: str, **markup: bool) -> None:
        self.tr.write_line(shown.block(text), **markup)

    def section(self, title: str) -> None:
        self.tr.section(shown.line(title))


def _gate_cells(dim: dimensions.Dimension, gate: Gate | None) -> tuple[str, str]:
    """(the gate's condition, the verdict) for a dimension's row."""
    if gate is None:
        return "—", "(no gate)"
    need = f">= {gate.threshold:.0%}" if dim.gate == "rate" else f"{dim.gate} <= {gate.threshold:g} {dim.unit}"
    verdict = "n/a" if gate.observed is None else ("PASS" if gate.holds else "FAIL")
    return need, verdict


def chain_note(record: RunRecord, backend: str, channel: str) -> str:
    """Live chains: their mean progress, and how many the client stopped (left out of the rate)."""
    mean, judged, stopped = chain_progress(record, backend, channel)
    if mean is None:
        return ""
    note = f"progress {mean:.0%} of milestones over {judged}"
    return note + (f"; {stopped} stopped by the client, not counted" if stopped else "")


def dimension_table(record: RunRecord, backend: str, channel: str, gates: list[Gate]) -> str:
    by_name = {g.name: g for g in gates if (g.backend, g.channel) == (backend, channel)}
    rows = []
    for name, r in dimension_rates(record, backend, channel).items():
        dim = dimensions.get(name)
        need, verdict = _gate_cells(dim, by_name.get(dim.gate_name))
        note = ""
        if dim.gate != "rate":
            value = statistic(record, backend, channel, name)
            note = "" if value is None else f"{dim.gate} {value:.2f} {dim.unit}"
        elif name == "chain":
            note = chain_note(record, backend, channel)
        rows.append([name, *rate_cells(r), need, verdict, note])
    return tabulate(rows, ["dimension", "passed", "rate", "95% CI", "gate", "verdict", "note"], TABLE_FORMAT)


def tool_table(record: RunRecord, backend: str, channel: str) -> str:
    rows = []
    for name, rates in tool_rates(record, backend, channel).items():
        row = [shown.line(name, 60)]
        for i, r in enumerate(rates.values()):
            row += [f"{r.passed}/{r.total}" if r.total or i == 0 else "—", pct(r.rate)]
        rows.append(row)
    short = {"tool_selection": ("selection", "sel. rate"), "arguments": ("arguments", "arg. rate")}
    headers = ["expected tool"]
    for d in dimensions.registered():
        if d.per_tool:
            headers += list(short.get(d.name, (d.name, "rate")))
    return tabulate(rows, headers, TABLE_FORMAT)


def failure_table(record: RunRecord, backend: str, channel: str) -> str:
    counts = failure_counts(record, backend, channel)
    if not counts:
        return ""
    rows = [(shown.line(kind, 60), n) for kind, n in sorted(counts.items(), key=lambda kv: -kv[1])]
    return tabulate(rows, ["failure class", "count"], TABLE_FORMAT)


def repeat_table(record: RunRecord, backend: str, channel: str) -> str:
    table = repeat_rates(record, backend, channel)
    if not table:
        return ""
    rows, flaky_lines = [], []
    for dim, (at_k, hat_k, flaky) in table.items():
        rows.append([dim, *rate_cells(at_k)[:2], *rate_cells(hat_k)[:2], len(flaky)])
        flaky_lines += [f"flaky {dim}: {shown.line(case, 120)}" for case in flaky]
    text = tabulate(rows, ["dimension", "pass@k", "rate", "pass^k", "rate", "flaky cases"], TABLE_FORMAT)
    return "\n".join([text, *flaky_lines])


def gate_table(gates: list[Gate]) -> str:
    rows = []
    for g in gates:
        if g.observed_text is not None:
            rows.append([g.backend, g.channel, g.name, g.observed_text, g.needed_text, "PASS" if g.holds else "FAIL"])
            continue
        dim = dimensions.by_gate_name(g.name)
        if dim is not None and dim.gate != "rate":
            observed = "—" if g.observed is None else f"{g.observed:.2f} {dim.unit}"
            need = f"<= {g.threshold:g} {dim.unit}"
        else:
            observed, need = pct(g.observed), f">= {g.threshold:.0%}"
        verdict = "n/a" if g.observed is None else ("PASS" if g.holds else "FAIL")
        rows.append([g.backend, g.channel, g.name, observed, need, verdict])
    return tabulate(rows, ["backend", "channel", "gate", "observed", "needed", "verdict"], TABLE_FORMAT)


def summary(record: RunRecord) -> str:
    parts = []
    for backend, channel in record.run_keys():
        parts.append(f"ctft-eval: {backend} on the {channel} channel, {case_count(record, backend, channel)} cases")
        parts += [dimension_table(record, backend, channel, record.gates), "", tool_table(record, backend, channel)]
        for extra in (failure_table(record, backend, channel), repeat_table(record, backend, channel)):
            if extra:
                parts += ["", extra]
        parts.append("")
    return "\n".join(parts).rstrip()


def comparison(views: list[RunView], comparisons: list[Comparison], rules: RegressionSettings) -> str:
    return "\n".join(comparison_lines(views, comparisons, rules, "simple", markdown=False))


def profile_lines(record: RunRecord) -> list[str]:
    """How the requests were built and the replies judged, and where that differs from Continue."""
    if not record.profile:
        return []
    p = {k: shown.line(v, 200) if isinstance(v, str) else v for k, v in record.profile.items()}
    judged = "by the strict JSON schema" if p.get("schema") == "strict" else "as Continue's tools receive them"
    behaviour = p.get("continue_behaviour") or RELEASED
    lines = [f"ctft-eval: requests built as Continue's {p.get('provider')} provider builds them (profile "
             f"{p.get('name')}, {p.get('tools')} tools); arguments judged {judged}",
             f"ctft-eval: Continue behaviour {behaviour}: {BEHAVIOURS.get(behaviour, 'unknown')}"
             + (" (the openai provider sends tools on every request in any case)"
                if p.get("provider") == "openai" else "")]
    if p.get("deviations"):
        pinned = shown.line("; ".join(map(str, p["deviations"])), 400)
        lines.append(f"ctft-eval: pinned for reproducible runs, unlike Continue: {pinned} "
                     "(--ctft-set max_tokens=4096 sends Continue's limit)")
    left = p.get("left_out") or {}
    if left:
        names = shown.line(", ".join(map(str, sorted(left)[:12])), 600) + (", …" if len(left) > 12 else "")
        lines.append(f"ctft-eval: {len(left)} case(s) left out, expecting tools this profile does not offer "
                     f"(--ctft-tools experimental or all runs them): {names}")
    return lines


def write_session(tr, end: RunEnd) -> None:
    """The whole end-of-run report on pytest's terminal reporter, for a run that scored cases."""
    tr = Safe(tr)
    record, verdict = end.record, end.verdict
    tr.section("ctft-eval summary")
    for line in profile_lines(record):
        tr.write_line(line)
    for line in cache_lines(record, end.interrupted):
        tr.write_line(line)
    sample = recorded(record.plan)
    if sample is not None:
        tr.write_line(summary_line(sample), yellow=True)
    tr.write_line(summary(record))
    problems = suite_problems(record)
    if problems:
        tr.write_line(f"ctft-eval: {len(problems)} verdict(s) not given, a problem of the suite (matcher_timeout: a "
                      f"regex ran past its {MATCH_TIMEOUT_S:g} s limit), left out of the rates: "
                      f"{shown.line(', '.join(problems[:20]), shown.LIMIT)}", yellow=True)
    missing = missing_cases(record)
    if missing:
        tr.write_line(f"ctft-eval: {len(missing)} case(s) missing from the replay record, not scored: "
                      f"{shown.line(', '.join(missing[:20]), shown.LIMIT)}", yellow=True)
    stopped = sum(chain_progress(record, b, c)[2] for b, c in dict.fromkeys((e.backend, e.channel)
                                                                          for e in record.results))
    if stopped:
        tr.write_line(f"ctft-eval: {stopped} chain(s) stopped by the client, not by the model: Continue's released "
                      "ollama provider sends no tools after a tool result, so a native chain cannot go on; they are "
                      "left out of the chain rate. --ctft-continue=tools-every-request measures the model's own "
                      "multi-step skill", yellow=True)
    if end.comparisons or end.baselines:
        tr.section("ctft-eval baseline comparison")
        if end.comparisons and end.rules is not None:
            tr.write_line(comparison(end.views, end.comparisons, end.rules))
        else:
            tr.write_line("no baseline run shares a channel with this run: nothing to compare")
    tr.section("ctft-eval gates")
    tr.write_line(gate_table(record.gates))
    if sample is not None:
        tr.write_line(gates_line(sample), yellow=True)
    if end.interrupted:
        tr.write_line(interrupted_line(record, verdict.exit_status), red=True, bold=True)
    elif verdict.failed:
        tr.write_line(verdict.explanation(), red=True, bold=True)
    else:
        tr.write_line(verdict.explanation(), green=True)
    write_record_line(tr, end)


def interrupted_line(record: RunRecord, status: int) -> str:
    done = sum(1 for e in record.results if e.outcomes)
    return (f"INTERRUPTED: the run was stopped before it finished; the tables and gates above count only the "
            f"{done} case(s) scored before that, so no gate decides it: exit status {status}")


def write_record_line(tr, end: RunEnd) -> None:
    """Where the run record went; when the path asked for failed, why, and where the copy is."""
    tr = Safe(tr)
    written = end.written
    if end.interrupted and not end.scored:
        for line in cache_lines(end.record, interrupted=True):
            tr.write_line(line)
    if written is None:
        if end.interrupted and not end.scored:
            tr.write_line("ctft-eval: INTERRUPTED before any case was scored", red=True, bold=True)
        return
    if end.interrupted and not end.scored:
        replies = sum(len(e.replies) for e in end.record.results)
        tr.write_line(f"ctft-eval: INTERRUPTED before any case was scored; the record keeps the {replies} "
                      "repl(ies) that finished", red=True, bold=True)
    if written.error is None:
        tr.write_line(f"ctft-eval: run record written to {written.path}")
        return
    tr.write_line(f"ctft-eval: ERROR: {written.error}", red=True, bold=True)
    if written.path is not None:
        tr.write_line(f"ctft-eval: the run record was written to {written.path} instead", red=True, bold=True)
