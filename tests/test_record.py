"""The run record (ctft_eval.record, ctft_eval.record_v1): round trip, atomic writes, format 1, errors."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from records import BACKEND, CONTINUE, NATIVE, call_reply, entry, info, make_record, run

from ctft_eval import gates, record_v1, results
from ctft_eval.backends import ModelIdentity
from ctft_eval.record import FORMAT, CaseInfo, Entry, RecordError, RunRecord, parse, read, write_atomic
from ctft_eval.reply import Reply
from ctft_eval.scorers.outcome import MISSING, failed, not_recorded, passed

ROOT = Path(__file__).resolve().parents[1]
BASELINES = sorted((ROOT / "baselines").glob("*.json"))


def _format(path: Path) -> str:
    return json.loads(path.read_text(encoding="utf-8"))["format"]


# Records of the first format (recorded before the typed record) and the committed baselines of today's.
# Both baselines are of format 2 now; a slice of SmolLM2's format-1 baseline (30 of its 302 entries, 4
# of them timed) stays under tests/fixtures/ so that the format-1 reader is still tested on a real file.
FIXTURES = sorted((ROOT / "tests" / "fixtures").glob("format*.json"))
FORMAT_1_BASELINES = [p for p in BASELINES + FIXTURES if _format(p) == "ctft-eval-run/1"]
FORMAT_2_BASELINES = [p for p in BASELINES + FIXTURES if _format(p) == "ctft-eval-run/2"]


def full_record() -> RunRecord:
    """A record with something in every field."""
    results_ = [
        entry("read-a", {"tool_selection": True, "arguments": failed("arguments", "wrong_argument", "bad path")},
              replies=[call_reply()], timed_replies=[call_reply(wall_s=0.25)]),
        entry("glob", {"tool_selection": True, "latency": passed("latency", "fast", 0.4)},
              replies=[call_reply("file_glob_search", {"pattern": "**/x"})],
              repeats=[[call_reply()], [Reply(text="", error="timeout", error_kind="timeout", attempts=3)]],
              attempts={"tool_selection": [True, True, None]}),
        entry("chain-1", {"chain": False, "json_validity": True}, channel=CONTINUE,
              replies=[Reply(text="```tool\nTOOL_NAME: ls\n```", channel=CONTINUE)]),
        entry("gone", {"tool_selection": not_recorded("tool_selection", "not in the record")}),
    ]
    cases = {"glob": info("file_glob_search", ("tool_selection", "latency")), "chain-1": info("ls", ("chain",
                                                                                                     "json_validity"))}
    identity = ModelIdentity(BACKEND, "sha256:abc", "Q4_K_M", "t" * 64, {"family": "qwen2", "size": 123})
    rec = make_record(results_, cases, {BACKEND: identity}, warmups={f"{BACKEND}|native": call_reply()},
                      repeat=3, ctft_eval_version="0.1.0", complete=False, exit_status=1)
    rec.runs = results.summaries(rec)
    rec.gates = gates.evaluate(rec, {"tool_selection": 0.95, "latency_median": 2.0})
    return rec


def test_to_json_and_back_is_the_same_record():
    rec = full_record()
    data = json.loads(json.dumps(rec.to_json()))
    assert data["format"] == FORMAT == "ctft-eval-run/5"
    assert RunRecord.from_json(data) == rec
    assert parse(data, "mem") == rec


def test_case_info_round_trip_tells_chains_apart():
    chain, none = info("grep_search", ("chain", "json_validity")), info(None, ("tool_selection",))
    assert (chain.chain, chain.tool, none.tool, info().tool) == (True, None, "(none)", "read_file")
    assert CaseInfo.from_json(chain.to_json()) == chain and CaseInfo.from_json(none.to_json()) == none


verdicts = st.dictionaries(st.sampled_from(["tool_selection", "arguments", "latency"]),
                           st.booleans() | st.none(), max_size=3)


@given(st.lists(st.tuples(st.from_regex(r"[a-z]{1,8}", fullmatch=True), st.sampled_from([NATIVE, CONTINUE]),
                          verdicts, st.lists(st.booleans() | st.none(), min_size=2, max_size=4)), max_size=8))
def test_entries_round_trip(rows):
    entries = [entry(case, by_dim, channel=channel, replies=[call_reply()], repeats=[[call_reply()]],
                     attempts={"tool_selection": attempts})
               for case, channel, by_dim, attempts in rows]
    rec = make_record(entries)
    assert RunRecord.from_json(json.loads(json.dumps(rec.to_json()))) == rec


def test_attempts_without_repeated_replies_survive_the_round_trip():
    rec = make_record([entry("a", {"tool_selection": True}, attempts={"tool_selection": [True, None, None]})])
    assert RunRecord.from_json(rec.to_json()).results[0].attempts == {"tool_selection": [True, None, None]}


def test_run_keys_entries_and_settings_used():
    rec = make_record(run({"a": {"tool_selection": True}}, channel=CONTINUE) + run({"a": {}}, backend="idle:x")
                      + run({"b": {"tool_selection": False}}))
    assert rec.run_keys() == [(BACKEND, CONTINUE), (BACKEND, NATIVE)]
    assert [e.case for e in rec.entries(BACKEND, NATIVE)] == ["b"]
    assert rec.settings_used(BACKEND) == rec.settings
    rec.backends[BACKEND] = ModelIdentity(BACKEND, details={"recorded_settings": {"temperature": 0.7}})
    assert rec.settings_used(BACKEND) == {"temperature": 0.7}
    assert rec.settings_used("unknown:x") == rec.settings


def test_write_atomic_writes_the_record(tmp_path):
    rec = full_record()
    path = tmp_path / "deep" / "er" / "run.json"
    write_atomic(path, rec)
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(json.dumps(rec.to_json()))
    assert read(path) == rec
    assert os.listdir(path.parent) == ["run.json"]


def test_write_atomic_gives_an_ordinary_file(tmp_path):
    path = tmp_path / "run.json"
    old = os.umask(0o022)
    try:
        write_atomic(path, full_record())
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_write_atomic_renames_a_complete_file_over_the_old_one(tmp_path, monkeypatch):
    path = tmp_path / "run.json"
    write_atomic(path, make_record(run({"old": {"tool_selection": True}})))
    before = path.read_text(encoding="utf-8")
    rec = full_record()
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append((Path(src).parent, json.loads(Path(src).read_text(encoding="utf-8")),
                     Path(dst).read_text(encoding="utf-8")))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_atomic(path, rec)
    ((tmp_dir, tmp_content, dst_content),) = seen
    assert tmp_dir == tmp_path and tmp_content == json.loads(json.dumps(rec.to_json()))
    assert dst_content == before  # until the rename, a reader sees the old record whole
    assert read(path) == rec
    assert os.listdir(tmp_path) == ["run.json"]


@pytest.mark.parametrize("breakage", ["unserialisable key", "broken entry"])
def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path, breakage):
    path = tmp_path / "run.json"
    write_atomic(path, make_record(run({"old": {"tool_selection": True}})))
    before = path.read_bytes()
    rec = full_record()
    if breakage == "unserialisable key":
        rec.settings = {("a", "tuple"): 1}
    else:
        rec.results.append("not an entry")  # type: ignore[arg-type]
    with pytest.raises((TypeError, AttributeError)):
        write_atomic(path, rec)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["run.json"]


def test_the_committed_baselines_are_of_a_known_format_and_one_still_tests_the_format_1_reader():
    assert BASELINES and all(_format(p) in ("ctft-eval-run/1", "ctft-eval-run/2", "ctft-eval-run/3", "ctft-eval-run/4", FORMAT)
                             for p in BASELINES)
    assert FORMAT_1_BASELINES and FORMAT_2_BASELINES


def test_committed_format_2_baselines_read_back_as_written():
    """Format 3 adds the run plan's fields: a format-2 record reads back the same but for those."""
    for path in FORMAT_2_BASELINES:
        again = read(path).to_json()
        assert again.pop("format") == FORMAT and again.pop("plan") == {}
        written = json.loads(path.read_text(encoding="utf-8"))
        assert written.pop("format") == "ctft-eval-run/2"
        assert again == written, path.name


