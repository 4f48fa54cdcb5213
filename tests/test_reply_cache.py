"""The reply cache: its store (ctft_eval.reply_cache), its key (ctft_eval.cache_key), and runs that
answer from it (ctft_eval.cached_source) against the loopback doubles.

Every test has a cache folder of its own (conftest.py's reply_cache_dir): nothing here, nor any
other test, reads the user's cache."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from conftest import SMALL_SUITE
from doubles.ollama_server import OllamaDouble
from doubles.openai_server import OpenAIDouble
from doubles.oracle import Oracle
from session_runner import Session, stalling

from ctft_eval import record as run_record
from ctft_eval.backends import BackendSpec, ModelIdentity
from ctft_eval.cache_key import model_part, reply_key
from ctft_eval.profile import EVERY_REQUEST, builtin
from ctft_eval.reply import Reply, ToolCall
from ctft_eval.reply_cache import ENV_FOLDER, FILE_NAME, REPLY_FORMAT, ReplyCache, cache_folder
from ctft_eval.settings import Settings

# ---- the store ------------------------------------------------------------------------------------


def a_reply(text: str = "hi") -> Reply:
    return Reply(text=text, tool_calls=[ToolCall("read_file", '{"filepath": "a.py"}', {"filepath": "a.py"})],
                 finish_reason="stop", channel="native", tools_sent=True, raw={"done": True})


def test_the_folder_is_the_environment_s_and_never_the_user_s_in_tests(reply_cache_dir):
    assert cache_folder() == reply_cache_dir
    assert os.environ[ENV_FOLDER] == str(reply_cache_dir)


def test_a_stored_entry_reads_back_and_an_absent_one_is_a_miss(tmp_path):
    cache = ReplyCache.open(tmp_path)
    assert cache.get("k") is None
    assert cache.put("k", [a_reply("\ud83d half an emoji"), a_reply()])
    again = ReplyCache.open(tmp_path)  # another process, say
    found = again.get("k")
    assert found is not None and [r.text for r in found] == ["\ud83d half an emoji", "hi"]
    assert found[0].tool_calls[0].arguments == {"filepath": "a.py"} and found[0].raw == {"done": True}
    assert cache.notes == [] and again.notes == []


def test_a_corrupt_database_is_set_aside_and_a_fresh_one_made(tmp_path):
    (tmp_path / FILE_NAME).write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    cache = ReplyCache.open(tmp_path)
    assert cache.usable and cache.get("k") is None
    assert cache.put("k", [a_reply()]) and cache.get("k") is not None
    assert len(cache.notes) == 1 and "set aside as replies.sqlite3.broken-" in cache.notes[0]
    assert [p.name for p in tmp_path.glob(f"{FILE_NAME}.broken-*")]


def test_a_namesake_database_of_another_program_is_set_aside(tmp_path):
    db = sqlite3.connect(tmp_path / FILE_NAME)
    db.execute("CREATE TABLE replies (id INTEGER, body BLOB)")
    db.commit()
    db.close()
    cache = ReplyCache.open(tmp_path)
    assert cache.usable and cache.put("k", [a_reply()]) and cache.get("k") is not None
    assert "set aside" in cache.notes[0]


@pytest.mark.parametrize("value", [
    "{not json",
    json.dumps({"key": "k", "replies": [{"text": 5}]}),
    json.dumps({"key": "k", "replies": [{"text": "x", "no_such_field": 1}]}),
    json.dumps({"key": "another", "replies": [a_reply().to_dict()]}),
    json.dumps({"key": "k", "replies": []}),
    json.dumps(["k"]),
])
def test_a_garbled_or_foreign_entry_is_a_miss_said_once(tmp_path, value):
    cache = ReplyCache.open(tmp_path)
    cache.put("k", [a_reply()])
    cache.put("k2", [a_reply()])
    for key in ("k", "k2"):
        cache._db.execute("UPDATE replies SET value = ? WHERE key = ?", (value.replace('"k"', f'"{key}"'), key))
    assert cache.get("k") is None and cache.get("k2") is None
    assert len(cache.notes) == 1 and "asked anew" in cache.notes[0]
    cache.put("k", [a_reply("fresh")])  # the next answer overwrites it
    assert cache.get("k")[0].text == "fresh"


def test_an_entry_of_another_reply_format_is_a_miss(tmp_path):
    cache = ReplyCache.open(tmp_path)
    cache.put("k", [a_reply()])
    cache._db.execute("UPDATE replies SET format = ?", (REPLY_FORMAT + 1,))
    assert cache.get("k") is None and cache.notes == []


def test_a_cache_that_cannot_be_made_is_noted_and_every_lookup_a_miss(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = ReplyCache.open(blocker)
    assert not cache.usable and cache.get("k") is None and not cache.put("k", [a_reply()])
    assert "cannot be used" in cache.notes[0]


# ---- the key --------------------------------------------------------------------------------------

OLLAMA = BackendSpec("ollama", "m")
OLLAMA_ID = ModelIdentity("ollama:m", "sha256:abc", "Q4_K_M", "t" * 64, {"server_version": "0.33.0"})


def key_of(case, identity=OLLAMA_ID, settings=None, profile=None, channel="native", attempt=0, spec=OLLAMA):
    model, why = model_part(spec, identity)
    settings = settings or Settings()
    return reply_key(model, {}, settings.request_settings(), case, channel, profile or builtin(), attempt)


def test_the_key_changes_with_what_decides_a_reply_and_not_with_the_rest(small_cases):
    chain = next(c for c in small_cases if c.steps)
    base = key_of(chain)
    assert key_of(chain) == base
    changed_template = ModelIdentity("ollama:m", "sha256:abc", "Q4_K_M", "u" * 64, {"server_version": "0.33.0"})
    newer_server = ModelIdentity("ollama:m", "sha256:abc", "Q4_K_M", "t" * 64, {"server_version": "0.34.0"})
    different = {
        "template": key_of(chain, identity=changed_template),
        "runtime version": key_of(chain, identity=newer_server),
        "setting": key_of(chain, settings=Settings(temperature=0.7)),
        "max_tokens": key_of(chain, settings=Settings(max_tokens=100)),
        "continue behaviour": key_of(chain, profile=builtin(behaviour=EVERY_REQUEST)),
        "provider": key_of(chain, profile=builtin("openai")),
        "channel": key_of(chain, channel="continue"),
        "attempt": key_of(chain, attempt=1),
        "another case": key_of(small_cases[0]),
    }
    assert all(k != base for k in different.values()), [n for n, k in different.items() if k == base]
    assert len(set(different.values())) == len(different)
    assert key_of(chain, settings=Settings(timeout=5.0, retries=0, concurrency=1)) == base  # how, not what


def test_a_chain_s_canned_result_is_in_the_key(small_cases):
    from dataclasses import replace

    chain = next(c for c in small_cases if c.steps)
    other = replace(chain, steps=(chain.steps[0], replace(chain.steps[1], result="a different file")))
    assert key_of(other) != key_of(chain)


def test_which_models_are_identified():
    llama = ModelIdentity("llamacpp:q", "f" * 64, "15", "t" * 64, {"llama_cpp_python": "0.3.9"})
    assert model_part(BackendSpec("llamacpp", "q"), llama)[1] is None
    assert model_part(OLLAMA, OLLAMA_ID)[1] is None
    no_version = ModelIdentity("ollama:m", "sha256:abc", None, "t" * 64, {})
    assert "version" in model_part(OLLAMA, no_version)[1]
    openai = ModelIdentity("openai:m", details={"base_url": "http://h/v1", "served_models": ["m"]})
    part, why = model_part(BackendSpec("openai", "m", "http://h/v1"), openai)
    assert "does not say which weights" in why and part["url"] == "http://h/v1"


# ---- runs -----------------------------------------------------------------------------------------

PYPROJECT = """
[tool.ctft_eval]
timeout = 10.0
retries = 0
"""
SHARED = 7  # the small suite's untimed requests on one channel: 6 cases, the chain asks twice
TIMED = 3  # a warm-up, then each of the two latency cases


@pytest.fixture
def project(pytester):
    pytester.makefile(".yaml", **{"suites/small": SMALL_SUITE})
    pytester.makefile(".toml", pyproject=PYPROJECT)
    return pytester


def run(pytester, *args):
    return pytester.runpytest_subprocess("suites", "-p", "no:cacheprovider", "--ctft-tools=all",
                                         "--ctft-provider=openai", *args, timeout=120)


def ollama_run(project, small_cases, *args, record: Path | None = None):
    """A run against a fresh Ollama double (the same model: digest, template, server version);
    the result and the requests the double got."""
    extra = [f"--ctft-record={record}"] if record else []
    with OllamaDouble(Oracle(small_cases)) as server:
        result = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", *args, *extra)
        return result, server.chat_requests()


def cache_use(record: Path, label: str = "ollama:m") -> dict:
    return run_record.read(record).plan["cache"][label]


def test_the_same_command_again_answers_every_untimed_reply_from_the_cache(project, small_cases, reply_cache_dir):
    first_record, second_record = project.path / "first.json", project.path / "second.json"
    first, asked = ollama_run(project, small_cases, record=first_record)
    assert first.ret == 0 and len(asked) == SHARED + TIMED, first.stdout.str()
    assert cache_use(first_record) == {"mode": "auto", "used": True, "why_off": None, "from_cache": 0,
                                       "asked": SHARED, "stored": SHARED}
    second, asked_again = ollama_run(project, small_cases, record=second_record)
    assert second.ret == 0 and len(asked_again) == TIMED, second.stdout.str()  # latency: always asked
    assert cache_use(second_record)["from_cache"] == SHARED and cache_use(second_record)["asked"] == 0
    assert f"reply cache {SHARED} of {SHARED} replies of ollama:m from the cache, 0 asked" in second.stdout.str()
    assert f"reply cache is in {reply_cache_dir}" in second.stdout.str()
    outcomes = [{k: o.passed for k, o in e.outcomes.items()} for e in run_record.read(first_record).results]
    assert [{k: o.passed for k, o in e.outcomes.items()} for e in run_record.read(second_record).results] == outcomes
    assert (reply_cache_dir / FILE_NAME).is_file()


def test_off_asks_every_request_and_refresh_asks_and_overwrites(project, small_cases):
    ollama_run(project, small_cases, "-m", "not latency")
    off, asked = ollama_run(project, small_cases, "-m", "not latency", "--ctft-cache=off",
                            record=project.path / "off.json")
    assert off.ret == 0 and len(asked) == SHARED
    assert "reply cache off for ollama:m: --ctft-cache off" in off.stdout.str()
    assert cache_use(project.path / "off.json")["used"] is False
    refresh, asked = ollama_run(project, small_cases, "-m", "not latency", "--ctft-cache=refresh",
                                record=project.path / "refresh.json")
    assert refresh.ret == 0 and len(asked) == SHARED
    assert cache_use(project.path / "refresh.json") == {"mode": "refresh", "used": True, "why_off": None,
                                                        "from_cache": 0, "asked": SHARED, "stored": SHARED}
    again, asked = ollama_run(project, small_cases, "-m", "not latency")
    assert again.ret == 0 and asked == []


@pytest.mark.parametrize("changed", [["--ctft-set", "max_tokens=100"], ["--ctft-continue", EVERY_REQUEST],
                                     ["--ctft-channel", "continue"]])
def test_a_changed_setting_behaviour_or_channel_is_a_miss(project, small_cases, changed):
    ollama_run(project, small_cases, "-m", "not latency")
    result, asked = ollama_run(project, small_cases, "-m", "not latency", *changed)
    assert result.ret in (0, 1) and len(asked) == SHARED, result.stdout.str()
    # and what a setting that only bounds the wait changes is nothing
    same, asked = ollama_run(project, small_cases, "-m", "not latency", *changed, "--ctft-set", "timeout=9.0")
    assert asked == []


def test_a_changed_template_is_a_miss(project, small_cases):
    ollama_run(project, small_cases, "-m", "not latency")
    with OllamaDouble(Oracle(small_cases)) as server:
        server.models["m"]["template"] += " and something new"
        result = run(project, "--backend=ollama:m", f"--ollama-host={server.url}", "-m", "not latency")
        asked = server.chat_requests()
    assert result.ret == 0 and len(asked) == SHARED, result.stdout.str()


def test_an_unidentified_openai_model_is_not_cached_unless_asked(project, small_cases):
    with OpenAIDouble(Oracle(small_cases)) as server:  # (one server: its URL is part of the key)
        def openai_run(*args):
            before = len(server.chat_requests())
            result = run(project, f"--backend=openai:m@{server.base_url}", "-m", "not latency", *args)
            return result, server.chat_requests()[before:]

        first, _ = openai_run()
        again, asked = openai_run()
        openai_run("--ctft-cache=on")
        cached, asked_on = openai_run("--ctft-cache=on")
    out = first.stdout.str()
    assert "reply cache off for openai:m: the OpenAI-compatible server does not say which weights" in out
    assert "--ctft-cache on caches it anyway" in out
    assert again.ret == 0 and len(asked) == SHARED
    assert cached.ret == 0 and asked_on == [], cached.stdout.str()


def test_replies_fetched_before_ctrl_c_are_kept_and_the_same_command_resumes(project, small_cases):
    record = project.path / "interrupted.json"
    with OllamaDouble(stalling(Oracle(small_cases), answered=3)) as server:
        session = Session(project.path, "--backend=ollama:m", f"--ollama-host={server.url}", "-m", "not latency",
                          "--ctft-concurrency=1", f"--ctft-record={record}")
        session.wait_for(r"ctft-eval: 3/\d+ (replies|requests)")
        session.interrupt()
        assert session.finish() == 2, session.output
    stored = cache_use(record)["stored"]
    assert stored >= 2, session.output
    assert "stored before the interrupt are in the reply cache: the same command resumes" in session.output
    resumed, asked = ollama_run(project, small_cases, "-m", "not latency", record=project.path / "resumed.json")
    assert resumed.ret == 0 and len(asked) == SHARED - stored, resumed.stdout.str()
    assert cache_use(project.path / "resumed.json")["from_cache"] == stored


def test_a_llama_cpp_server_naming_a_local_file_at_props_is_cached_by_default(project, small_cases, tmp_path):
    weights = tmp_path / "model.gguf"
    weights.write_bytes(b"GGUF" + bytes(60))
    with OpenAIDouble(Oracle(small_cases), props={"model_path": str(weights), "total_slots": 1}) as server:
        def openai_run():
            before = len(server.chat_requests())
            result = run(project, f"--backend=openai:m@{server.base_url}", "-m", "not latency")
            return result, server.chat_requests()[before:]

        first, asked_first = openai_run()
        again, asked_again = openai_run()
        weights.write_bytes(b"GGUF" + bytes(61))  # other weights under the same path: a miss
        changed, asked_changed = openai_run()
    assert first.ret == 0 and len(asked_first) == SHARED, first.stdout.str()
    assert "reply cache off" not in first.stdout.str()
    assert again.ret == 0 and asked_again == [], again.stdout.str()
    assert changed.ret == 0 and len(asked_changed) == SHARED


def test_props_that_name_no_local_file_identify_nothing():
    from ctft_eval.backends import llama_props

    with OpenAIDouble(lambda request: None, props={"model_path": "/nowhere/model.gguf"}) as server:
        assert llama_props.weights(server.base_url, None) == {"server": "llama.cpp", "model_path": "/nowhere/model.gguf"}
    with OpenAIDouble(lambda request: None) as server:  # no /props: vLLM, LM Studio …
        assert llama_props.weights(server.base_url, None) is None
    assert llama_props.weights("not a url", None) is None
