"""The fine-tuning dataset: reproducible, valid, split, held out from the suites, renderable, and
rendered as Continue sends requests (ctft_eval.profile), on both channels."""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import require

from ctft_eval import dataset
from ctft_eval.channels import CONTINUE, NATIVE, history_block
from ctft_eval.parsing import calls_for_channel
from ctft_eval.profile import DEFAULT_TOOLS, builtin, tool_set

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "datasets" / "continue_finetuning_dataset.jsonl"
EXPERIMENTAL = ROOT / "datasets" / "continue_finetuning_dataset_experimental.jsonl"
SPLITS = ROOT / "datasets" / "continue"
EXPERIMENTAL_ONLY = {"read_file_range", "view_repo_map"}
"""The tools the scenarios call that a default Continue session does not offer."""


def good_example(tools: str = "default") -> dict:
    profile = builtin(tools=tools)
    return {
        "messages": [
            {"role": "system", "content": profile.system_message(NATIVE, profile.tools)},
            {"role": "user", "content": "show me lib/app.rb"},
            {"role": "assistant", "content": "", "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "read_file", "arguments": {"filepath": "lib/app.rb"}}}]},
            {"role": "tool", "tool_call_id": "call_1", "name": "read_file", "content": "class App; end"},
            {"role": "assistant", "content": "It defines an empty App class."},
        ],
        "tools": profile.native_tools(profile.tools),
        "meta": {"kind": "single", "tools": ["read_file"], "language": "ruby", "framework": None, "channel": "native",
                 "tool_set": tools},
    }


def good_continue_example(call: str | None = None, name: str = "read_file") -> dict:
    """The same conversation on the continue channel; `call` replaces the call turn's text."""
    profile = builtin()
    text = "\n" + history_block("read_file", {"filepath": "lib/app.rb"})
    return {
        "messages": [
            {"role": "system", "content": profile.system_message(CONTINUE, profile.tools)},
            {"role": "user", "content": "show me lib/app.rb"},
            {"role": "assistant", "content": text if call is None else call},
            {"role": "user", "content": f"Tool output for {name} tool call:\n\nclass App; end"},
            {"role": "assistant", "content": "It defines an empty App class."},
        ],
        "meta": {"kind": "single", "tools": ["read_file"], "language": "ruby", "framework": None,
                 "channel": "continue", "tool_set": "default"},
    }


def with_call(function: dict, tools: str = "default") -> dict:
    e = good_example(tools)
    e["messages"][2]["tool_calls"][0]["function"] = function
    return e


def load(path: Path) -> list[dict]:
    examples, problems = dataset.validate(path)
    assert problems == [], problems[:5]
    return examples


def by_scenario(examples: list[dict]) -> dict[str, dict[str, dict]]:
    """{first user message: {channel: example}}."""
    out: dict[str, dict[str, dict]] = {}
    for e in examples:
        out.setdefault(e["messages"][1]["content"], {})[e["meta"]["channel"]] = e
    return out


def test_validator_catches_each_error_class(tmp_path):
    other_system = good_example()
    other_system["messages"][0]["content"] = "You are a pirate."
    fewer_tools = good_example()
    fewer_tools["tools"] = fewer_tools["tools"][:-1]
    native_system_on_continue = good_continue_example()
    native_system_on_continue["messages"][0]["content"] = good_example()["messages"][0]["content"]
    with_tools = {**good_continue_example(), "tools": good_example()["tools"]}
    # Continue ends an argument at the first line containing end_arg/endArg anywhere: this value is cut short
    trap = "\n" + history_block("create_new_file", {"filepath": "x.js", "contents": "const sendArgs = 1;\n"})
    lines = [
        json.dumps(good_example()),
        json.dumps(good_continue_example()),
        '{"messages": [',  # line 3: json_error
        json.dumps(with_call({"name": "read_flie", "arguments": {"filepath": "a"}})),  # 4: invalid_tool_name
        json.dumps(with_call({"name": "read_file", "arguments": {}})),  # 5: missing_required
        json.dumps(with_call({"name": "read_file", "arguments": '{"filepath": "a"}'})),  # 6: arguments as a string
        json.dumps(with_call({"name": "read_file_range", "arguments": {"filepath": "a", "startLine": "1",
                                                                        "endLine": 2}}, "experimental")),  # 7: type
        json.dumps(other_system),  # 8: inconsistent_system_prompt
        json.dumps({"tools": []}),  # 9: structure
        json.dumps(fewer_tools),  # 10: inconsistent_tools
        json.dumps(native_system_on_continue),  # 11: inconsistent_system_prompt (continue channel)
        json.dumps(with_tools),  # 12: structure (a continue example sends no tools)
        json.dumps(good_continue_example(trap, "create_new_file")),  # 13: Continue cuts the value at sendArgs
        json.dumps(good_continue_example(name="ls")),  # 14: structure (the result of another tool)
        json.dumps(with_call({"name": "read_file_range", "arguments": {"filepath": "a", "startLine": 1,
                                                                        "endLine": 2}})),  # 15: not a default tool
    ]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    _, problems = dataset.validate(bad)
    found = {(p.line, p.kind) for p in problems}
    assert found == {(3, "json_error"), (4, "invalid_tool_name"), (5, "missing_required"), (6, "invalid_arguments"),
                     (7, "invalid_arguments"), (8, "inconsistent_system_prompt"), (9, "structure"),
                     (10, "inconsistent_tools"), (11, "inconsistent_system_prompt"), (12, "structure"),
                     (13, "unreadable_call"), (14, "structure"), (15, "invalid_tool_name")}, problems
    assert any("'1' is not of type 'number'" in p.message for p in problems if p.line == 7)
    assert any("not among the example's tools" in p.message for p in problems if p.line == 15)
    result = subprocess.run([sys.executable, "-m", "ctft_eval.dataset", "validate", str(bad)], capture_output=True,
                            text=True)
    assert result.returncode == 1 and f"{bad}: line 4: invalid_tool_name" in result.stdout


def test_committed_dataset_validates_with_no_errors_and_meets_the_floor():
    examples = load(DATASET)
    for channel in (NATIVE, CONTINUE):
        mine = [e for e in examples if e["meta"]["channel"] == channel]
        calls = {name: sum(dataset.calls_of(e).count(name) for e in mine) for name in DEFAULT_TOOLS}
        floors = {"grep_search": 50, "file_glob_search": 36, "read_file": 29, "run_terminal_command": 28,
                  "create_new_file": 20, "ls": 17, "view_diff": 3, "read_currently_open_file": 2, "search_web": 5,
                  "fetch_url_content": 5, "edit_existing_file": 6, "single_find_and_replace": 6, "read_skill": 6}
        assert all(calls[t] >= n for t, n in floors.items()), (channel, calls)
        kinds = [dataset.kind_of(e) for e in mine]
        assert kinds.count("no_tool") >= 19 and kinds.count("chain") >= 20 and kinds.count("error_recovery") >= 10
    languages = {e["meta"]["language"] for e in examples if e["meta"].get("language")}
    frameworks = {e["meta"]["framework"] for e in examples if e["meta"].get("framework")}
    assert len(languages) >= 14 and len(frameworks) >= 10
    for path, names in ((DATASET, {"authentication", "deployment"}),
                        (EXPERIMENTAL, {"api_debugging", "authentication", "refactoring", "deployment"})):
        named = {(e["meta"]["name"], e["meta"]["channel"]): len(dataset.calls_of(e)) for e in load(path)
                 if e["meta"].get("name")}
        assert {name for name, _ in named} == names, path
        sizes = {"api_debugging": 6, "authentication": 4, "refactoring": 5, "deployment": 5}
        assert all(named[(name, ch)] == sizes[name] for name in names for ch in (NATIVE, CONTINUE)), named


def test_generator_is_deterministic_and_matches_the_committed_file(tmp_path):
    outs = []
    for name in ("a.jsonl", "b.jsonl"):
        out = tmp_path / name
        subprocess.run([sys.executable, str(ROOT / "datasets" / "generate.py"), "--out", str(out)], check=True,
                       cwd=ROOT)
        outs.append([hashlib.sha256(out.read_bytes()).hexdigest(),
                     hashlib.sha256(out.with_name(f"{out.stem}_experimental.jsonl").read_bytes()).hexdigest()])
    committed = [hashlib.sha256(path.read_bytes()).hexdigest() for path in (DATASET, EXPERIMENTAL)]
    assert outs[0] == outs[1] == committed


def test_no_suite_case_leaks_into_the_training_data():
    examples, _ = dataset.validate(DATASET)
    worst = dataset.leakage(examples, dataset.suite_prompts(ROOT / "suites"), top=1)
    assert worst[0][0] < dataset.LEAKAGE_THRESHOLD, worst


def test_leakage_check_finds_a_planted_near_duplicate():
    prompts = dataset.suite_prompts(ROOT / "suites")
    case_id, prompt = next(iter(prompts.items()))
    planted = good_example()
    planted["messages"][1]["content"] = prompt + " please"
    [(score, found, _)] = dataset.leakage([planted], prompts, top=1)
    assert found == case_id and score >= dataset.LEAKAGE_THRESHOLD


def test_splits_are_deterministic_stratified_and_committed():
    examples, _ = dataset.validate(DATASET)
    parts = dataset.split(copy.deepcopy(examples))
    again = dataset.split(copy.deepcopy(examples))
    assert {k: [e["_line"] for e in v] for k, v in parts.items()} == {k: [e["_line"] for e in v] for k, v in again.items()}
    assert sum(len(v) for v in parts.values()) == len(examples)
    assert all(len(parts[k]) >= 4 for k in parts) and len(parts["valid"]) >= 0.07 * len(examples)
    for name, part in parts.items():
        committed = (SPLITS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        assert committed == [json.dumps(dataset.clean(e), ensure_ascii=False) for e in part], name
    train_kinds = {dataset.kind_of(e) for e in parts["train"]}
    assert train_kinds == {"single", "chain", "no_tool", "error_recovery"}
    # Stratified by channel: both channels in every split, in the dataset's proportion (one to one), and the
    # two renderings of a scenario always in the same split.
    for part in parts.values():
        channels = [e["meta"]["channel"] for e in part]
        assert channels.count(NATIVE) == channels.count(CONTINUE) > 0
    where = {(dataset.scenario_of(e), e["meta"]["channel"]): name for name, part in parts.items() for e in part}
    assert all(where[(prompt, NATIVE)] == where[(prompt, CONTINUE)] for prompt, _ in where)
    # what mlx-lm reads: `tools` on the native channel only, no meta
    rows = [json.loads(line) for line in (SPLITS / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {tuple(sorted(r)) for r in rows} == {("messages", "tools"), ("messages",)}


def qwen_template():
    require("llama-cpp-python", importlib.util.find_spec("llama_cpp") is not None)
    from llama_cpp import Llama

    from ctft_eval.models import model_path

    llm = Llama(model_path=str(model_path("qwen2.5-coder-0.5b")), vocab_only=True, verbose=False)
    return llm.metadata["tokenizer.chat_template"]


def test_every_example_renders_through_qwens_chat_template():
    import jinja2.sandbox

    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda v, **kw: json.dumps(v, ensure_ascii=False)
    template = env.from_string(qwen_template())
    examples, _ = dataset.validate(DATASET)
    for e in examples:
        text = template.render(messages=e["messages"], tools=e.get("tools"), add_generation_prompt=False)
        if e["meta"]["channel"] == NATIVE:
            assert "<tool_call>" in text or dataset.kind_of(e) == "no_tool"
        else:  # no tools sent: no tool list in the prompt, the calls are the text Continue reads
            assert "function signatures within <tools></tools>" not in text and '<tool_call>\n{"name"' not in text
            assert "```tool\nTOOL_NAME: " in text or dataset.kind_of(e) == "no_tool"
        assert text.count("<|im_start|>") >= len(e["messages"]) - sum(1 for m in e["messages"] if m["role"] == "tool")


# ---- rendered as Continue sends it (ctft_eval.profile) -----------------------------------------------------


def test_system_message_and_tool_list_are_what_the_profile_sends():
    for path, tools in ((DATASET, "default"), (EXPERIMENTAL, "experimental")):
        profile = builtin(tools=tools)
        for e in load(path):
            channel = e["meta"]["channel"]
            assert e["meta"]["tool_set"] == tools
            assert e["messages"][0] == {"role": "system", "content": profile.system_message(channel, profile.tools)}
            if channel == NATIVE:
                assert e["tools"] == profile.native_tools(profile.tools)
            else:
                assert "tools" not in e and "<tool_use_instructions>" in e["messages"][0]["content"]


def test_the_default_dataset_uses_only_the_13_default_tools():
    examples = load(DATASET)
    assert len(DEFAULT_TOOLS) == 13
    for e in examples:
        if "tools" in e:
            assert [t["function"]["name"] for t in e["tools"]] == list(DEFAULT_TOOLS)
        assert set(dataset.calls_of(e)) <= set(DEFAULT_TOOLS)
    assert {name for e in examples for name in dataset.calls_of(e)} == set(DEFAULT_TOOLS)


def test_every_scenario_comes_in_both_channels():
    for path in (DATASET, EXPERIMENTAL):
        for prompt, pair in by_scenario(load(path)).items():
            assert set(pair) == {NATIVE, CONTINUE}, prompt
            native, other = pair[NATIVE]["meta"], pair[CONTINUE]["meta"]
            assert {**native, "channel": CONTINUE} == other, prompt
            assert pair[NATIVE]["messages"][-1] == pair[CONTINUE]["messages"][-1]  # the same final answer


def test_every_continue_call_turn_reads_back_as_the_intended_call():
    """Continue's own reading of each call turn finds exactly the call of the native twin, and the next
    message is its result as Continue feeds it back."""
    for path in (DATASET, EXPERIMENTAL):
        for prompt, pair in by_scenario(load(path)).items():
            native, other = pair[NATIVE]["messages"], pair[CONTINUE]["messages"]
            assert len(native) == len(other), prompt
            for i, m in enumerate(native):
                if not m.get("tool_calls"):
                    if m["role"] == "assistant":
                        assert calls_for_channel(other[i]["content"], CONTINUE) == [] and "tool_calls" not in other[i]
                    continue
                [call] = m["tool_calls"]
                name, arguments = call["function"]["name"], call["function"]["arguments"]
                [read] = calls_for_channel(other[i]["content"], CONTINUE)
                assert (read.name, read.arguments, read.parse_error) == (name, arguments, None), prompt
                assert other[i]["content"] == f"{m['content'].rstrip()}\n{history_block(name, arguments)}"
                assert other[i + 1] == {"role": "user",
                                        "content": f"Tool output for {name} tool call:\n\n{native[i + 1]['content']}"}


def test_the_experimental_variant_holds_the_experimental_tool_scenarios():
    default, experimental = by_scenario(load(DATASET)), by_scenario(load(EXPERIMENTAL))
    assert set(default) < set(experimental)
    moved = {p for p, pair in experimental.items() if EXPERIMENTAL_ONLY & set(pair[NATIVE]["meta"]["tools"])}
    assert moved == set(experimental) - set(default)
    assert all([t["function"]["name"] for t in pair[NATIVE]["tools"]] == list(tool_set("experimental"))
               for pair in experimental.values())
    calls = [name for p in moved for name in experimental[p][NATIVE]["meta"]["tools"]]
    assert calls.count("read_file_range") >= 12 and calls.count("view_repo_map") >= 5
    for prompt in default:  # the same scenario, the same calls and ids, only the tool set differs
        mine, theirs = default[prompt][NATIVE], experimental[prompt][NATIVE]
        assert mine["messages"][1:] == theirs["messages"][1:]


def test_each_edit_and_skill_tool_has_six_single_call_examples_and_edits_follow_reads():
    examples = load(DATASET)
    for channel in (NATIVE, CONTINUE):
        singles = [e["meta"]["tools"][0] for e in examples
                   if e["meta"]["channel"] == channel and e["meta"]["kind"] == "single"]
        for name in ("edit_existing_file", "single_find_and_replace", "read_skill"):
            assert singles.count(name) >= 6, (channel, name)
        edits = {"edit_existing_file", "single_find_and_replace"}
        reads = {"read_file", "read_currently_open_file"}
        chains = [e["meta"]["tools"] for e in examples if e["meta"]["channel"] == channel
                  and e["meta"]["kind"] == "chain"
                  and any(t in edits and set(e["meta"]["tools"][:i]) & reads for i, t in enumerate(e["meta"]["tools"]))]
        assert len(chains) >= 2, channel


# ---- the scenario files the generator reads ----------------------------------------------------------------


@pytest.fixture(scope="module")
def generate():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "datasets" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def good_scenario(prompt: str = "show me lib/app.rb") -> dict:
    return {"prompt": prompt, "language": "ruby", "framework": None,
            "steps": [{"tool": "read_file", "arguments": {"filepath": "lib/app.rb"}, "result": "class App; end"}],
            "answer": "It defines an empty App class."}


def bad_step(**changes) -> dict:
    scenario = good_scenario("what does lib/cli.rb do?")
    scenario["steps"][0].update(changes)
    return scenario


def without(key: str) -> dict:
    scenario = good_scenario("what does lib/cli.rb do?")
    del scenario[key]
    return scenario


MALFORMED = {
    # id: (kind, the second example, what the error must say besides the file and "example 2")
    "unknown tool": ("single", bad_step(tool="read_flie"), "step 1 tool: 'read_flie' is not one of Continue's tools"),
    "not a dataset tool": ("single", bad_step(tool="multi_edit", arguments={"filepath": "a", "edits": []}),
                           "step 1 tool: 'multi_edit' is not among the tools the dataset teaches"),
    "missing argument": ("single", bad_step(arguments={}), "step 1 arguments: read_file: 'filepath' is a required"),
    "unknown argument": ("single", bad_step(arguments={"filepath": "a", "path": "b"}),
                         "step 1 arguments: read_file: Additional properties are not allowed"),
    "argument of the wrong type": ("single", bad_step(tool="read_file_range", arguments={
        "filepath": "a", "startLine": "1", "endLine": 2}), "step 1 arguments: read_file_range.startLine: '1' is not of type"),
    "arguments not a mapping": ("single", bad_step(arguments='{"filepath": "a"}'), "step 1 arguments: must be a mapping"),
    "empty result": ("single", bad_step(result=""), "step 1 result: must be non-empty text"),
    "missing answer": ("single", without("answer"), "answer: missing"),
    "blank answer": ("single", {**good_scenario("what does lib/cli.rb do?"), "answer": "  "}, "answer: empty"),
    "missing framework": ("single", without("framework"), "framework: missing"),
    "unknown key": ("single", {**good_scenario("what does lib/cli.rb do?"), "user": "hi"}, "user: unknown key"),
    "two steps in a single": ("single", {**good_scenario("what does lib/cli.rb do?"),
                                         "steps": good_scenario()["steps"] * 2},
                              "steps: a single example has exactly one step; this one has 2"),
    "one step in a chain": ("chain", good_scenario("what does lib/cli.rb do?"),
                            "steps: a chain example has at least two steps; this one has 1"),
    "a step in no_tool": ("no_tool", good_scenario("what does lib/cli.rb do?"),
                          "steps: a no_tool example has no steps; this one has 1"),
    "duplicate prompt": ("single", good_scenario(), "prompt: the same prompt as"),
    "step not a mapping": ("single", {**good_scenario("what does lib/cli.rb do?"), "steps": [["read_file", {}, "x"]]},
                           "step 1: a step is a mapping"),
    "example not a mapping": ("single", "show me lib/app.rb", "an example is a mapping"),
}


def write_scenarios(directory: Path, kind: str, examples: list) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / "01-broken.yaml"
    path.write_text(yaml.safe_dump({"kind": kind, "examples": examples}, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_a_malformed_scenario_gives_one_error_naming_the_file_the_example_and_the_field(tmp_path, generate, case):
    kind, second, says = MALFORMED[case]
    first = good_scenario() if kind != "no_tool" else {**good_scenario(), "steps": []}
    if kind == "chain":
        first["steps"] = first["steps"] * 2
    path = write_scenarios(tmp_path / "scenarios", kind, [first, second])
    with pytest.raises(generate.ScenarioError) as caught:
        generate.build(2026, path.parent)
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert message.startswith(f"{path}: example 2"), message
    assert says in message, message
    if isinstance(second, dict):
        assert repr(second["prompt"][:60]) in message, message


@pytest.mark.parametrize(("text", "says"), [
    ("- kind: single\n", "a scenario file is a mapping of kind and examples (or templates); got list"),
    ("kind: pair\nexamples: [{}]\n", "kind: 'pair' is not one of single, chain, no_tool, error_recovery"),
    ("kind: single\n", "a scenario file is a mapping of kind and examples (or templates); got keys kind"),
    ("kind: single\nexamples: []\n", "examples: must be a non-empty list"),
    ("kind: single\nexamples: [\n", "not valid YAML"),
    ("kind: single\ntemplates:\n  read_file: {asks: [a], answers: [b], tasks: [{}]}\n", "no template for 'read_file'"),
])
def test_a_malformed_scenario_file_gives_one_error_naming_the_file(tmp_path, generate, text, says):
    path = tmp_path / "01-broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(generate.ScenarioError) as caught:
        generate.build(2026, tmp_path)
    assert str(caught.value).startswith(f"{path}: ") and says in str(caught.value), str(caught.value)


def test_a_templated_table_with_an_unknown_placeholder_names_the_task(tmp_path, generate):
    table = {"asks": ["Find the {what}."], "answers": ["{total} files:\n\n{listing}"],
             "tasks": [{"language": "go", "framework": None, "what": "Go files", "pattern": "**/*.go",
                        "result": "main.go\ncmd/app/app.go"}]}
    path = tmp_path / "01-templated.yaml"
    path.write_text(yaml.safe_dump({"kind": "single", "templates": {"file_glob_search": table}}), encoding="utf-8")
    with pytest.raises(generate.ScenarioError, match="templates.file_glob_search task 1: asks/answers: unknown "
                                                     "placeholder {total}"):
        generate.build(2026, tmp_path)
    table["answers"] = ["{count} files, {where}:\n\n{listing}"]
    path.write_text(yaml.safe_dump({"kind": "single", "templates": {"file_glob_search": table}}), encoding="utf-8")
    example, on_continue = generate.build(2026, tmp_path)
    assert example["messages"][-1]["content"] == "2 files, spread over 2 folders:\n\n- `main.go`\n- `cmd/app/app.go`"
    assert example["messages"][2]["tool_calls"][0]["function"] == {"name": "file_glob_search",
                                                                    "arguments": {"pattern": "**/*.go"}}
    assert on_continue["messages"][-1] == example["messages"][-1]
    assert on_continue["messages"][2]["content"] == '\n```tool\nTOOL_NAME: file_glob_search\nBEGIN_ARG: pattern\n' \
                                                    '"**/*.go"\nEND_ARG\n```'
    assert on_continue["messages"][3]["content"] == "Tool output for file_glob_search tool call:\n\nmain.go\ncmd/app/app.go"


def test_the_generator_reports_a_bad_scenario_on_one_line_and_exits_1(tmp_path):
    path = write_scenarios(tmp_path / "scenarios", "single", [bad_step(tool="read_flie")])
    result = subprocess.run([sys.executable, str(ROOT / "datasets" / "generate.py"), "--scenarios", str(path.parent),
                             "--out", str(tmp_path / "out.jsonl")], capture_output=True, text=True)
    assert result.returncode == 1 and not (tmp_path / "out.jsonl").exists()
    assert result.stderr.strip().splitlines() == [
        f"error: {path}: example 1 ('what does lib/cli.rb do?'): step 1 tool: 'read_flie' is not one of Continue's "
        f"tools ({', '.join(tool_set('experimental'))})"]
