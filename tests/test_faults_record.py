"""Faults in what replay and rescore read, and in what the record builder writes (issue 12):
a record of the wrong structure is one usage error naming the file and the field (exit 4, before
any test runs, never INTERNALERROR); a model's call nested 700 levels deep still gives a summary
and a record; a mutated record reads as a RunRecord or a RecordError, nothing else.

And where records and reports go, and what they are read from (issue 19): a symlinked
--ctft-record is one usage error, never followed; rescore --out and compare --html that cannot be
written are one error before the work, and a write failing at the end is one line; a FIFO where a
suite or a record is read is one error, not a hang; a second Ctrl-C at the very end exits 2."""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SMALL_SUITE
from doubles.ollama_server import OllamaDouble
from doubles.oracle import Oracle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from records import call_reply, entry, make_record
from session_runner import Session, backend_args

from ctft_eval import __main__ as cli_main
from ctft_eval import record as run_record
from ctft_eval import record_path, rescore, results
from ctft_eval.backends import ModelIdentity
from ctft_eval.depth import MAX_DEPTH, TOO_DEEP
from ctft_eval.record import RecordError, RunRecord, reply_json
from ctft_eval.reply import Reply, ToolCall
from ctft_eval.sources import reparsed

LABEL = "ollama:m"
PYPROJECT = ("[tool.ctft_eval]\ntimeout = 10.0\nretries = 0\n"
             "[tool.ctft_eval.gates]\ntool_selection = 0.95\njson_validity = 0.99\narguments = 0.9\n")


@pytest.fixture
def project(pytester):
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    pytester.makefile(".toml", pyproject=PYPROJECT)
    return pytester


def valid_record() -> dict:
    """The JSON of a small, valid record: a case on each channel, a warm-up, a gate, a summary."""
    continue_reply = Reply(text="```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath\nsrc/config.ts\nEND_ARG\n```",
                           channel="continue")
    rec = make_record([entry("read-config", {"tool_selection": True}, backend=LABEL, replies=[call_reply()],
                             timed_replies=[call_reply(wall_s=0.2)]),
                       entry("read-config", {"tool_selection": True}, backend=LABEL, channel="continue",
                             replies=[continue_reply])],
                      backends={LABEL: ModelIdentity(LABEL, "sha256:d", details={"family": "qwen2"})},
                      warmups={f"{LABEL}|native": call_reply()})
    rec.runs = results.summaries(rec)
    return json.loads(json.dumps(rec.to_json()))


def changed(edit) -> bytes:
    data = valid_record()
    edit(data)
    return json.dumps(data).encode()


def reply0(data: dict) -> dict:
    return data["results"][0]["replies"][0]


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


