"""Faults in suite files: every malformed input is one SuiteError naming the file, the case and the
field, and pytest shows it as a collection error (exit status 2), never an INTERNALERROR."""

import random
import textwrap

import pytest
from doubles.ollama_server import OllamaDouble
from doubles.oracle import Oracle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from suite_mutations import base_texts, mutate

from ctft_eval.cases import MAX_SUITE_BYTES, Suite, SuiteError, load_suite

CASE = "cases:\n  - id: a\n    prompt: hi\n    tool: none\n"
LS = "cases:\n  - id: a\n    prompt: hi\n    tool: ls\n    arguments: {{dirPath: {spec}}}\n"
MSG = "cases:\n  - id: a\n    messages:\n      - {{role: {role}, content: hi}}\n    tool: none\n"
# billion laughs, put where an anchor may go (the file's free-text description) and used in a case
BOMB = "description:\n  l0: &l0 lol\n" + "".join(f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n"
                                                  for i in range(1, 10))
TOOL = ("custom_tools:\n  - name: t\n    parameters: {{type: object, properties: {{q: {schema}}}}}\n"
        "cases:\n  - id: a\n    prompt: hi\n    tool: t\n")


def case_with(line: str) -> str:
    return CASE + f"    {line}\n"


DIRECTED = [
    # 16: types checked, numbers finite
    (case_with("tags: 5"), "a", "`tags` must be a list"),
    (case_with("tags: 1.5"), "a", "`tags` must be a list"),
    (case_with("tags: python"), "a", "`tags` must be a list"),
    ("defaults: {tags: python}\n" + CASE, None, "`defaults.tags` must be a list"),
    (case_with("tags: [[a]]"), "a", "tags must be identifiers"),
    (case_with("latency_budget: .nan"), "a", "`latency_budget` must be a finite positive number"),
    (case_with("latency_budget: .inf"), "a", "`latency_budget` must be a finite positive number"),
    ("defaults: {latency_budget: .nan}\n" + CASE, None, "`defaults.latency_budget` must be a finite"),
    (case_with("latency: 'yes'"), "a", "`latency` must be true or false"),
    (case_with("latency: 1"), "a", "`latency` must be true or false"),
    (case_with("latency_budget: " + "1" * 5000), None, "not valid YAML at line 5"),
    (case_with("latency_budget: 2020-13-45"), None, "not valid YAML at line 5"),
    ("suite: [x]\n" + CASE, None, "`suite` must be text"),
    (case_with("description: {a: 1}"), "a", "`description` must be text"),
    (LS.format(spec="{exact: .nan}"), "a", "argument 'dirPath': numbers must be finite"),
    (LS.format(spec="{one_of: [a, -.inf]}"), "a", "argument 'dirPath': numbers must be finite"),
    # 14: unhashable or wrong-typed fields
    (MSG.format(role="[user]"), "a", "each message is {role: system|user|assistant, content: text}"),
    (MSG.format(role="{a: b}"), "a", "each message is {role: system|user|assistant, content: text}"),
    (CASE.replace("id: a", 'id: "a\\nb"'), "a\nb", "case ids may not contain"),
    # 14: regexes bounded
    (LS.format(spec="{regex: 'a{4294967296}'}"), "a", "argument 'dirPath': bad regex"),
    (LS.format(spec="{regex: '" + "(" * 400 + ")" * 400 + "'}"), "a", "nested more than"),
    (LS.format(spec="{regex: '" + "a" * 3000 + "'}"), "a", "longer than"),
    (LS.format(spec="{regex: 'a{1001}'}"), "a", "repeats more than"),
    (TOOL.format(schema="{type: string, pattern: 'a{4294967296}'}"), None, "custom tool 't'"),
    (TOOL.format(schema="{$ref: 'http://127.0.0.1:9/s.json'}"), None, "custom tool 't': only local"),
    (TOOL.format(schema="{$ref: '#/$defs/missing'}"), None, "custom tool 't': `$ref` '#/$defs/missing'"),
    # 14: YAML depth, size, aliases
    (LS.format(spec="[" * 5000 + "]" * 5000), None, "nested deeper than"),
    (CASE + "    description:\n" + "".join("  " * (i + 3) + "k:\n" for i in range(200)), None, "nested deeper"),
    (BOMB + CASE, None, "aliases expand"),
    (BOMB + CASE.replace("tool: none", "tool: *l9"), None, "aliases expand"),
    (BOMB + LS.format(spec="{regex: *l9}"), None, "aliases expand"),
    ("x: &r [*r]\n" + CASE, None, "refers to a node that contains it"),
    (case_with("tool: ls"), None, "duplicate key 'tool'"),
    ("cases:\n  - id: a\n    prompt: hi\n    tool: none\n    ? [x]\n    : 1\n", None, "not valid YAML"),
    ("x: !!python/object:os.system {}\n" + CASE, None, "not valid YAML"),
]
RESERVED = ["skip", "skipif", "xfail", "parametrize", "usefixtures", "filterwarnings", "tryfirst", "trylast"]


