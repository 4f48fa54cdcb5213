"""Argument matchers, with the BFCL false accepts of peers.md §1 as negative cases."""

import posixpath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctft_eval.matchers import MatcherError, commands_equal, normalize_path, parse_matcher, paths_equal


def ok(spec, value):
    return parse_matcher(spec).check(value) is None


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        ({"path": "src/a.ts"}, "./src/a.ts"),
        ({"path": "src/a.ts"}, "src//a.ts"),
        ({"path": "src/"}, "src"),
        ({"path": "/abs/src/a.ts"}, "file:///abs/src/a.ts"),
        ({"path": "src/a.ts"}, "src/lib/../a.ts"),
        ({"glob": "**/*.py"}, "*.py"),
        ({"glob": "**/*.test.ts"}, "./**/*.test.ts"),
        ({"regex": "a.b"}, "axb"),
        ({"command": "ls -la"}, "ls -al"),
        ({"command": "ls -la"}, "ls -l -a"),
        ({"command": "pytest -x tests/"}, "pytest  -x  tests/"),
        ({"contains": ["users", "router"]}, "router for users"),
        ({"one_of": ["a", "b"]}, "b"),
        (10, 10.0),
        (10, "10"),
        (True, True),
        ({"any": True}, "anything"),
    ],
)
def test_equivalent_values_match(spec, value):
    assert ok(spec, value)


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        ({"path": "src/ab.ts"}, "src/a-b.ts"),
        ({"path": "src/ab.ts"}, "src/a_b.ts"),
        ({"path": "src/main.py"}, "SRC/Main.py"),
        ({"path": "src/a.ts"}, "SRC/a.ts"),
        ({"path": "abs/src/a.ts"}, "/abs/src/a.ts"),
        ({"glob": "test_*.py"}, "test.py"),
        ({"regex": "a.b"}, "ab"),
        ({"regex": "^foo"}, "xfoo"),
        ({"command": "npm test -- -u"}, "npm test u"),
        ({"command": "tar -xzf a.tgz"}, "tar -fxz a.tgz"),
        ({"command": "rm -r build"}, "rm -rf build"),
        ({"contains": ["users", "router"]}, "users only"),
        (10, 11),
        (10, "ten"),
        (True, 1),
        ("src/a.ts", "./src/a.ts"),  # exact means exact
        ({"absent": True}, "x"),
    ],
)
def test_different_meanings_never_match(spec, value):
    assert not ok(spec, value)


def test_missing_argument_fails_unless_absent_expected():
    from ctft_eval.matchers import MISSING

    assert parse_matcher({"any": True}).check(MISSING) == "missing (expected any True)"
    assert parse_matcher({"absent": True}).check(MISSING) is None


@pytest.mark.parametrize(
    "spec",
    [{"regex": "("}, {"bogus": 1}, {"path": 3}, {"any": False}, {"path": "a", "glob": "b"}, {"one_of": []},
     {"command": "echo 'unterminated"}],
)
def test_malformed_specs_are_rejected(spec):
    with pytest.raises(MatcherError):
        parse_matcher(spec)


segment = st.text(alphabet="abAB_-.~ 0", min_size=1, max_size=4)
paths = st.lists(segment, min_size=1, max_size=4).map("/".join) | st.lists(segment, min_size=1, max_size=3).map(
    lambda parts: "/" + "/".join(parts)
)


@given(paths, paths)
def test_path_matcher_never_equates_different_normalized_paths(a, b):
    if paths_equal(a, b):
        assert normalize_path(a) == normalize_path(b)
        # and the normal form is the one posix gives the same file
        assert posixpath.normpath(a.strip()) == posixpath.normpath(b.strip())


@given(paths)
def test_a_path_matches_its_dot_slash_spelling(p):
    if p == p.strip() and p and not p.startswith((".", "/")):
        assert paths_equal("./" + p, p)


@given(st.lists(st.sampled_from("lahrtS"), min_size=1, max_size=5, unique=True))
def test_short_flag_clusters_compare_as_sets(flags):
    assert commands_equal("ls -" + "".join(flags), "ls -" + "".join(reversed(flags)))


@pytest.mark.parametrize("command, ok", [
    ("dotnet test", True), ("dotnet test Acme.sln", True), ("dotnet test --no-build -v q", True),
    ('dotnet test --filter "TestAssembly=**/*.Tests.dll"', False), ("dotnet test tests/Api.Tests", False),
    ("dotnet build", False), ("dotnet test 'unclosed", False),
])
def test_runs_refuses_words_that_narrow_what_runs(command: str, ok: bool):
    matcher = parse_matcher({"runs": {"command": "dotnet test", "allow": ["*.sln", "--no-build", "-v", "q"]}})
    assert (matcher.check(command) is None) is ok


@pytest.mark.parametrize("command, ok", [
    ("go test ./...", True), ("go test -race ./...", True), ("go test", False), ("go test ./internal/...", False),
    ("go test -run TestX ./...", False),
])
def test_runs_needs_its_words(command: str, ok: bool):
    matcher = parse_matcher({"runs": {"command": "go test", "needs": ["./..."], "allow": ["-race"]}})
    assert (matcher.check(command) is None) is ok


@pytest.mark.parametrize("spec", [{"runs": "go test"}, {"runs": {"needs": ["x"]}}, {"runs": {"command": "a", "x": 1}},
                                  {"runs": {"command": "'a"}}, {"runs": {"command": ["a", 3]}}])
def test_malformed_runs_is_a_matcher_error(spec):
    with pytest.raises(MatcherError):
        parse_matcher(spec)