# (name, the file's bytes, what the one error line must name besides the file)
VARIANTS = [
    ("top-level list", b"[1, 2]", "a JSON list, not an object"),
    ("top-level string", b'"a record"', "a JSON str, not an object"),
    ("top-level number", b"42", "a JSON int, not an object"),
    ("top-level null", b"null", "null, not an object"),
    ("missing format", changed(lambda d: d.pop("format")), "format None"),
    ("unknown format version", changed(lambda d: d.update(format="ctft-eval-run/99")), "format 'ctft-eval-run/99'"),
    ("format not a string", changed(lambda d: d.update(format=["ctft-eval-run/2"])), "format a JSON list"),
    ("missing backends", changed(lambda d: d.pop("backends")), "backends: missing"),
    ("backends a list", changed(lambda d: d.update(backends=[LABEL])), "backends: expected an object"),
    ("backend identity a string", changed(lambda d: d["backends"].update({LABEL: "x"})),
     'backends["ollama:m"]: expected'),
    ("results not a list", changed(lambda d: d.update(results={"a": 1})), "results: expected a list"),
    ("entry missing its case", changed(lambda d: d["results"][0].pop("case")), "results[0].case: missing"),
    ("entry a number", changed(lambda d: d["results"].insert(0, 7)), "results[0]: expected a result entry"),
    ("reply with an unknown field", changed(lambda d: reply0(d).update(bogus=1)), "results[0].replies[0].bogus"),
    ("timings with an unknown field", changed(lambda d: reply0(d)["timings"].update(gpu_s=1.0)),
     "results[0].replies[0].timings.gpu_s"),
    ("wall time as text", changed(lambda d: reply0(d)["timings"].update(wall_s="fast")),
     "results[0].replies[0].timings.wall_s: expected a finite number"),
    ("exit status a float", changed(lambda d: d.update(exit_status=1.5)), "exit_status: expected an integer"),
    ("repeat as text", changed(lambda d: d.update(repeat="3")), "repeat: expected an integer"),
    ("replies a string", changed(lambda d: d["results"][0].update(replies="abc")), "results[0].replies: expected a list"),
    ("channels a string", changed(lambda d: d.update(channels="native")), "channels: expected a list"),
    ("tool calls an object", changed(lambda d: reply0(d).update(tool_calls={"name": "ls"})),
     "results[0].replies[0].tool_calls: expected a list"),
    ("arguments a string", changed(lambda d: reply0(d)["tool_calls"][0].update(arguments="{}")),
     "results[0].replies[0].tool_calls[0].arguments: expected an object"),
    ("outcome passed as text", changed(lambda d: d["results"][0]["outcomes"]["tool_selection"].update(passed="yes")),
     'results[0].outcomes["tool_selection"].passed'),
    ("warm-up reply broken", changed(lambda d: d["warmups"].update({"w": {"text": 1}})), 'warmups["w"].text'),
    ("gate without threshold", changed(lambda d: d.update(gates=[{"backend": LABEL, "channel": "native",
                                                                  "name": "g", "holds": True, "detail": ""}])),
     "gates[0].observed: missing"),
    ("NaN wall time", changed(lambda d: reply0(d)["timings"].update(wall_s=float("nan"))),
     "timings.wall_s: expected a finite number, got NaN"),
    ("Infinity tokens", changed(lambda d: reply0(d)["timings"].update(prompt_tokens=float("inf"))),
     "timings.prompt_tokens: expected an integer"),
    ("nested deeper than a record", changed(lambda d: reply0(d).update(raw=nested(300))),
     "results[0].replies[0].raw"),
    ("nested past Python's limit", changed(lambda d: reply0(d).update(raw="DEEP")).replace(
        b'"DEEP"', b"[" * 5000 + b"]" * 5000), "nests too deep to read"),
    ("truncated file", json.dumps(valid_record()).encode()[:300], "not JSON"),
    ("not UTF-8", b'{"format": "ctft-eval-run/2", "started": "\xff\xfe"}', "not JSON"),
    ("empty file", b"", "not JSON"),
    ("format 1, latency replies a string", changed(lambda d: d.update(format="ctft-eval-run/1", results=[
        {"backend": LABEL, "channel": "native", "case": "a", "latency_replies": "x"}])),
     "results[0].latency_replies: expected a list"),
]


