"""A written file judged by what it contains (ctft_eval.filecheck): each parser, its caps, the checks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctft_eval.filecheck import checks, grammars


class Bad(Exception):
    pass


def writes(spec: dict) -> checks.Writes:
    made = checks.parse_writes(spec, Bad)
    assert made is not None
    return made


@pytest.mark.parametrize("path, good, bad", [
    ("a.py", "def f(x: int) -> int:\n    return x\n", "def f(:\n"),
    ("a.ts", "export const f = (x: number): number => x;\n", "export const f = (x: number => x;\n"),
    ("a.tsx", "export const A = () => <div className='a'>hi</div>;\n", "export const A = () => <div>hi</div;\n"),
    ("a.js", "module.exports = { a: 1 };\n", "module.exports = { a: 1 ;\n"),
    ("a.go", "package a\n\nfunc F() int { return 1 }\n", "package a\n\nfunc F() int { return 1\n"),
    ("a.rs", "pub enum E { A, B }\n", "pub enum E { A, B\n"),
    ("A.java", "class A { void f() {} }\n", "class A { void f() { }\n"),
    ("a.kts", "android { minSdk = 26 }\n", "android { minSdk = \n"),
    ("a.rb", "def f\n  1\nend\n", "def f\n  1\n"),
    ("a.sh", "#!/bin/bash\nif [ -n \"$A\" ]; then echo a; fi\n", "#!/bin/bash\nif [ -n \"$A\" ]; then echo a\n"),
    ("Dockerfile", "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static\n",
     "FROM golang:1.22 AS build\nRUN\n"),
    ("a.json", '{"a": 1}', '{"a": 1'),
    ("a.yml", "on:\n  push:\n    branches: [main]\n", "on: [push\n"),
    ("a.toml", "[a]\nb = 1\n", "[a\nb = 1\n"),
])
def test_each_language_parses_good_and_names_bad(path: str, good: str, bad: str):
    assert grammars.parse(path, good).problem is None
    parsed = grammars.parse(path, bad)
    assert parsed.failure == grammars.SYNTAX and parsed.problem


def test_vue_parts_are_parsed_apart():
    good = '<script setup lang="ts">\nconst a: number = 1\n</script>\n<template>\n  <b :x="a">1</b>\n</template>\n'
    parsed = grammars.parse("B.vue", good)
    assert parsed.problem is None and [lang for lang, _ in parsed.trees] == ["typescript", "html"]
    assert "no Vue grammar" in parsed.note
    broken = grammars.parse("B.vue", '<script setup lang="ts">\nconst a: = \n</script>\n')
    assert broken.failure == grammars.SYNTAX and "<script>" in (broken.problem or "")


def test_files_without_a_parser_are_judged_by_their_checks_alone():
    assert grammars.parse(".editorconfig", "[*]\nindent_size = 2\n").language is None
    made = writes({"file": ".editorconfig", "checks": [{"regex": r"(?m)^indent_size\s*=\s*2", "says": "2 spaces"}]})
    assert checks.judge(made, ".editorconfig", "[*]\nindent_size = 2\n", False)[0] is None
    assert checks.judge(made, ".editorconfig", "[*]\nindent_size = 4\n", False) == \
        (checks.CHECK_FAILED, ".editorconfig fails the check: 2 spaces")


def test_the_size_cap_is_a_named_failure():
    made = writes({"file": "a.py"})
    failure, reason = checks.judge(made, "a.py", "x = 1\n" * 200_000, False)
    assert failure == grammars.LIMIT and "more than" in reason


def test_deep_nesting_is_no_crash():
    failure, _ = checks.judge(writes({"file": "a.py"}), "a.py", "x = " + "(" * 100_000 + ")" * 100_000, False)
    assert failure in (grammars.LIMIT, grammars.SYNTAX)
    assert checks.judge(writes({"file": "a.json"}), "a.json", "[" * 100_000, False)[0] == grammars.SYNTAX


def test_queries_judge_the_tree_not_the_text():
    made = writes({"file": "useDebounce.ts", "checks": [
        {"query": '(call_expression function: (identifier) @f (#eq? @f "useState"))', "says": "uses state"}]})
    in_comment = "// useState would be right\nexport function useDebounce<T>(v: T) { return v; }\n"
    assert checks.judge(made, "useDebounce.ts", in_comment, False)[0] == checks.CHECK_FAILED
    real = "export function useDebounce<T>(v: T) { const [x] = useState(v); return x; }\n"
    assert checks.judge(made, "useDebounce.ts", real, False)[0] is None


def test_a_dockerfile_query_on_the_final_image():
    made = writes({"file": "Dockerfile", "checks": [
        {"query": '(from_instruction (image_spec name: (image_name) @i (#match? @i "^gcr\\\\.io/distroless/")))',
         "says": "a distroless final image"}]})
    assert checks.judge(made, "Dockerfile", "FROM golang:1.22 AS b\nFROM distroless\n", False)[0] == checks.CHECK_FAILED
    assert checks.judge(made, "Dockerfile", "FROM golang:1.22 AS b\nFROM gcr.io/distroless/static\n", False)[0] is None


def test_a_placeholder_edit_is_judged_on_its_lines_and_keeps_checks_hold():
    made = writes({"file": "a.py", "checks": [{"contains": "def list_todos", "keeps": True},
                                              {"contains": "@bp.delete"}]})
    assert checks.judge(made, "a.py", "@bp.delete('/<int:i>')\ndef d(i):\n", True)[0] is None
    assert checks.judge(made, "a.py", "def d(i):\n", True)[0] == checks.CHECK_FAILED
    assert checks.judge(made, "a.py", "bp = None\n\n\n@bp.delete('/<int:i>')\ndef d(i):\n    pass\n", False)[0] \
        == checks.CHECK_FAILED


def test_another_file_is_the_wrong_file():
    assert checks.judge(writes({"file": "a.py"}), "b.py", "x = 1\n", False)[0] == checks.WRONG_FILE


@pytest.mark.parametrize("spec", [
    {"file": ""}, {"checks": []}, {"file": "a", "checks": {}}, {"file": "a", "checks": [{"contains": ""}]},
    {"file": "a", "checks": [{"regex": "("}]}, {"file": "a", "checks": [{"query": "(((nope"}]},
    {"file": "a", "checks": [{"contains": "a", "regex": "b"}]}, {"file": "a", "extra": 1},
    {"file": "a", "parses": "yes"}, {"file": "a", "checks": [{"contains": "a", "keeps": "no"}]},
])
def test_malformed_writes_are_one_clear_suite_error(spec: dict):
    with pytest.raises(Bad):
        checks.parse_writes(spec, Bad)


def test_the_time_cap_is_a_named_failure(monkeypatch):
    monkeypatch.setattr(grammars, "TIME_LIMIT", 0.0)
    parsed = grammars.parse("a.ts", "const a = 1;\n" * 50_000)
    assert parsed.failure == grammars.LIMIT and "ran past" in (parsed.problem or "")


def test_a_vue_file_with_two_scripts_and_a_dockerfile_without_a_final_newline_parse():
    two = ('<script lang="ts">\nexport default { name: "B" }\n</script>\n<script setup lang="ts">\n'
           'const a = "</template>"\n</script>\n<template>\n  <template v-if="a"><b>1</b></template>\n</template>\n')
    parsed = grammars.parse("B.vue", two)
    assert parsed.problem is None and [lang for lang, _ in parsed.trees] == ["typescript", "typescript", "html"]
    assert grammars.parse("Dockerfile", "FROM alpine").problem is None


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["a.py", "a.ts", "a.tsx", "a.go", "a.rs", "A.java", "a.kts", "a.rb", "a.sh", "Dockerfile",
                        "a.json", "a.yml", "a.toml", "a.vue", "a.sql", ".editorconfig"]),
       st.text(max_size=400))
def test_any_text_in_any_kind_of_file_is_a_verdict_never_a_crash(path: str, text: str):
    made = writes({"file": path, "parses": "postgresql" if path.endswith(".sql") else True,
                   "checks": [{"query": "(identifier) @i"}, {"not_regex": "x{3}"}]})
    failure, reason = checks.judge(made, path, text, False)
    assert failure is None or isinstance(reason, str)
    checks.judge(made, path, text, True)
