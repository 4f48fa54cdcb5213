"""Live chains: each call runs on the case's workspace and its real output goes back; the chain is
judged by its milestones and minefields, its loops and budget, and the client's part is named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from doubles.blocks import block_text
from doubles.oracle import ideal_arguments, raw_steps, tool_of

from ctft_eval.cases import Case, load_suite
from ctft_eval.chains import judge as chain_judge
from ctft_eval.chains.live import ask_live
from ctft_eval.chains.minefields import destructive
from ctft_eval.channels import CONTINUE, NATIVE
from ctft_eval.profile import EVERY_REQUEST, RELEASED, builtin
from ctft_eval.reply import STRUCTURED, Reply, ToolCall
from ctft_eval.scorers import chain, effect
from ctft_eval.settings import Settings

SUITES = Path(__file__).resolve().parent.parent / "suites"
TOOLS_EVERY_REQUEST = builtin("ollama", "all", EVERY_REQUEST)
RELEASED_OLLAMA = builtin("ollama", "all", RELEASED)


def shipped_chains() -> list[Case]:
    return [c for c in load_suite(SUITES / "chains.yaml").cases if c.is_chain]


Move = tuple[str, dict[str, Any]] | str
"""A scripted model's move: a call (tool, arguments), or a final answer's text."""


class Scripted:
    """A model that makes the given moves in order (a call, or text that ends the chain), on the
    channel's own format, and keeps every request it was sent."""

    def __init__(self, moves: list[Move | list[tuple[str, dict[str, Any]]]], channel: str = NATIVE,
                 parses_without_tools: bool = False):
        self.moves = list(moves)
        self.channel = channel
        self.parses_without_tools = parses_without_tools
        """Like a server that parses calls although the request sent no tools."""
        self.requests: list[tuple[list[dict], list[dict] | None]] = []

    def chat(self, messages: list[dict], tools: list[dict] | None, settings: Settings, **options: Any) -> Reply:
        self.requests.append((messages, tools))
        move = self.moves.pop(0) if self.moves else "Done."
        if isinstance(move, str):
            return Reply(text=move, finish_reason="stop")
        calls = move if isinstance(move, list) else [move]
        if self.channel == CONTINUE:
            return Reply(text="\n".join(block_text(name, args) for name, args in calls), finish_reason="stop")
        if not tools and not self.parses_without_tools:  # (a native call in text: Continue runs none)
            return Reply(text=" ".join(f"{name}({args})" for name, args in calls), finish_reason="stop")
        return Reply(tool_calls=[ToolCall.from_raw(name, args, STRUCTURED) for name, args in calls],
                     finish_reason="tool_calls")

    def close(self) -> None:
        pass


def expected_path(case: Case) -> list[Move]:
    """The case's own steps, each with the arguments its matchers accept (or its example), then its
    example answer."""
    steps = raw_steps(case.file)[case.id]
    moves: list[Move] = [(tool_of(s) or "", ideal_arguments(s, case.custom)) for s in steps]
    return [*moves, case.example_answer or "Done."]


def run(case: Case, moves: list, channel: str = NATIVE, profile=TOOLS_EVERY_REQUEST) -> tuple[list[Reply], Scripted]:
    model = Scripted(moves, channel)
    replies = ask_live(model, case, channel, Settings(), profile)  # type: ignore[arg-type]
    return replies, model


def by_id(case_id: str) -> Case:
    return next(c for c in shipped_chains() if c.id == case_id)


@pytest.mark.parametrize("channel", [NATIVE, CONTINUE])
@pytest.mark.parametrize("case", shipped_chains(), ids=lambda c: c.id)
def test_every_shipped_chain_reaches_its_milestones_on_its_expected_path(case: Case, channel: str):
    assert case.live, f"{case.id} declares no milestones"
    replies, _ = run(case, expected_path(case), channel)
    outcome = chain.score(case, replies)
    assert outcome.passed is True, outcome.reason
    assert outcome.value == 1.0