@pytest.mark.parametrize(("content", "field"), [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_the_reader_names_the_file_and_the_field(tmp_path, content, field):
    path = tmp_path / "rec.json"
    path.write_bytes(content)
    with pytest.raises(RecordError) as caught:
        run_record.read(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and field in message and "\n" not in message


# The variants the issue names, each through a whole replay session (the others are the reader's).
REPLAYED = [v for v in VARIANTS if v[0] in {
    "top-level list", "top-level string", "top-level number", "top-level null", "missing format",
    "unknown format version", "missing backends", "backends a list", "results not a list", "entry missing its case",
    "reply with an unknown field", "timings with an unknown field", "wall time as text", "replies a string",
    "NaN wall time", "nested deeper than a record", "nested past Python's limit", "truncated file", "not UTF-8",
    "empty file",
}]


def test_at_least_17_variants_go_through_a_replay_session():
    assert len(REPLAYED) >= 17


@pytest.mark.parametrize(("content", "field"), [v[1:] for v in REPLAYED], ids=[v[0] for v in REPLAYED])
def test_replay_of_a_broken_record_is_one_usage_error(project, content, field):
    (project.path / "rec.json").write_bytes(content)
    result = project.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--backend=replay:rec.json",
                                          "--ctft-tools=all", timeout=120)
    err, out = result.stderr.str(), result.stdout.str()
    assert result.ret == 4, out + err
    assert "INTERNALERROR" not in out + err and "Traceback" not in out + err
    lines = [line for line in err.splitlines() if "cannot replay" in line]
    assert len(lines) == 1 and "rec.json: " in lines[0] and field in lines[0], err
    assert " PASSED" not in out and " FAILED" not in out  # no test ran


@pytest.mark.parametrize(("edit", "field"), [
    (lambda d: reply0(d)["timings"].update(wall_s=[]), "timings.wall_s"),
    (lambda d: d.update(profile={"provider": "bogus", "tools": "default"}), "profile.provider: expected one of"),
    (lambda d: d.update(profile={"tools": "all", "provider": None}), "profile.provider"),
    (lambda d: d.update(profile={"schema": "loose"}), "profile.schema: expected one of continue, strict"),
    (lambda d: d.update(suites="suites/s.yaml"), "suites: expected a list"),
])
def test_rescore_of_a_broken_record_is_one_error(tmp_path, capsys, edit, field):
    path = tmp_path / "rec.json"
    path.write_bytes(changed(edit))
    assert rescore.main(path, None, None) == 2
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"error: {path}: ") and field in out and "\n" not in out


# ---- a call nested 700 levels deep, in the reply text: summary, record, exit 1 -------------------


def deep_json_call(depth: int) -> str:
    return 'Here: {"name": "read_file", "arguments": {"filepath": ' + "[" * depth + "]" * depth + "}}"


def deep_block_call(depth: int) -> str:
    return ("```tool\nTOOL_NAME: read_file\nBEGIN_ARG: filepath\n" + '{"a": ' * depth + "1" + "}" * depth
            + "\nEND_ARG\n```")


def test_a_replayed_call_700_levels_deep_gives_a_summary_and_a_record(project):
    replies = {("read-config", "native"): deep_json_call(700), ("read-config", "continue"): deep_block_call(700),
               ("range-parser", "native"): deep_block_call(700), ("range-parser", "continue"): deep_json_call(700)}
    entries = [entry(case, {}, backend=LABEL, channel=channel, replies=[Reply(text=text, channel=channel)])
               for (case, channel), text in replies.items()]
    run_record.write_atomic(project.path / "deep.json", make_record(entries, backends={LABEL: ModelIdentity(LABEL)}))
    result = project.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--backend=replay:deep.json",
                                          "--ctft-tools=all", "--ctft-channel=both", "--ctft-record=out.json",
                                          timeout=120)
    out = result.stdout.str() + result.stderr.str()
    assert result.ret == 1, out
    assert "INTERNALERROR" not in out and "RecursionError" not in out
    assert "ctft-eval summary" in out and "GATE FAILED: tool_selection" in out
    rec = run_record.read(project.path / "out.json")
    native = next(e for e in rec.results if (e.channel, e.case) == ("native", "read-config"))
    assert native.outcomes["json_validity"].passed is False and TOO_DEEP in native.outcomes["json_validity"].reason
    assert native.outcomes["json_validity"].failure == "invalid_json"


def test_the_record_never_holds_content_deeper_than_it_reads():
    deep = nested(5000)
    call = ToolCall("read_file", "[...]", {"filepath": deep}, None, "native")
    reply = Reply(tool_calls=[call, ToolCall.from_raw("ls", {"dirPath": "."}, "native")], raw={"message": deep})
    written = reply_json(reply)
    text = json.dumps(written)  # no RecursionError
    first, second = written["tool_calls"]
    assert first["arguments"] is None and first["parse_error"].startswith(TOO_DEEP) and first["raw_arguments"] == "[...]"
    assert second["arguments"] == {"dirPath": "."}
    assert TOO_DEEP in text and reply.tool_calls[0].arguments is not None  # the reply itself is not changed
    rec = make_record([entry("a", {}, replies=[reply], timed_replies=[reply], repeats=[[reply]])], warmups={"w": reply})
    back = run_record.parse(json.loads(json.dumps(rec.to_json())), "mem")  # what is written reads back
    assert back.results[0].replies[0].tool_calls[0].parse_error.startswith(TOO_DEEP)


