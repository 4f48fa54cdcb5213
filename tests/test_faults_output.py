"""Faults of what a model or a server writes, on its way to every output: a lone surrogate that
UTF-8 cannot hold, terminal escape codes and forged log lines, Markdown that would break out of its
code block or outgrow a pull-request comment, and a suite regex that backtracks without end on a
model's argument. Each runs `pytest --backend=...` against a loopback double (or the CLI on the
records it wrote), and a property test sends arbitrary Unicode through one in-process session."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import SMALL_SUITE
from doubles.oracle import Oracle
from doubles.scripted import Call, Scripted
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from records import entry, make_record
from session_runner import DOUBLES

from ctft_eval import record as run_record
from ctft_eval.compare import RegressionSettings, compare, views
from ctft_eval.report import html, markdown, terminal
from ctft_eval.scorers.outcome import failed, passed

PYPROJECT = "[tool.ctft_eval]\ntimeout = 20.0\nretries = 0\n"
ESCAPES = "\x1b[2J\x1b[H\x1b[32mALL PASSED\x1b[0m\x1b]0;pwned\x07"
FORGED = "\n::error file=app.py::forged by the model"
BREAKOUT = "x\n```\n# pwned\n![t](http://evil.example/p.png)\n<img src=x>\n"
# what no output may carry raw: C0 controls but the newline, DEL and C1, bidi controls, line and
# paragraph separators, lone surrogates (written here independently of ctft_eval.shown)
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


@pytest.fixture
def project(pytester):
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    pytester.makefile(".toml", pyproject=PYPROJECT)
    return pytester


def backend_args(kind: str, server) -> list[str]:
    if kind == "openai":
        return [f"--backend=openai:m@{server.base_url}", "--ctft-provider=openai"]
    return ["--backend=ollama:m", f"--ollama-host={server.url}", "--ctft-provider=ollama"]


def run(project, kind: str, responder, *args: str):
    with DOUBLES[kind](responder) as server:
        return project.runpytest_subprocess("suites", "-p", "no:cacheprovider", "-rfs", "--ctft-tools=all",
                                            *backend_args(kind, server), *args, timeout=180)


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ctft_eval", *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", errors="surrogateescape", timeout=120)


def outside_code(md: str) -> str:
    """The Markdown that renders as Markdown: fenced blocks and code spans taken out."""
    kept, fenced = [], False
    for line in md.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            kept.append(re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", line))
    return "\n".join(kept)


def junit_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    texts = [p.get("value") or "" for p in root.iter("property")]
    texts += [f.get("message") or "" for f in root.iter("failure")] + [f.text or "" for f in root.iter("failure")]
    texts += [s.get("message") or "" for s in root.iter("skipped")]
    return texts


# ---- a lone surrogate -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_a_lone_surrogate_is_recorded_read_back_and_shown_as_an_escape(project, kind):
    result = run(project, kind, lambda body: Scripted(content="half \ud83d"), "--ctft-record=r.json")
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 1 and "Traceback" not in out and "INTERNALERROR" not in out, out
    path = project.path / "r.json"
    path.read_bytes().decode("utf-8")  # strict UTF-8: the surrogate is written as its JSON escape
    texts = {r.text for e in run_record.read(path).results for r in e.replies}
    assert texts == {"half \ud83d"}
    assert "half \\ud83d" in out and "GATE FAILED" in out
    rescored = cli(project.path, "rescore", "r.json", "--out", "again.json")
    assert rescored.returncode == 0, rescored.stdout + rescored.stderr
    assert {r.text for e in run_record.read(project.path / "again.json").results for r in e.replies} == texts


# ---- terminal and log injection -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ollama", "openai"])
def test_escape_codes_and_newlines_in_a_tool_name_reach_no_terminal_log_or_junit_raw(project, kind):
    name = ESCAPES + FORGED
    result = run(project, kind, lambda body: Scripted(calls=[Call(name, {"filepath": "x"})]),
                 "--junitxml=j.xml", "--ctft-record=r.json")
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 1 and "Traceback" not in out, out
    assert not RAW.findall(out)
    assert not [line for line in out.splitlines() if line.lstrip().startswith("::")]
    assert "\\x1b[2J\\x1b[H\\x1b[32mALL PASSED" in out and "\\n::error file=app.py::forged" in out
    texts = junit_texts(project.path / "j.xml")
    assert texts and not any(RAW.search(t) for t in texts)
    assert not [line for t in texts for line in t.splitlines() if line.lstrip().startswith("::")]
    assert any("\\x1b[2J" in t for t in texts)
    calls = [c.name for e in run_record.read(project.path / "r.json").results for r in e.replies for c in r.tool_calls]
    assert calls and set(calls) == {name}  # the record keeps what the model wrote


# ---- Markdown -------------------------------------------------------------------------------------


def test_markdown_of_a_hostile_run_renders_nothing_and_fits_a_comment(project, small_cases):
    big = "A" * (1 << 20)

    def hostile(body):
        if "config" in json.dumps(body.get("messages", [])[-1:]):
            return Scripted(calls=[Call("read_file", {"filepath": big})], chunk_size=1 << 21)
        return Scripted(calls=[Call(BREAKOUT, {"filepath": "x"})])

    base = run(project, "openai", Oracle(small_cases), "--ctft-record=base.json")
    now = run(project, "openai", hostile, "--ctft-record=now.json")
    assert base.ret == 0 and now.ret == 1
    shown = cli(project.path, "compare", "base.json", "now.json", "--format=markdown")
    md = shown.stdout
    assert shown.returncode == 1 and "broken" in md, shown.stderr
    assert len(md) <= 65_536 and not RAW.findall(md)
    rendered = outside_code(md)
    assert not re.search("pwned|evil|<img|!\\[", rendered)  # the model's text renders only as code
    assert sum(1 for line in md.splitlines() if line.startswith("```")) % 2 == 0
    assert "more characters]" in md  # the 1 MiB argument is cut, with a marker


def test_markdown_of_thousands_of_long_flips_stays_under_the_comment_limit():
    dims = ("tool_selection", "json_validity", "arguments")
    reason = "called " + BREAKOUT * 400
    base = make_record([entry(f"case-{i}", dict.fromkeys(dims, True)) for i in range(2000)])
    now = make_record([entry(f"case-{i}", {d: failed(d, "wrong_tool", reason) for d in dims}) for i in range(2000)])
    run_views = views(base, "base") + views(now, "now")
    md = markdown.comparison(run_views, [compare(run_views[0], run_views[1])], RegressionSettings())
    assert len(md) <= 65_536 and not RAW.findall(md)
    assert "more flipped case(s)" in md
    assert sum(1 for line in md.splitlines() if line.startswith("```")) % 2 == 0
    assert not re.search("pwned|evil|<img|!\\[", outside_code(md))


# ---- a catastrophic regex -------------------------------------------------------------------------

REGEX_SUITE = """\
suite: regex
cases:
  - id: run-build
    prompt: "Run the build"
    tool: run_terminal_command
    arguments:
      command: {regex: '^(a|aa)+$'}
  - id: read-config
    prompt: "What's in src/config.ts?"
    tool: read_file
    arguments:
      filepath: {path: src/config.ts}