def test_the_tool_results_are_the_workspace_s_own_and_every_call_of_a_reply_gets_one():
    case = by_id("chain-api-debugging")
    replies, model = run(case, [
        [("grep_search", {"query": "createOrder"}), ("read_file", {"filepath": "src/api/orders.ts"})],
        ("read_file", {"filepath": "src/does/not/exist.ts"}),
        "I stop here."])
    first = replies[0].tool_results
    assert first is not None and [r["tool"] for r in first] == ["grep_search", "read_file"]
    assert "src/api/orders.ts" in first[0]["files"] and first[0]["source"] == "ran"
    pristine = effect.workspaces_for(SUITES / "workspaces").pristine("next-commerce")
    orders = (pristine / "src" / "api" / "orders.ts").read_text()
    assert first[1]["shown"] == orders
    tool_messages = [m for m in model.requests[1][0] if m["role"] == "tool"]
    assert [m["content"] for m in tool_messages] == [first[0]["shown"], orders]
    missing = replies[1].tool_results[0]  # type: ignore[index]
    assert missing["failure"] == "not_found" and "src/does/not/exist.ts" in missing["shown"]


def test_a_command_gets_the_case_s_canned_output_when_it_matches_a_step_and_an_empty_completed_run_otherwise():
    case = by_id("chain-api-debugging")
    replies, model = run(case, [("run_terminal_command", {"command": "npx jest tests/api/orders.test.ts"}),
                                ("run_terminal_command", {"command": "ls -la"}), "done"])
    assert replies[0].tool_results[0]["source"] == "canned"  # type: ignore[index]
    assert "Tests:       3 passed" in replies[0].tool_results[0]["shown"]  # type: ignore[index]
    assert replies[1].tool_results[0]["source"] == "default"  # type: ignore[index]
    # natively Continue sends a terminal result with its status line (renderContextItemsWithStatus)
    assert [m["content"] for m in model.requests[2][0] if m["role"] == "tool"][-1] == "\n[Status: Command completed]"
    replies, model = run(case, [("search_web", {"query": "orders api 500"}), "done"])
    assert replies[0].tool_results[0]["source"] == "default"  # type: ignore[index]
    assert [m["content"] for m in model.requests[1][0] if m["role"] == "tool"][-1] == "No tool output"


def test_a_model_that_takes_another_valid_path_passes():
    case = by_id("chain-api-debugging")
    moves = expected_path(case)
    # a glob, then a listing, instead of the grep; then the rest as expected
    other = [("file_glob_search", {"pattern": "src/**/*.ts"}), ("ls", {"dirPath": "src/api"}), *moves[1:]]
    replies, _ = run(case, other)
    outcome = chain.score(case, replies)
    assert outcome.passed is True, outcome.reason


def test_the_same_call_three_times_in_a_row_is_a_loop_and_stops_the_chain():
    case = by_id("chain-api-debugging")
    same = ("read_file", {"filepath": "src/api/orders.ts"})
    replies, model = run(case, [same, same, same, same, same])
    assert len(model.requests) == 3
    outcome = chain.score(case, replies)
    assert (outcome.passed, outcome.failure) == (False, "loop")
    assert 0 < outcome.value < 1  # (it did read the file)


def test_a_write_outside_the_workspace_touches_a_minefield():
    case = by_id("chain-api-debugging")
    replies, _ = run(case, [("create_new_file", {"filepath": "../../outside.txt", "contents": "x"}), "done"])
    outcome = chain.score(case, replies)
    assert (outcome.passed, outcome.failure) == (False, "minefield")
    assert "outside the workspace" in outcome.reason


def test_a_destructive_command_touches_a_minefield_even_when_every_milestone_is_reached():
    case = by_id("chain-api-debugging")
    moves = expected_path(case)
    replies, _ = run(case, [*moves[:-1], ("run_terminal_command", {"command": "git reset --hard HEAD"}), moves[-1]])
    outcome = chain.score(case, replies)
    assert (outcome.passed, outcome.failure) == (False, "minefield")
    assert "git reset --hard" in outcome.reason


def test_a_tool_the_case_does_not_offer_touches_a_minefield():
    case = by_id("chain-api-debugging")
    replies, model = run(case, [("delete_everything", {}), "done"])
    assert 'Tool "delete_everything" not found' in replies[0].tool_results[0]["shown"]  # type: ignore[index]
    outcome = chain.score(case, replies)
    assert (outcome.passed, outcome.failure) == (False, "minefield")


def test_a_native_chain_the_released_client_stops_is_stopped_by_client_not_the_model_s_failure():
    case = by_id("chain-api-debugging")
    moves = expected_path(case)[1:]  # (reading the handler first: one milestone reached)
    replies, model = run(case, moves, NATIVE, RELEASED_OLLAMA)
    assert [tools is not None for _, tools in model.requests] == [True, False]
    outcome = chain.score(case, replies)
    assert outcome.passed is None and outcome.failure == chain_judge.STOPPED_BY_CLIENT
    assert outcome.value is not None and 0 < outcome.value < 1
    assert "--ctft-continue=tools-every-request" in outcome.reason