def test_a_shallow_reply_is_written_as_it_is():
    reply = call_reply(arguments={"filepath": nested(MAX_DEPTH - 1)})
    reply.raw = {"chunks": nested(50)}
    assert reply_json(reply) == reply.to_dict()


def test_reparsing_does_not_walk_the_recorded_content():
    recorded = Reply(text=deep_json_call(150), raw=nested(150))
    again = reparsed(recorded)
    assert again.raw is recorded.raw and again.tool_calls[0].parse_error.startswith(TOO_DEEP)
    assert recorded.tool_calls == []


# ---- any mutation of a valid record: a RunRecord or a RecordError -----------------------------------

JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True), st.text(max_size=3),
                 st.lists(st.integers(0, 2), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(0, 1),
                                                                         max_size=2))


def _places(data, path=()):
    """Every (container, key) in the decoded JSON, shallowest first."""
    found = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        found.append(path + (key,))
        found += _places(value, path + (key,))
    return found


BASE = valid_record()
PLACES = _places(BASE)


def _parent(data, path):
    for key in path[:-1]:
        data = data[key]
    return data


@st.composite
def mutated(draw):
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PLACES))
        try:
            parent = _parent(data, path)
            key = path[-1]
            parent[key]  # noqa: B018 (an earlier mutation may have removed it)
        except (KeyError, IndexError, TypeError):
            continue
        action = draw(st.sampled_from(["drop", "retype", "junk key"]))
        if action == "drop":
            del parent[key]
        elif action == "retype":
            parent[key] = draw(JUNK)
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["bogus", "text", "wall_s", "format", "case", "spec"]))] = draw(JUNK)
        else:
            parent.insert(key, draw(JUNK))
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_mutated_record_reads_as_a_record_or_a_record_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("m") / "rec.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        rec = run_record.read(path)
    except RecordError as exc:
        assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)
        return
    assert isinstance(rec, RunRecord)  # and what readers do with it works
    json.dumps(rec.to_json())
    results.summaries(rec)
    for e in rec.results:
        for reply in [*e.replies, *e.timed_replies, *(r for rs in e.repeats for r in rs)]:
            reparsed(reply)


# ---- issue 19: a symlinked record path ---------------------------------------------------------------

# (how the test names it, where the link points): a link at the record path is refused, never followed
LINKS = {"a loop": "run.json", "dangling": "elsewhere/deep/run.json", "to a file": "real.json"}