"""


def test_a_regex_that_backtracks_without_end_is_the_suites_matcher_timeout(pytester):
    pytester.makefile(".yaml", **{"suites/regex": REGEX_SUITE})
    pytester.makefile(".toml", pyproject=PYPROJECT)

    def model(body):
        if "build" in json.dumps(body.get("messages", [])[-1:]):
            return Scripted(calls=[Call("run_terminal_command", {"command": "a" * 60 + "!"})])  # re: hours
        return Scripted(calls=[Call("read_file", {"filepath": "src/config.ts"})])

    result = run(pytester, "openai", model, "--ctft-record=r.json")
    out = result.stdout.str()
    assert result.ret == 0, out  # the model's rates: every verdict given passed
    assert "1 verdict(s) not given, a problem of the suite (matcher_timeout" in out and "run-build (arguments)" in out
    saved = run_record.read(pytester.path / "r.json")
    (build,) = [e for e in saved.results if e.case == "run-build"]
    verdict = build.outcomes["arguments"]
    assert verdict.passed is None and verdict.failure == "matcher_timeout" and "ran past" in verdict.reason
    assert build.outcomes["tool_selection"].passed is True
    again = cli(pytester.path, "rescore", "r.json", "--out", "again.json")
    assert again.returncode == 0, again.stdout + again.stderr
    rescored = run_record.read(pytester.path / "again.json")
    assert [e.outcomes["arguments"].failure for e in rescored.results if e.case == "run-build"] == ["matcher_timeout"]


# ---- property: arbitrary Unicode through one in-process session -----------------------------------

PIECES = st.sampled_from(["\x1b[2J", "\x1b]0;title\x07", "\r", "\n::error::forged", "\u202e", "\u2066", "\ud83d",
                          "\udc00", "```", "![t](http://evil.example/p.png)", "<script>x</script>", "\x00", "\x85",
                          "\u2028", "|", "\\", "\t"])
CHARACTERS = st.characters(categories=["Cs", "Cc", "Cf", "Zl", "Zp", "Zs", "L", "N", "P", "S", "M"])
HOSTILE = st.lists(st.one_of(PIECES, st.text(CHARACTERS, max_size=30)), min_size=1, max_size=8).map("".join)
SHAPES = ("text", "name", "argument")
CASES = 24


def property_suite() -> str:
    cases = "".join(f"""
  - id: case-{i}
    prompt: "case {i}: read src/f{i}.ts"
    tool: read_file
    arguments:
      filepath: {{path: src/f{i}.ts}}
