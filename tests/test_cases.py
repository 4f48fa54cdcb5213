"""Suite files: a malformed file or case gets one error naming the file and the case."""

import pytest

from ctft_eval.cases import SuiteError, load_suite, load_suites


def write(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_small_suite_loads_with_dimensions(small_cases):
    by_id = {c.id: c for c in small_cases}
    assert by_id["read-config"].dimensions == ("tool_selection", "json_validity", "arguments")
    # latency measured; its budget is the run's (ctft_eval.plan.bind), the suite sets none
    assert by_id["run-tests"].dimensions[-1] == "latency" and by_id["run-tests"].latency
    assert by_id["run-tests"].latency_budget is None
    assert by_id["explain-rest"].dimensions == ("tool_selection",)
    assert by_id["chain-fix"].dimensions == ("chain", "json_validity")
    assert len(by_id["read-config"].tools) == 20  # default: the whole catalog


@pytest.mark.parametrize(
    ("text", "case_id", "message"),
    [
        ("cases: [", None, "not valid YAML at line"),
        ("- a\n- b\n", None, "mapping with a `cases` list"),
        ("cases:\n  - prompt: hi\n    tool: ls\n", "#1", "needs a non-empty string `id`"),
        ("cases:\n  - id: a\n    prompt: hi\n    tool: read_flie\n", "a", "unknown tool 'read_flie'"),
        ("cases:\n  - id: a\n    prompt: hi\n    tool: ls\n    arguments: {path: x}\n", "a",
         "argument 'path' is not a parameter of ls"),
        ("cases:\n  - id: a\n    prompt: hi\n    tool: ls\n    arguments: {dirPath: {regex: '('}}\n", "a", "bad regex"),
        ("cases:\n  - id: a\n    prompt: hi\n", "a", "say which tool is expected"),
        ("cases:\n  - id: a\n    prompt: hi\n    tool: ls\n    tolls: [ls]\n", "a", "unknown key(s) in case: tolls"),
        ("cases:\n  - id: a\n    prompt: hi\n    tool: ls\n  - id: a\n    prompt: ho\n    tool: ls\n", "a",
         "duplicate case id"),
        ("cases:\n  - id: a\n    prompt: hi\n    steps:\n      - tool: ls\n        result: x\n", "a", "at least two"),
        ("cases:\n  - id: a\n    prompt: hi\n    steps:\n      - tool: ls\n      - tool: ls\n        result: x\n",
         "a", "step 1 needs `result`"),
        ("cases:\n  - id: a\n    prompt: hi\n    tool: ls\n    tools: [read_file]\n", "a", "not among the tools offered"),
        ("cases:\n  - id: a\n    prompt: hi\n    tool: none\n    latency_budget: -1\n", "a", "positive number"),
        ("cases:\n  - id: a b\n    prompt: hi\n    tool: none\n", "a b", "may not contain spaces"),
    ],
)
def test_malformed_suites_name_file_and_case(tmp_path, text, case_id, message):
    path = write(tmp_path, text)
    with pytest.raises(SuiteError) as err:
        load_suite(path)
    assert err.value.file == str(path)
    assert err.value.case_id == case_id
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_case_ids_are_unique_across_files(tmp_path):
    a = write(tmp_path, "cases:\n  - id: x\n    prompt: hi\n    tool: none\n", "a.yaml")
    b = write(tmp_path, "cases:\n  - id: x\n    prompt: ho\n    tool: none\n", "b.yaml")
    with pytest.raises(SuiteError, match="also used in"):
        load_suites([a, b])


def test_defaults_and_messages(tmp_path):
    path = write(tmp_path, (
        "defaults: {tags: [go], system: 'You are terse.'}\n"
        "cases:\n  - id: a\n    messages:\n      - {role: user, content: 'hi'}\n"
        "      - {role: assistant, content: 'hello'}\n      - {role: user, content: 'list cmd/'}\n"
        "    tool: ls\n    tags: [cli]\n"
    ))
    [case] = load_suite(path).cases
    assert case.tags == ("go", "cli")
    assert case.messages[0] == {"role": "system", "content": "You are terse."}
    assert case.prompt == "list cmd/"


@pytest.mark.parametrize(("tools", "message"), [
    ("custom_tools: 5", "`custom_tools` must be a list"),
    ("custom_tools: [{description: x}]", "custom tool 1 needs a `name`"),
    ("custom_tools: [{name: read_file}]", "custom tool 'read_file' is already a tool"),
    ("custom_tools: [{name: t, parameters: {type: 7}}]", "custom tool 't': `parameters` is not a valid JSON schema"),
    ("custom_tools: [{name: t, parameters: {type: object, properties: {a: {type: string}}}}]",
     "argument 'b' is not a parameter of t"),
])
def test_malformed_custom_tools_are_one_clear_error(tmp_path, tools, message):
    path = tmp_path / "s.yaml"
    path.write_text(f"{tools}\ncases:\n  - id: c\n    prompt: hi\n    tool: t\n    arguments: {{b: 1}}\n")
    with pytest.raises(SuiteError) as err:
        load_suite(path)
    assert message in str(err.value) and str(path) in str(err.value)