@pytest.mark.parametrize("target", LINKS.values(), ids=LINKS.keys())
def test_a_symlinked_record_path_is_one_usage_error(project, target):
    (project.path / "real.json").write_text("{}")
    (project.path / "run.json").symlink_to(target)
    result = project.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--backend=ollama:m",
                                          "--ollama-host=http://127.0.0.1:9", "--ctft-record=run.json", timeout=120)
    out = result.stdout.str() + "\n" + result.stderr.str()
    assert result.ret == 4, out  # a usage error, as for any record path that cannot be written
    errors = [line for line in out.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and "--ctft-record run.json: " in errors[0], out
    assert f"is a symbolic link to {target}" in errors[0] and "INTERNALERROR" not in out
    assert not (project.path / "elsewhere").exists() and (project.path / "real.json").read_text() == "{}"


def test_the_record_path_check_names_every_odd_path_and_never_raises(tmp_path):
    (tmp_path / "loop").symlink_to("loop")
    os.mkfifo(tmp_path / "fifo")
    reasons = {"loop": "is a symbolic link to loop", "loop/run.json": "Too many levels of symbolic links",
               "fifo": "is a FIFO (named pipe), not a regular file", "x" * 300: "File name too long",
               "a\0b": "embedded null byte"}
    for raw, why in reasons.items():
        assert why in (record_path.problem(record_path.absolute(tmp_path / raw)) or ""), raw
    assert record_path.absolute(tmp_path / "loop") == tmp_path.resolve() / "loop"  # the link is not followed
    assert record_path.absolute(tmp_path / "loop" / "run.json") == tmp_path / "loop" / "run.json"
    assert record_path.problem(tmp_path / "new" / "run.json") is None  # missing folders are made


# ---- issue 19: rescore --out and compare --html -------------------------------------------------------


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A folder holding a valid record and the suite file it names (rescore reads it from here)."""
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "s.yaml").write_text(SMALL_SUITE)
    (tmp_path / "rec.json").write_text(json.dumps(valid_record()))
    return tmp_path


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m ctft_eval ARGS` in `cwd`, as a user runs it (a run that blocks is a TimeoutExpired)."""
    return subprocess.run([sys.executable, "-m", "ctft_eval", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


OUTPUTS = {"a directory": ("adir", "is a directory; name a file"),
           "under a file": ("afile/new.json", "cannot be created: afile is not a directory"),
           "a symbolic link": ("link.json", "is a symbolic link to rec.json")}


@pytest.mark.parametrize("command", ["rescore", "compare"])
@pytest.mark.parametrize(("out", "why"), OUTPUTS.values(), ids=OUTPUTS.keys())
def test_an_output_that_cannot_be_written_is_one_error_before_the_work(workspace, command, out, why):
    (workspace / "adir").mkdir()
    (workspace / "afile").write_text("in the way")
    (workspace / "link.json").symlink_to("rec.json")
    before = (workspace / "rec.json").read_bytes()
    flag = "--out" if command == "rescore" else "--html"
    args = ["rec.json", flag, out] if command == "rescore" else ["rec.json", "rec.json", flag, out]
    done = cli(workspace, command, *args)
    text = (done.stdout + done.stderr).strip()
    assert done.returncode == 2, text
    assert text.startswith(f"error: {flag} {out} ") and why in text and "\n" not in text  # nothing else: no work
    assert (workspace / "rec.json").read_bytes() == before


def folder_becomes_a_file(folder: Path, work):
    """`work`, after which `folder` is a file: the folder went away between the check and the write."""
    def wrapped(*args, **kwargs):
        done = work(*args, **kwargs)
        shutil.rmtree(folder)
        folder.write_text("in the way")
        return done
    return wrapped


def test_rescore_that_cannot_write_at_the_end_is_one_error(workspace, monkeypatch, capsys):
    monkeypatch.chdir(workspace)
    (workspace / "out").mkdir()
    monkeypatch.setattr(rescore, "rescore", folder_becomes_a_file(workspace / "out", rescore.rescore))
    assert rescore.main(Path("rec.json"), Path("out/new.json"), None) == 2
    out = capsys.readouterr().out.strip()
    assert out.startswith("error: cannot write the re-scored record to out/new.json: ") and "\n" not in out
    assert "rec.json is unchanged" in out


def test_compare_html_that_cannot_write_at_the_end_is_one_error(workspace, monkeypatch, capsys):
    from ctft_eval.report import html

    monkeypatch.chdir(workspace)
    (workspace / "out").mkdir()
    monkeypatch.setattr(html, "report", folder_becomes_a_file(workspace / "out", html.report))
    assert cli_main.main(["compare", "rec.json", "rec.json", "--html", "out/report.html"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: cannot write --html out/report.html: ") and "\n" not in err


# ---- issue 19: a FIFO where a suite or a record is read ---------------------------------------------

FIFO = "is a FIFO (named pipe), not a regular file"
# (how the test names it, the path made a FIFO, the command, what its one error line holds)
FIFOS = [
    ("rescore: a suite file", "suites/s.yaml", ["rescore", "rec.json"], "cannot re-score: suites/s.yaml: "),
    ("rescore: the record", "fifo.json", ["rescore", "fifo.json", "--out", "new.json"], "fifo.json: "),
    ("compare: a record", "fifo.json", ["compare", "rec.json", "fifo.json"], "fifo.json: "),
]


@pytest.mark.parametrize(("fifo", "args", "names"), [f[1:] for f in FIFOS], ids=[f[0] for f in FIFOS])
def test_a_fifo_read_by_the_cli_is_one_error_not_a_hang(workspace, fifo, args, names):
    (workspace / fifo).unlink(missing_ok=True)
    os.mkfifo(workspace / fifo)
    done = cli(workspace, *args)
    text = (done.stdout + done.stderr).strip()
    assert done.returncode == 2, text
    assert text.startswith("error: ") and names in text and FIFO in text and "\n" not in text


@pytest.mark.parametrize("options", [["--backend=replay:fifo.json"],
                                     ["--backend=ollama:m", "--ollama-host=http://127.0.0.1:9", "--baseline=fifo.json"]],
                         ids=["replay", "baseline"])
def test_a_fifo_read_by_a_run_is_one_usage_error_not_a_hang(project, options):
    os.mkfifo(project.path / "fifo.json")
    result = project.runpytest_subprocess("suites", "-p", "no:cacheprovider", *options, timeout=120)
    out = result.stdout.str() + "\n" + result.stderr.str()
    assert result.ret == 4, out
    errors = [line for line in out.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and "fifo.json" in errors[0] and FIFO in errors[0], out


# ---- issue 19: a second Ctrl-C at the very end of the shutdown ------------------------------------

LAST_STRETCH = """
import os, signal, sys, time
import pytest

seen = []

def pytest_runtest_call(item):
    seen.append(item)
    if len(seen) == 6:  # the first Ctrl-C, while the tests score the replies
        os.kill(os.getpid(), signal.SIGINT)

@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):  # after ctft-eval's own: the record is written, the run is over
    print("ctft-test: the last stretch", file=sys.stderr, flush=True)
    time.sleep(60)  # the end of the shutdown, made wide enough to press Ctrl-C in it every time
"""


def test_a_second_ctrl_c_as_the_shutdown_ends_exits_2(project, small_cases):
    (project.path / "conftest.py").write_text(LAST_STRETCH)
    record = project.path / "run.json"
    with OllamaDouble(Oracle(small_cases)) as server:
        run = Session(project.path, *backend_args("ollama", server), f"--ctft-record={record}")
        run.wait_for("ctft-test: the last stretch")
        assert run_record.read(record).exit_status == 2  # written before the second Ctrl-C
        sent = run.interrupt()
        code = run.finish(limit=30)
    assert code == 2, run.output
    assert time.monotonic() - sent < 10, "the second Ctrl-C was not acted on"
    end = run.output.split("the last stretch", 1)[1]
    assert "interrupted again" in end and "Traceback" not in end and "KeyboardInterrupt" not in end, run.output


AFTER_AN_INTERRUPTED_RUN = """
import atexit, os, signal, time
from ctft_eval import cancel, interrupts

atexit.register(lambda: print("at exit, ignored:", signal.getsignal(signal.SIGINT) is signal.SIG_IGN))
cancel.cancel()  # the first Ctrl-C
interrupts.arm()
interrupts.disarm()  # pytest_unconfigure
print("kept:", signal.getsignal(signal.SIGINT) is not signal.default_int_handler)
if NEW_RUN:
    cancel.reset()  # a new run in the same process: its first Ctrl-C is the usual KeyboardInterrupt
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    except KeyboardInterrupt:
        print("a new run's first Ctrl-C: KeyboardInterrupt")
    interrupts.disarm()
    print("given back:", signal.getsignal(signal.SIGINT) is signal.default_int_handler)
"""


@pytest.mark.parametrize("new_run", [False, True])
def test_after_an_interrupted_run_sigint_stays_handled_until_the_process_exits(new_run):
    done = subprocess.run([sys.executable, "-c", f"NEW_RUN = {new_run}\n{AFTER_AN_INTERRUPTED_RUN}"],
                          capture_output=True, text=True, timeout=60,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert done.returncode == 0, done.stderr
    if new_run:
        assert done.stdout.splitlines()[1:] == ["a new run's first Ctrl-C: KeyboardInterrupt", "given back: True",
                                                "at exit, ignored: False"]
    else:
        assert done.stdout.splitlines() == ["kept: True", "at exit, ignored: True"]