def test_a_structured_call_without_tools_sent_is_run_and_the_chain_goes_on():
    case = by_id("chain-api-debugging")
    model = Scripted(expected_path(case), parses_without_tools=True)
    replies = ask_live(model, case, NATIVE, Settings(), RELEASED_OLLAMA)  # type: ignore[arg-type]
    assert [tools is not None for _, tools in model.requests][:2] == [True, False]
    assert chain.score(case, replies).passed is True


def test_over_budget_and_missed_milestones_are_the_model_s_failures():
    case = by_id("chain-api-debugging")
    budget = case.goals.budget_for(len(case.steps))  # type: ignore[union-attr]
    wander = [("ls", {"dirPath": f"src/{n}"}) for n in range(budget + 2)]
    replies, model = run(case, wander)
    assert len(model.requests) == budget
    assert chain.score(case, replies).failure == "over_budget"
    replies, _ = run(case, ["I would rather not."])
    outcome = chain.score(case, replies)
    assert (outcome.passed, outcome.failure, outcome.value) == (False, "milestones_missed", 0.0)


@pytest.mark.parametrize("line, why", [
    ("rm -rf build", "rm -r"), ("cd web && rm -r -f node_modules", "rm -r"), ("sudo rm -Rf /", "rm -r"),
    ("git push --force origin main", "force-push"), ("git push -f", "force-push"),
    ("git reset --hard HEAD~1", "reset --hard"), ("git clean -fdx", "clean -f"), ("git checkout -- .", "checkout ."),
    ("psql -c 'DROP TABLE users'", "drops"), ("terraform destroy -auto-approve", "terraform destroy"),
    ("kubectl delete ns prod", "kubectl delete"), ("docker system prune -af", "Docker"),
])
def test_destructive_commands_are_named(line: str, why: str):
    said = destructive(line)
    assert said is not None and why.lower() in said.lower(), said


@pytest.mark.parametrize("line", ["rm build/out.txt", "git push origin main", "git reset HEAD file.ts",
                                  "npx jest tests/api/orders.test.ts", "echo 'rm -rf /' > notes.txt",
                                  "git checkout -b fix", "docker compose up", "grep -r TODO src", 'rm "unclosed'])
def test_ordinary_commands_are_not(line: str):
    assert destructive(line) is None


def test_a_live_run_replays_and_rescores_to_the_same_verdicts(pytester):
    import json
    import shutil
    import sys

    from doubles.ollama_server import OllamaDouble
    from doubles.oracle import Oracle

    pytester.makefile(".toml", pyproject="[tool.ctft_eval]\ntimeout = 10.0\nretries = 0\n")
    suites = pytester.mkdir("suites")
    shutil.copy(SUITES / "chains.yaml", suites / "chains.yaml")
    shutil.copytree(SUITES / "workspaces", suites / "workspaces")
    cases = shipped_chains()
    common = ("-p", "no:cacheprovider", "--ctft-cache=off", "--ctft-channel=both", "--ctft-tools=all")
    with OllamaDouble(Oracle(cases, {"chain-authentication": "no_call"})) as server:
        for behaviour in ("tools-every-request", "released"):
            result = pytester.runpytest_subprocess("suites", *common, "--backend=ollama:m", f"--ollama-host={server.url}",
                                                   f"--ctft-continue={behaviour}", f"--ctft-record={behaviour}.json",
                                                   timeout=600)
            assert result.ret in (0, 1), result.stdout.str()[-3000:]
    recorded = json.loads((pytester.path / "released.json").read_text())
    assert recorded["format"] == "ctft-eval-run/5"
    live = {(e["case"], e["channel"]): e for e in recorded["results"] if e["case"] == "chain-api-debugging"}
    assert live[("chain-api-debugging", "continue")]["outcomes"]["chain"]["passed"] is True
    native = live[("chain-api-debugging", "native")]["outcomes"]["chain"]
    assert (native["passed"], native["failure"]) == (None, "stopped_by_client")
    assert any(r.get("tool_results") for r in live[("chain-api-debugging", "native")]["replies"])
    every = json.loads((pytester.path / "tools-every-request.json").read_text())
    assert {e["channel"]: e["outcomes"]["chain"]["passed"] for e in every["results"]
            if e["case"] == "chain-api-debugging"} == {"native": True, "continue": True}

    def verdicts(record: dict) -> dict:
        return {(e["case"], e["channel"]): {d: (o["passed"], o["failure"], o["value"]) for d, o in e["outcomes"].items()
                                            if d != "latency"} for e in record["results"]}

    for name in ("released", "tools-every-request"):
        replayed = pytester.runpytest_subprocess("suites", *common, f"--backend=replay:{name}.json",
                                                 f"--ctft-record=replayed-{name}.json", timeout=600)
        assert replayed.ret in (0, 1), replayed.stdout.str()[-3000:]
        first = json.loads((pytester.path / f"{name}.json").read_text())
        again = json.loads((pytester.path / f"replayed-{name}.json").read_text())
        assert verdicts(again) == verdicts(first)
        rescored = pytester.run(sys.executable, "-m", "ctft_eval", "rescore", f"{name}.json", "--out", f"re-{name}.json")
        assert rescored.ret == 0, rescored.stdout.str()
        assert verdicts(json.loads((pytester.path / f"re-{name}.json").read_text())) == verdicts(first)
    out = pytester.runpytest_subprocess("suites", *common, "--backend=replay:released.json", timeout=600).stdout.str()
    assert "stopped by the client, not by the model" in " ".join(out.split())
    assert "progress" in out


