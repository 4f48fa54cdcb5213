"""The edit tools as Continue applies them (ctft_eval.runner.find_replace, ctft_eval.runner.edits):
each matching rule of find-and-replace, each of its errors, each refusal of the edit tools."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctft_eval.runner import edits
from ctft_eval.runner.find_replace import ABSENT, EditError, find_matches, multi_validate, replace, validate
from ctft_eval.runner.result import NOT_FOUND, SECURITY

WORKSPACE = Path(__file__).resolve().parent.parent / "suites" / "workspaces" / "acme-monorepo" / "tree"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(WORKSPACE, tmp_path / "w")
    return (tmp_path / "w").resolve()


# ---- matching order: exact, trimmed, case-insensitive, whitespace-insensitive ----------------------

@pytest.mark.parametrize("content, old, new, result, strategy", [
    # exact comes first: the lower-case line is left alone
    ("a = 1\nA = 1\n", "A = 1", "A = 2", "a = 1\nA = 2\n", "exactMatch"),
    # extra space around the old string: the trimmed old string is found
    ("x = call(timeout=5)\n", "  timeout=5\n", "timeout=30", "x = call(timeout=30)\n", "trimmedMatch"),
    ('subject: "Ready to Recieve"\n', "recieve", "receive", 'subject: "Ready to receive"\n', "caseInsensitiveMatch"),
    # spaces the file does not have: found with every whitespace removed, mapped back onto the file
    ("get(url, timeout=5)\n", "timeout = 5", "timeout = 30", "get(url, timeout = 30)\n", "whitespaceIgnoredMatch"),
])
def test_the_matching_order(content: str, old: str, new: str, result: str, strategy: str):
    assert replace(content, old, new, False) == (result, strategy)


def test_an_old_string_that_is_only_whitespace_inserts_at_the_start():
    assert replace("body\n", "  \n", "head\n", False) == ("head\nbody\n", "emptySearch")


def test_a_non_exact_match_moves_the_new_text_to_the_matched_indentation():
    content = "class A:\n    def f(self):\n        return 1\n"
    text, strategy = replace(content, "def f(self):\n    return 1", "def f(self):\n    return 2", False)
    assert strategy == "whitespaceIgnoredMatch"
    assert text == "class A:\n    def f(self):\n        return 2\n"


# ---- its errors ------------------------------------------------------------------------------------

def test_no_match_is_string_not_found():
    with pytest.raises(EditError, match='string not found in file: "minSdkVersion 23"'):
        replace("minSdk = 23\n", "minSdkVersion 23", "minSdkVersion 26", False)


def test_several_matches_without_replace_all_is_an_error_and_with_it_all_change():
    content = "calc_tax(1)\ncalc_tax(2)\ndef calc_tax(x): pass\n"
    with pytest.raises(EditError, match="appears 3 times"):
        replace(content, "calc_tax", "calculate_tax", False)
    assert replace(content, "calc_tax", "calculate_tax", True)[0].count("calculate_tax") == 3


def test_each_search_restarts_after_the_previous_match_with_the_exact_strategy_first():
    # exact finds the second word; Continue never goes back for the first, which only matches case-insensitively
    assert [(m.start, m.strategy) for m in find_matches("Foo foo\n", "foo")] == [(4, "exactMatch")]
    # after an exact match, the rest is searched again from the first strategy on
    assert [m.strategy for m in find_matches("foo FOO\n", "foo")] == ["exactMatch", "caseInsensitiveMatch"]


@pytest.mark.parametrize("old, new, replace_all, message", [
    ("a", "a", ABSENT, "must be different"),
    (None, "a", ABSENT, "old_string is required"),
    ("a", 3, ABSENT, "new_string is required"),
    ("a", "b", "true", "replace_all must be a valid boolean"),
    ("a", "b", None, "replace_all must be a valid boolean"),
])
def test_validation_errors(old, new, replace_all, message):
    with pytest.raises(EditError, match=message):
        validate(old, new, replace_all)


def test_multi_edit_validation():
    with pytest.raises(EditError, match="edits array is required"):
        multi_validate("x")
    with pytest.raises(EditError, match="at least one edit"):
        multi_validate([])
    with pytest.raises(EditError, match="edit at index 1: old_string and new_string must be different"):
        multi_validate([{"old_string": "a", "new_string": "b"}, {"old_string": "c", "new_string": "c"}])
    with pytest.raises(EditError, match="Only the first edit can have an empty old_string"):
        multi_validate([{"old_string": "a", "new_string": "b"}, {"old_string": "", "new_string": "c"}])


@given(st.text(max_size=60), st.text(max_size=8), st.text(max_size=8), st.booleans())
def test_replace_never_fails_but_with_an_edit_error(content, old, new, every):
    try:
        text, _ = replace(content, old, new, every)
    except EditError:
        return
    assert isinstance(text, str)


# ---- the tools on a workspace copy ----------------------------------------------------------------

def test_single_find_and_replace_writes_the_file(root: Path):
    result = edits.single_find_and_replace(root, {"filepath": "config/server.js", "old_string": "const PORT = 3000;",
                                                  "new_string": "const PORT = process.env.PORT || 3000;"})
    assert result.ran and result.written[0][0] == "config/server.js"
    assert "process.env.PORT || 3000" in (root / "config/server.js").read_text()


def test_single_find_and_replace_errors_leave_the_file_alone(root: Path):
    before = (root / "lib/billing.rb").read_text()
    result = edits.single_find_and_replace(root, {"filepath": "lib/billing.rb", "old_string": "calc_tax",
                                                  "new_string": "calculate_tax"})
    assert result.failure == edits.EDIT_FAILED and "appears 3 times" in result.output
    assert (root / "lib/billing.rb").read_text() == before
    missing = edits.single_find_and_replace(root, {"filepath": "nope.rb", "old_string": "a", "new_string": "b"})
    assert missing.failure == NOT_FOUND and "File nope.rb does not exist" in missing.output


def test_the_issue_example_old_string_not_in_the_file(root: Path):
    result = edits.single_find_and_replace(root, {"filepath": "src/main/java/com/acme/bank/TransferService.java",
                                                  "old_string": "@Transactional",
                                                  "new_string": "@Transactional\n    public void transfer"})
    assert result.failure == edits.EDIT_FAILED and "string not found" in result.output


def test_multi_edit_is_all_or_nothing(root: Path):
    before = (root / "config/settings.py").read_text()
    result = edits.multi_edit(root, {"filepath": "config/settings.py", "edits": [
        {"old_string": "DEBUG = True", "new_string": "DEBUG = False"},
        {"old_string": "NOT THERE", "new_string": "x"}]})
    assert result.failure == edits.EDIT_FAILED and "Edit at index 1" in result.output
    assert (root / "config/settings.py").read_text() == before


@pytest.mark.parametrize("filepath, failure", [
    (".env.local", SECURITY),
    ("app/models.py", edits.EXISTS),
    ("../outside.txt", "outside_workspace"),
    ("", "tool_error"),
])
def test_create_new_file_refusals(root: Path, filepath: str, failure: str):
    result = edits.create_new_file(root, filepath, "x")
    assert result.failure == failure
    assert not (root.parent / "outside.txt").exists()


def test_create_new_file_writes_folders_and_json_objects(root: Path):
    result = edits.create_new_file(root, "/.github/workflows/ci.yml", "on: push\n")
    assert result.ran and (root / ".github/workflows/ci.yml").read_text() == "on: push\n"
    made = edits.create_new_file(root, "data/x.json", {"a": 1})
    assert made.written == (("data/x.json", '{"a":1}'),)


def test_edit_existing_file_whole_and_placeholder(root: Path):
    whole = edits.edit_existing_file(root, "./utils/dates.py", '"""Dates."""\n')
    assert whole.ran and not whole.partial and (root / "utils/dates.py").read_text() == '"""Dates."""\n'
    lazy = edits.edit_existing_file(root, "app/routes.py", "# ... existing code ...\n\n@bp.delete('/<int:i>')\n")
    assert lazy.partial and lazy.written == (("app/routes.py", "\n@bp.delete('/<int:i>')\n"),)
    assert edits.edit_existing_file(root, "app/nope.py", "x").failure == NOT_FOUND
    assert edits.edit_existing_file(root, "app/routes.py", "").failure == "tool_error"


@pytest.mark.parametrize("line, placeholder", [
    ("// ... existing code ...", True), ("    # ... rest of the file ...", True),
    ("<!-- ... existing template ... -->", True), ("{/* ... existing code ... */}", True),
    ("const all = [...a, ...b];", False), ("    ...", False), ("def f(): ...", False),
])
def test_placeholder_lines(line: str, placeholder: bool):
    assert edits.is_placeholder(line) is placeholder


def test_a_lone_surrogate_is_written_as_the_replacement_character(root: Path):
    result = edits.create_new_file(root, "notes.txt", "a\ud800b")
    assert result.written == (("notes.txt", "a\ufffdb"),)
    assert (root / "notes.txt").read_text(encoding="utf-8") == "a\ufffdb"