""" for i in range(CASES))
    return f"suite: hostile\ncases:{cases}"


def scripted(shape: str, text: str) -> Scripted:
    if shape == "text":
        return Scripted(content=text, chunk_size=1 << 21)
    if shape == "name":
        return Scripted(calls=[Call(text, {"filepath": "src/x.ts"})], chunk_size=1 << 21)
    return Scripted(calls=[Call("read_file", {"filepath": text})], chunk_size=1 << 21)


def as_received(text: str) -> str:
    """What a client decodes from the server's JSON (escaped surrogate pairs join into one character)."""
    return json.loads(json.dumps(text))


def recorded(shape: str, e) -> list:
    if shape == "text":
        return [r.text for r in e.replies]
    if shape == "name":
        return [c.name for r in e.replies for c in r.tool_calls]
    return [c.arguments.get("filepath") for r in e.replies for c in r.tool_calls if isinstance(c.arguments, dict)]


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(kind=st.sampled_from(["ollama", "openai"]),
       replies=st.lists(st.tuples(st.sampled_from(SHAPES), HOSTILE), min_size=CASES, max_size=CASES),
       big=st.tuples(st.sampled_from(SHAPES), st.integers(0, CASES - 1), PIECES))
def test_any_unicode_a_model_writes_is_recorded_whole_and_shown_escaped_everywhere(pytester, kind, replies, big):
    """One session per example, one hostile reply per case (one of them 1 MB), in process."""
    shape, index, piece = big
    replies = list(replies)
    replies[index] = (shape, (piece + "B" * 61) * ((1 << 20) // (len(piece) + 61)))
    pytester.makefile(".yaml", **{"suites/hostile": property_suite()})
    pytester.makefile(".toml", pyproject=PYPROJECT)
    for stale in ("r.json", "j.xml"):
        (pytester.path / stale).unlink(missing_ok=True)

    def model(body):
        found = re.search(r"case (\d+):", json.dumps(body.get("messages", [])[-1:], ensure_ascii=False))
        return scripted(*replies[int(found.group(1))]) if found else Scripted(content="?")

    with DOUBLES[kind](model) as server:
        # (each example is another model behind the same identity: the reply cache must not answer)
        result = pytester.runpytest_inprocess("suites", "-p", "no:cacheprovider", "-rfs", "--ctft-tools=all",
                                              *backend_args(kind, server), "--ctft-record=r.json", "--junitxml=j.xml",
                                              "--ctft-cache=off")
    out = "\n".join(result.outlines + result.errlines)
    assert result.ret in (0, 1), out[-3000:]
    assert "INTERNALERROR" not in out and "Traceback" not in out
    assert not RAW.findall(out), sorted(set(RAW.findall(out)))

    path = pytester.path / "r.json"
    path.read_bytes().decode("utf-8")
    saved = run_record.read(path)
    by_case = {e.case: e for e in saved.results}
    for i, (shape, text) in enumerate(replies):
        assert recorded(shape, by_case[f"case-{i}"]) == [as_received(text)], (i, shape)
    again = pytester.path / "again.json"
    run_record.write_atomic(again, saved)
    assert run_record.read(again).to_json() == saved.to_json()

    texts = junit_texts(pytester.path / "j.xml")
    assert texts and not [t for t in texts if RAW.search(t)]
    assert not [line for t in texts for line in t.splitlines() if line.lstrip().startswith("::")]

    base = replace(saved, results=[replace(e, outcomes={d: passed(d, "ok") for d in e.outcomes}) for e in saved.results])
    run_views = views(base, "base") + views(saved, "now")
    comparisons = [compare(run_views[0], run_views[1])]
    md = markdown.comparison(run_views, comparisons, RegressionSettings())
    assert len(md) <= 65_536 and not RAW.findall(md)
    assert sum(1 for line in md.splitlines() if line.startswith("```")) % 2 == 0
    assert not re.search("evil|<script|!\\[", outside_code(md))
    page = html.report(run_views, comparisons, RegressionSettings())
    assert not RAW.findall(page) and "<script>" not in page
    assert not RAW.findall(terminal.comparison(run_views, comparisons, RegressionSettings()))