@pytest.mark.parametrize("path", FORMAT_1_BASELINES, ids=lambda p: p.name)
def test_the_committed_baselines_read_as_today_s_records(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["format"] == record_v1.FORMAT
    rec = read(path)
    assert rec.format == FORMAT
    ((label, identity),) = rec.backends.items()
    old = raw["backends"][label]
    assert isinstance(identity, ModelIdentity)
    assert identity.spec == old["spec"] == label
    assert identity.digest == old["sha256"]
    assert identity.quantization == old["file_type"]
    assert identity.template == old["chat_template_sha256"]
    assert identity.details == {k: v for k, v in old.items() if k != "spec"}
    assert identity.fingerprint() == {"spec": label, "digest": old["sha256"], "quantization": old["file_type"],
                                      "template": old["chat_template_sha256"]}
    assert len(rec.results) == len(raw["results"])
    for new, was in zip(rec.results, raw["results"], strict=True):
        assert isinstance(new, Entry) and new.case == was["case"]
        assert new.timed_replies == [Reply.from_dict(r) for r in was.get("latency_replies") or []]
        assert new.replies == [Reply.from_dict(r) for r in was["replies"]]
    assert sum(1 for e in rec.results if e.timed_replies) == sum(1 for e in raw["results"] if e.get("latency_replies"))
    assert any(e.timed_replies for e in rec.results)
    for summary, was in zip(rec.runs, raw["runs"], strict=True):
        assert summary.statistics == {"latency_median": was["latency_median_s"]}
        assert summary.dimensions == was["dimensions"]
    assert [g.name for g in rec.gates] == [g["name"] for g in raw["gates"]]
    assert rec.suites[0].sha256 == raw["suites"][0]["sha256"] and rec.settings == raw["settings"]


def format_1(**changes) -> dict:
    data = {
        "format": record_v1.FORMAT, "started": "s", "finished": "f", "complete": True, "exit_status": 0,
        "backends": {"ollama:m": {"spec": "ollama:m", "digest": "sha256:d", "template_sha256": "tt",
                                  "details": {"quantization_level": "Q8_0", "family": "qwen2"}}},
        "channels": ["native"], "settings": {"temperature": 0.0},
        "cases": {"a": {"dimensions": ["tool_selection"], "expected_tools": ["read_file"]},
                  "b": {"dimensions": ["tool_selection"], "expected_tools": ["ls"]}},
        "results": [
            {"backend": "ollama:m", "channel": "native", "case": "a",
             "outcomes": {"tool_selection": {"dimension": "tool_selection", "passed": None,
                                             "reason": "missing from the replay record (not scored, not passed)"}}},
            {"backend": "ollama:m", "channel": "native", "case": "b",
             "outcomes": {"tool_selection": {"passed": False, "reason": "called ls", "failure": "wrong_tool"},
                          "json_validity": {"passed": None, "reason": "no tool call in the reply"}},
             "latency_replies": [{"text": "hi", "timings": {"wall_s": 1.5}}]},
        ],
        "runs": [{"backend": "ollama:m", "channel": "native", "dimensions": {}, "tools": {}, "latency_median_s": 1.5}],
    }
    data.update(changes)
    return data


def test_a_format_1_record_is_upgraded():
    rec = parse(format_1(), "old.json")
    identity = rec.backends["ollama:m"]
    assert (identity.digest, identity.quantization, identity.template) == ("sha256:d", "Q8_0", "tt")
    assert identity.details["details"] == {"quantization_level": "Q8_0", "family": "qwen2"}
    a, b = rec.results
    assert a.outcomes["tool_selection"].failure == MISSING and a.outcomes["tool_selection"].missing
    assert a.outcomes["tool_selection"].passed is None
    assert b.outcomes["json_validity"].failure is None and not b.outcomes["json_validity"].missing
    assert b.outcomes["tool_selection"].dimension == "tool_selection"
    assert [(r.text, r.timings.wall_s) for r in b.timed_replies] == [("hi", 1.5)] and a.timed_replies == []
    assert rec.runs[0].statistics == {"latency_median": 1.5}
    assert results.missing_cases(rec) == ["a"]
    assert results.failure_counts(rec, "ollama:m", "native") == {"wrong_tool": 1}


def test_upgrading_keeps_what_format_2_has_no_place_for():
    data = format_1()
    upgraded = record_v1.upgrade(data)
    assert upgraded["results"][1]["timed_replies"] == data["results"][1]["latency_replies"]
    assert "latency_replies" not in upgraded["results"][1]
    assert "latency_median_s" not in upgraded["runs"][0]
    assert data["results"][0]["outcomes"]["tool_selection"].get("failure") is None  # the input is not changed


def test_a_format_1_identity_from_a_model_file():
    new = record_v1.identity({"spec": "llamacpp:x", "sha256": "s", "file_type": "15", "chat_template_sha256": "c"})
    assert new == {"spec": "llamacpp:x", "digest": "s", "quantization": "15", "template": "c",
                   "details": {"sha256": "s", "file_type": "15", "chat_template_sha256": "c"}}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_not_json(tmp_path):
    path = write(tmp_path, "{not json")
    with pytest.raises(RecordError, match=r"bad\.json: not JSON"):
        read(path)


def test_not_text(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(RecordError, match=r"bad\.json: not JSON"):
        read(path)


def test_a_missing_file(tmp_path):
    with pytest.raises(RecordError, match=r"nothing\.json: cannot read"):
        read(tmp_path / "nothing.json")


@pytest.mark.parametrize(("text", "message"), [
    ("[1, 2]", r"not a ctft-eval run record \(a JSON list, not an object\)"),
    ('"a string"', r"a JSON str, not an object"),
    ('{"format": "ctft-eval-run/9", "backends": {}}', r"format 'ctft-eval-run/9'; this version reads "
                                                      r"ctft-eval-run/5, ctft-eval-run/4, ctft-eval-run/3, ctft-eval-run/2 and ctft-eval-run/1"),
    ('{"backends": {}}', r"format None"),
    ('{"format": "ctft-eval-run/2"}', r"broken run record: backends: missing"),
    ('{"format": "ctft-eval-run/1"}', r"broken run record: backends: missing"),
    ('{"format": "ctft-eval-run/2", "backends": []}', r"broken run record: backends: expected an object, got a list"),
    ('{"format": "ctft-eval-run/2", "backends": {"x": {}}}', r'broken run record: backends\["x"\]\.spec: missing'),
    ('{"format": "ctft-eval-run/2", "backends": {}, "repeat": "many"}', r"repeat: expected an integer, got the string"),
    ('{"format": "ctft-eval-run/2", "backends": {}, "results": [{"case": "a"}]}', r"results\[0\]\.backend: missing"),
    ('{"format": "ctft-eval-run/2", "backends": {}, "gates": [{"name": "x"}]}', r"gates\[0\]\.backend: missing"),
    ('{"format": "ctft-eval-run/1", "backends": {}, "results": [7]}', r"results\[0\]: expected a result entry, got 7"),
])
def test_a_broken_record_is_a_record_error_naming_the_file(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(RecordError, match=message) as caught:
        read(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_parse_names_its_source():
    with pytest.raises(RecordError, match=r"^replay:x\.json: not a ctft-eval run record"):
        parse([], "replay:x.json")
    assert parse({"format": FORMAT, "backends": {}}, "x").results == []