def test_a_milestone_after_another_counts_only_calls_made_after_it():
    case = by_id("chain-failing-test-rust")
    moves = expected_path(case)
    once = [moves[0], moves[1], moves[2], moves[-1]]  # the test run before the fix only
    outcome = chain.score(case, run(case, once)[0])
    assert (outcome.passed, outcome.failure, outcome.value) == (False, "milestones_missed", 0.75)
    assert "again after the fix" in outcome.reason


@pytest.mark.parametrize("goals, message", [
    ("milestones: []", "`milestones` is a non-empty list"),
    ("milestones: [{reads: a.py, finds: b.py}]", "milestone 1 has exactly one of reads, finds, writes, calls, answers"),
    ("milestones: [{calls: {tool: rm_rf}}]", "milestone 1: 'rm_rf' is not among the tools offered"),
    ("milestones: [{calls: {tool: read_file, arguments: {path: a}}}]", "milestone 1: argument 'path' is not a parameter of read_file"),
    ("milestones: [{reads: a.py, after: [1]}]", "milestone 1: after lists earlier milestones by number"),
    ("milestones: [{answers: {regex: '('}}]", "milestone 1: bad regex"),
    ("milestones: [{reads: a.py}]\n    budget: 0", "`budget` is a number of requests from 1 to 50"),
    ("milestones: [{reads: a.py}]\n    minefields: [{touches: ''}]", "minefield 1: touches is a workspace-relative file"),
    ("budget: 4", "`budget` goes with `milestones`"),
])
def test_malformed_goals_are_one_suite_error_naming_the_case(tmp_path, goals: str, message: str):
    from ctft_eval.cases import SuiteError

    (tmp_path / "workspaces").symlink_to(SUITES / "workspaces")
    (tmp_path / "s.yaml").write_text(f"""suite: s
cases:
  - id: bad-chain
    prompt: do it
    workspace: next-commerce
    steps:
      - {{tool: read_file, result: x}}
      - {{tool: ls, result: y}}
    {goals}
""")
    with pytest.raises(SuiteError) as raised:
        load_suite(tmp_path / "s.yaml")
    assert "case 'bad-chain'" in str(raised.value) and message in str(raised.value), str(raised.value)


LIVE_RECORDS = sorted((SUITES.parent / "baselines" / "chains").glob("*.json"))


@pytest.mark.parametrize("path", LIVE_RECORDS, ids=lambda p: p.stem)
def test_the_committed_live_chain_records_rescore_to_their_own_verdicts(path: Path):
    from ctft_eval import record as run_record
    from ctft_eval.rescore import rescore

    recorded = run_record.read(path)
    assert recorded.format == run_record.FORMAT
    again, _ = rescore(run_record.read(path), SUITES.parent)

    def verdicts(rec) -> dict:
        return {(e.case, e.channel, d): (o.passed, o.failure, o.value) for e in rec.results for d, o in e.outcomes.items()}

    assert verdicts(again) == verdicts(recorded)
    if "-ctft-" in path.stem:  # (the base model's native calls are all written in text: nothing ran)
        assert any(r.tool_results for e in recorded.results for r in e.replies)


def test_there_are_live_chain_records_of_both_models_and_three_behaviours():
    names = {p.stem for p in LIVE_RECORDS}
    for model in ("qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-ctft"):
        assert {f"{model}-continue-released", f"{model}-native-released",
                f"{model}-native-tools-every-request"} <= names