def write(tmp_path, text: str | bytes):
    path = tmp_path / "s.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


@pytest.mark.parametrize(("text", "case_id", "message"), DIRECTED)
def test_directed_faults_are_one_suite_error(tmp_path, text, case_id, message):
    path = write(tmp_path, text)
    with pytest.raises(SuiteError) as err:
        load_suite(path)
    assert (err.value.file, err.value.case_id) == (str(path), case_id), str(err.value)
    assert message in str(err.value), str(err.value)
    assert len(str(err.value)) < 1000


@pytest.mark.parametrize("tag", [*RESERVED, "not", "class", "a-b", "1a", ""])
def test_tags_are_marker_identifiers_that_pytest_does_not_own(tmp_path, tag):
    with pytest.raises(SuiteError, match=r"case 'a': tag .*") as err:
        load_suite(write(tmp_path, case_with(f"tags: [{tag!r}]")))
    if tag in RESERVED:
        assert "is a pytest marker" in str(err.value)


def test_a_dimension_name_is_a_plain_tag(tmp_path):
    [case] = load_suite(write(tmp_path, case_with("tags: [chain, latency]"))).cases
    assert case.tags == ("chain", "latency")


def test_size_and_bytes(tmp_path):
    with pytest.raises(SuiteError, match=f"larger than {MAX_SUITE_BYTES} bytes"):
        load_suite(write(tmp_path, CASE + "# " + "x" * MAX_SUITE_BYTES + "\n"))
    with pytest.raises(SuiteError, match="not valid text at byte 64: invalid start byte"):
        load_suite(write(tmp_path, CASE.encode() + b"    description: \xff\xfe\n"))


def test_aliases_within_bounds_still_load(tmp_path):
    text = ("defaults: {tools: &t [ls, read_file]}\ncases:\n  - id: a\n    prompt: hi\n    tool: ls\n"
            "    tools: *t\n    arguments: &args {dirPath: {path: src}}\n"
            "  - id: b\n    prompt: ho\n    tool: ls\n    tools: *t\n    arguments: *args\n")
    a, b = load_suite(write(tmp_path, text)).cases
    assert a.tools == b.tools == ("ls", "read_file") and a.expect == b.expect


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(base=st.sampled_from(base_texts()), rng=st.randoms(use_true_random=False))
def test_any_mutant_loads_or_is_a_suite_error(tmp_path, base, rng: random.Random):
    path = write(tmp_path, mutate(rng, base))
    try:
        suite = load_suite(path)
    except SuiteError as exc:
        assert exc.file == str(path) and len(str(exc)) < 2000
    else:
        assert isinstance(suite, Suite) and suite.cases


# ---- through pytest --------------------------------------------------------------------------


def run(pytester, *args):
    return pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--backend=ollama:m", *args, timeout=120)


@pytest.mark.parametrize(("text", "message"), [
    (case_with("tags: 5"), "case 'a': `tags` must be a list"),
    (case_with("tags: [skip]"), "case 'a': tag 'skip' is a pytest marker"),
    (BOMB + LS.format(spec="{regex: *l9}"), "aliases expand"),
])
def test_a_bad_suite_is_a_collection_error_with_its_message(pytester, text, message):
    pytester.makefile(".yaml", **{"suites/s": text})
    result = run(pytester, "--ollama-host=http://127.0.0.1:9")
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.INTERRUPTED, out  # 2, as README's exit-code table says
    assert "INTERNALERROR" not in out
    assert "bad suite file: " in out and message in out and "1 error during collection" in out


def test_a_marker_a_plugin_or_conftest_registers_is_no_tag(pytester):
    pytester.makefile(".yaml", **{"suites/s": case_with("tags: [slowish]")})
    pytester.makeconftest("def pytest_configure(config):\n"
                          "    config.addinivalue_line('markers', 'slowish: a plugin marker')\n")
    result = run(pytester, "--ollama-host=http://127.0.0.1:9")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert "tag 'slowish' is a pytest marker" in result.stdout.str()


def test_a_skip_marker_added_to_case_items_skips_them(pytester, small_suite_file, small_cases):
    """pytest's skip marker reports at the item's location, so a CaseItem must have a line."""
    pytester.makefile(".yaml", **{"suites/s": small_suite_file.read_text()})
    pytester.makeconftest(textwrap.dedent("""\
        import pytest
        def pytest_collection_modifyitems(items):
            for item in items:
                item.add_marker(pytest.mark.skip(reason="not today"))
    """))
    with OllamaDouble(Oracle(small_cases)) as server:
        result = run(pytester, f"--ollama-host={server.url}", "-rs")
    out = result.stdout.str()
    assert "INTERNALERROR" not in out, out[-3000:]
    result.assert_outcomes(skipped=17)
    assert "suites/s.yaml: not today" in out


def test_cases_know_their_line(small_suite_file):
    lines = [c.line for c in load_suite(small_suite_file).cases]
    assert lines[:2] == [3, 8] and lines == sorted(lines)
