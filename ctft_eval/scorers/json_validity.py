"""json_validity: every call's arguments parse to a JSON object that the offered tool can run with.

How "can run with" is judged depends on `judging().schema`:
- continue (the default): as Continue's tool would read them (`ctft_eval.coercion.received`): it
  never validates against the JSON schema, coerces "10" to 10 and "true" to true, ignores unknown
  arguments, and fails only on what its own helpers and per-tool checks reject;
- strict: against the catalog's JSON schema (types exact, required fields, no unknown fields).

Denominator: cases expecting a call whose replies contain at least one call (native or written in
text); a reply with no call at all has nothing to validate and is left out (tool_selection counts it)."""

from __future__ import annotations

from jsonschema import Draft202012Validator

from ctft_eval import custom_tools
from ctft_eval.cases import Case
from ctft_eval.catalog import strict_schema
from ctft_eval.coercion import received
from ctft_eval.dimensions import Dimension
from ctft_eval.reply import Reply, ToolCall
from ctft_eval.scorers.judging import judging
from ctft_eval.scorers.outcome import Outcome, failed, not_applicable, passed

NAME = "json_validity"
_MODE_WORDS = {"continue": "as Continue reads them", "strict": "strict schema"}


def _strict_problem(call: ToolCall, arguments: dict) -> tuple[str, str] | None:
    validator = Draft202012Validator(strict_schema(call.name))
    errors = sorted(validator.iter_errors(arguments), key=lambda e: list(e.path))
    if errors:
        details = "; ".join(
            (".".join(str(p) for p in e.path) + ": " if e.path else "") + e.message for e in errors[:3]
        )
        return "schema", f"{call.name}: {details}"
    return None


def call_problem(call: ToolCall, offered: tuple[str, ...], custom: dict[str, dict] | None = None
                 ) -> tuple[str, str] | None:
    """(failure class, reason) when one call's arguments are not valid, else None. A suite's own
    tool (an MCP server's, say) is judged by its own schema in either mode, as its server would."""
    if call.arguments is None:
        return "invalid_json", f"{call.name}: {call.parse_error}; got {call.raw_arguments[:120]!r}"
    if call.name not in offered:
        return "unknown_tool", f"{call.name}: no such tool was offered, so its arguments have no schema"
    if custom and call.name in custom:
        found = custom_tools.problems(custom[call.name], call.arguments)
        return ("schema", f"{call.name}: {'; '.join(found)}") if found else None
    if judging().schema == "strict":
        return _strict_problem(call, call.arguments)
    problems = received(call.name, call.arguments).problems
    if problems:
        return "schema", f"{call.name}: Continue's tool fails: {'; '.join(problems[:3])}"
    return None


def score(case: Case, replies: list[Reply]) -> Outcome:
    broken = next((r for r in replies if r.error), None)
    if broken is not None:  # a failed request (a stream cut inside the arguments...) is never the model's mistake
        return failed(NAME, "backend_error", f"the request failed: {broken.error}")
    calls = [c for r in replies for c in r.tool_calls]
    if not calls:
        return not_applicable(NAME, "no tool call in the reply: nothing to validate")
    for call in calls:
        problem = call_problem(call, case.tools, case.custom)
        if problem:
            return failed(NAME, *problem)
    return passed(NAME, f"{len(calls)} call(s) with valid arguments ({_MODE_WORDS[judging().schema]})")


DIMENSION = Dimension(
    NAME, lambda case: case.is_chain or case.first_expectation.wants_call, score, threshold=0.99,
)
