"""The fine-tuning pipeline (training/): Modelfile grammar, config handling, and the CPU smoke run end to end.

The smoke run needs the `train` extra (mlx-lm, transformers, torch, gguf) plus llama-cpp-python and
SmolLM2's package. Without mlx-lm it is skipped, except with CI set, where it fails instead.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ctft_eval.channels import CONTINUE, NATIVE
from ctft_eval.profile import DEFAULT_TOOLS, builtin

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # training/ runs from the repository root (python -m training); it is not installed
    sys.path.insert(0, str(ROOT))

from training.config import ConfigError, load_config  # noqa: E402
from training.modelfile import render  # noqa: E402
from training.steps import lora_command  # noqa: E402
from training.templates import CHATML_TOOLS_JINJA, FAMILIES  # noqa: E402

SMOKE = ROOT / "training" / "smollm2-135m.yaml"
LLAMA = ROOT / "training" / "llama3.1-8b.yaml"

# ---- a Modelfile parser that follows Ollama's parser/parser.go rules ------------------------------------

COMMANDS = {"from", "parameter", "template", "system", "adapter", "license", "message", "requires"}
# Ollama's option names (api.Options runtime + api.Runner load-time keys) and their value types.
OLLAMA_PARAMETERS = {
    "num_keep": int, "seed": int, "num_predict": int, "top_k": int, "top_p": float, "min_p": float,
    "typical_p": float, "repeat_last_n": int, "temperature": float, "repeat_penalty": float,
    "presence_penalty": float, "frequency_penalty": float, "stop": str, "num_ctx": int, "num_batch": int,
    "num_gpu": int, "main_gpu": int, "use_mmap": bool, "num_thread": int,
}
EXPECTED_STOPS = {
    "llama3.1": {"<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"},
    "qwen2.5": {"<|im_start|>", "<|im_end|>"},
    "chatml": {"<|im_start|>", "<|im_end|>"},
}


class ModelfileSyntaxError(ValueError):
    pass


def _unquote(text: str) -> str | None:
    """The value inside its quotes, or None while a quoted value is still open."""
    if text.startswith('"""'):
        return text[3:-3] if len(text) >= 6 and text.endswith('"""') else None
    if text.startswith('"'):
        return text[1:-1] if len(text) >= 2 and text.endswith('"') else None
    return text


def parse_modelfile(source: str) -> list[tuple[str, str]]:
    """[(command, args)] as Ollama reads them; PARAMETER commands come back as (name, value)."""
    out: list[tuple[str, str]] = []
    i, n, line = 0, len(source), 1
    while i < n:
        ch = source[i]
        if ch in " \t\r\n":
            line += ch == "\n"
            i += 1
            continue
        if ch == "#":
            while i < n and source[i] != "\n":
                i += 1
            continue
        start = i
        while i < n and source[i].isascii() and source[i].isalpha():
            i += 1
        word = source[start:i]
        if word.lower() not in COMMANDS or i >= n or source[i] not in " \t":
            raise ModelfileSyntaxError(f"line {line}: invalid command {source[start:i + 1]!r}")
        i += 1
        name = word.lower()
        if name in ("parameter", "message"):
            start = i
            while i < n and (source[i].isalnum() or source[i] == "_"):
                i += 1
            name = source[start:i] if word.lower() == "parameter" else f"message:{source[start:i]}"
            if i >= n or source[i] not in " \t":
                raise ModelfileSyntaxError(f"line {line}: {word} needs a name and a value")
            i += 1
        # A value ends at the first space or newline where the text so far forms a complete value.
        buffer = ""
        while True:
            if i >= n:
                value = _unquote(buffer.strip())
                if value is None:
                    raise ModelfileSyntaxError(f"line {line}: unterminated quoted value for {word}")
                break
            ch = source[i]
            if ch in " \t\r\n" and (value := _unquote(buffer.strip())) is not None and buffer.strip():
                break
            buffer += ch
            line += ch == "\n"
            i += 1
        out.append((name, value))
    if not any(name == "from" for name, _ in out):
        raise ModelfileSyntaxError("no FROM line")
    return out


def go_template_blocks_balanced(template: str) -> None:
    """Every action is closed; every if/range/with/block/define is closed by an end; else only inside one."""
    actions, rest = [], template
    while "{{" in rest:  # as Go's lexer does: an action runs from {{ to the next }}
        rest = rest.split("{{", 1)[1]
        assert "}}" in rest, "an action is never closed"
        action, rest = rest.split("}}", 1)
        assert "{{" not in action, f"an action opens inside another: {{{{{action}"
        actions.append(action.strip("- \t\n"))
    depth = 0
    for action in actions:
        keyword = action.split()[0] if action.split() else ""
        if keyword in ("if", "range", "with", "block", "define"):
            depth += 1
        elif keyword == "end":
            depth -= 1
            assert depth >= 0, "an {{ end }} closes nothing"
        elif keyword == "else":
            assert depth > 0, "an {{ else }} outside any block"
    assert depth == 0, f"{depth} Go template block(s) left open"


def _config(family: str, tmp_path: Path, **changes):
    cfg = load_config(SMOKE, out=str(tmp_path / "out"))
    return dataclasses.replace(cfg, family=family, **changes)


# ---- Modelfile rendering -----------------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["llama3.1", "qwen2.5", "chatml"])
def test_modelfile_follows_the_grammar(family, tmp_path):
    text = render(_config(family, tmp_path))
    commands = parse_modelfile(text)
    names = [name for name, _ in commands]
    assert names.count("from") == 1 and names.count("template") == 1 and names.count("system") == 1
    assert text.count('"""') == 4, "TEMPLATE and SYSTEM are the only triple-quoted blocks, each closed"

    params = [(name, value) for name, value in commands if name not in ("from", "template", "system")]
    for name, value in params:
        assert name in OLLAMA_PARAMETERS, f"unknown PARAMETER {name}"
        kind = OLLAMA_PARAMETERS[name]
        if kind is int:
            int(value)
        elif kind is float:
            assert math.isfinite(float(value))
        elif kind is bool:
            assert value in ("true", "false")
    values = dict(params)
    assert (values["num_ctx"], values["temperature"], values["top_p"], values["repeat_penalty"]) == (
        "8192", "0", "0.9", "1.1")
    assert {value for name, value in params if name == "stop"} == EXPECTED_STOPS[family]

    template = dict(commands)["template"]
    assert ".Tools" in template and ".ToolCalls" in template
    go_template_blocks_balanced(template)
    assert dict(commands)["from"] == "./continue-assistant-f16.gguf"

    # SYSTEM is what Continue sends in agent mode on the native channel (which replaces it there): the
    # agent-mode rules, the tools coming through the TEMPLATE's .Tools, not the system text.
    system = dict(commands)["system"]
    assert system == builtin().system_message(NATIVE, DEFAULT_TOOLS)
    assert system != builtin().system_message(CONTINUE, DEFAULT_TOOLS) and "<tool_use_instructions>" not in system
    comments = " ".join(line for line in text.splitlines() if line.startswith("#"))
    assert "REPLACE this SYSTEM" in comments and "matters only outside Continue" in comments


def test_llama_template_is_ollamas_llama31_form(tmp_path):
    template = dict(parse_modelfile(render(_config("llama3.1", tmp_path))))["template"]
    assert "<|start_header_id|>ipython<|end_header_id|>" in template  # tool results
    assert '{"name": "{{ .Function.Name }}", "parameters": {{ .Function.Arguments }}}' in template
    assert "Given the following functions" in template


def test_qwen_template_matches_qwens_tool_format(tmp_path):
    template = dict(parse_modelfile(render(_config("qwen2.5", tmp_path))))["template"]
    assert "<tools>" in template and "</tools>" in template
    assert '<tool_call>\n{"name": "{{ .Function.Name }}", "arguments": {{ json .Function.Arguments }}}\n</tool_call>' \
        in template
    assert "<tool_response>\n{{ .Content }}\n</tool_response>" in template


def test_modelfile_parameters_come_from_the_config(tmp_path):
    cfg = _config("chatml", tmp_path, parameters={"num_ctx": 4096, "temperature": 0.2, "top_p": 0.95,
                                                   "repeat_penalty": 1.0, "stop": ["</tool_call>"]})
    params = [(n, v) for n, v in parse_modelfile(render(cfg)) if n not in ("from", "template", "system")]
    assert ("num_ctx", "4096") in params and ("temperature", "0.2") in params
    assert ("stop", "</tool_call>") in params and ("stop", "<|im_end|>") in params


@pytest.mark.parametrize("parameters, message", [
    ({"num_ctx": "big"}, "integer"),
    ({"temperature": "hot"}, "number"),
    ({"context_window": 10}, "not an Ollama parameter"),
])
def test_bad_parameters_are_refused(parameters, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        render(_config("chatml", tmp_path, parameters=parameters))


def test_the_parser_catches_broken_modelfiles():
    with pytest.raises(ModelfileSyntaxError, match="unterminated"):
        parse_modelfile('FROM ./m.gguf\nTEMPLATE """{{ .Prompt }}\n')
    with pytest.raises(ModelfileSyntaxError, match="invalid command"):
        parse_modelfile("FROM ./m.gguf\nPARAMS num_ctx 1\n")
    with pytest.raises(ModelfileSyntaxError, match="no FROM"):
        parse_modelfile("PARAMETER num_ctx 1\n")
    assert parse_modelfile('FROM x\nSYSTEM """a "quoted" word"""\n') == [("from", "x"), ("system", 'a "quoted" word')]
    for broken in ("{{ if .Tools }}x", "{{ end }}", "{{ else }}", "{{ .Tools"):
        with pytest.raises(AssertionError):
            go_template_blocks_balanced(broken)


def test_modelfile_can_point_at_the_fused_directory(tmp_path):
    cfg = _config("llama3.1", tmp_path, modelfile_from="fused")
    assert dict(parse_modelfile(render(cfg)))["from"] == "./fused"


# ---- the chat template prepare installs for ChatML models ----------------------------------------------


def _chatml(messages, tools=None, add_generation_prompt=False):
    jinja2 = pytest.importorskip("jinja2")
    env = jinja2.Environment()
    env.filters["tojson"] = lambda v: json.dumps(v, ensure_ascii=False)
    return env.from_string(CHATML_TOOLS_JINJA).render(messages=messages, tools=tools,
                                                      add_generation_prompt=add_generation_prompt)


def test_chatml_tools_template_renders_calls_and_results():
    tools = [{"type": "function", "function": {"name": "read_file", "parameters": {"type": "object"}}}]
    messages = [
        {"role": "system", "content": "SYS"},
        {"role": "user", "content": "open a.py"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": {"filepath": "a.py"}}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "print(1)"},
        {"role": "assistant", "content": "It prints 1."},
    ]
    text = _chatml(messages, tools)
    assert text.startswith("<|im_start|>system\nSYS\n\n")
    assert '<tools>\n{"type": "function", "function": {"name": "read_file"' in text
    assert '<|im_start|>assistant\n<tool_call>\n{"name": "read_file", "arguments": {"filepath": "a.py"}}\n' \
           '</tool_call><|im_end|>\n' in text
    assert "<|im_start|>user\n<tool_response>\nprint(1)\n</tool_response><|im_end|>\n" in text
    assert text.endswith("<|im_start|>assistant\nIt prints 1.<|im_end|>\n")
    # mlx-lm's --mask-prompt takes the prompt as messages[:-1] with a generation prompt: it must be a prefix.
    assert text.startswith(_chatml(messages[:-1], tools, add_generation_prompt=True))


def test_chatml_template_without_system_or_tools_is_smollm2s_own():
    text = _chatml([{"role": "user", "content": "hi"}], add_generation_prompt=True)
    assert text == ("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
                    "<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")


# ---- configs and the mlx-lm command line ---------------------------------------------------------------------


def test_llama_recipe_is_the_corrected_seed_command(tmp_path):
    cfg = load_config(LLAMA, out=str(tmp_path))
    args, yaml_options = lora_command(cfg, Path("datasets/continue"), tmp_path / "lora.yaml")
    flags = dict(zip(args, args[1:], strict=False))
    assert flags["--model"] == "meta-llama/Llama-3.1-8B-Instruct"
    assert flags["--data"] == "datasets/continue"
    assert (flags["--iters"], flags["--batch-size"], flags["--num-layers"]) == ("1000", "4", "16")
    assert float(flags["--learning-rate"]) == 1e-5
    assert flags["--adapter-path"] == str(tmp_path / "adapters")
    assert "--mask-prompt" in args and "--train" in args and flags["-c"] == str(tmp_path / "lora.yaml")
    assert not {"--lora-layers", "--output-dir"} & set(args)
    assert yaml_options["lora_parameters"] == {"rank": 8, "scale": 20.0, "dropout": 0.0}
    assert FAMILIES[cfg.family].name == "llama3.1" and cfg.modelfile_from == "fused"


def test_every_assistant_turn_becomes_a_training_example(tmp_path):
    from training.data import training_data

    call = {"role": "assistant", "content": "", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "view_diff", "arguments": {}}}]}
    chain = {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "diff?"}, call,
                          {"role": "tool", "tool_call_id": "c1", "content": "+x"},
                          {"role": "assistant", "content": "One line added."}], "tools": []}
    answer = {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "hi"},
                           {"role": "assistant", "content": "Hello."}], "tools": []}
    data = tmp_path / "data"
    data.mkdir()
    for split in ("train", "valid"):
        (data / f"{split}.jsonl").write_text(f"{json.dumps(chain)}\n{json.dumps(answer)}\n")
    cfg = load_config(SMOKE, data=str(data), out=str(tmp_path / "out"))
    cfg = dataclasses.replace(cfg, data_limit=None)
    rows = [json.loads(line) for line in (training_data(cfg) / "train.jsonl").read_text().splitlines()]
    # mlx-lm's --mask-prompt trains the last message: the tool call gets an example of its own.
    assert [r["messages"][-1] for r in rows] == [call, chain["messages"][-1], answer["messages"][-1]]
    assert rows[0]["messages"] == chain["messages"][:3] and rows[0]["tools"] == []
    limited = dataclasses.replace(cfg, data_limit={"train": 1, "valid": 1})
    assert len((training_data(limited) / "train.jsonl").read_text().splitlines()) == 1


def test_partial_lora_parameters_are_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("family: chatml\nmodel: x\nlora: {lora_parameters: {rank: 4}}\n")
    with pytest.raises(ConfigError, match="rank, scale and dropout together"):
        load_config(bad)


def test_progress_lines_give_the_losses():
    from training.mlxlm import Losses

    losses = Losses()
    for line in ["  iter   train_loss     tok/s     tokens", "     1    val 2.184    24.20s",
                 "     1    1.658 ▼        1      0.0k", "     2    1.562 ▼    1,024      0.1k",
                 "Iter 3: Train loss 1.500, Learning Rate 1.000e-05", "Iter 3: Val loss 1.400, Val took 2.0s"]:
        losses.feed(line)
    assert [r["loss"] for r in losses.train] == [1.658, 1.562, 1.5]
    assert [(r["iter"], r["loss"]) for r in losses.val] == [(1, 2.184), (3, 1.4)]


def test_rope_rows_are_interleaved_per_head():
    np = pytest.importorskip("numpy")
    from training.to_gguf import rope_rows_to_interleaved

    # 2 heads of 4 rows: Hugging Face's rows per head are [x0, x1, y0, y1]; llama.cpp wants [x0, y0, x1, y1].
    w = np.arange(8).reshape(8, 1)
    assert rope_rows_to_interleaved(w, 2).ravel().tolist() == [0, 2, 1, 3, 4, 6, 5, 7]


# ---- create: no server -------------------------------------------------------------------------------------


def _run(args, env=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "training", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)


@pytest.mark.parametrize("numpy", ["installed", "missing"])
def test_create_without_a_server_says_so_in_one_line(tmp_path, numpy):
    env = None
    if numpy == "missing":  # the one-line error must not need numpy (training.to_gguf imports it)
        blocker = tmp_path / "blocker"
        (blocker / "numpy").mkdir(parents=True)
        (blocker / "numpy" / "__init__.py").write_text("raise ImportError('numpy is not installed (blocked)')\n")
        env = {"PYTHONPATH": f"{blocker}{os.pathsep}{ROOT}"}
    with socket.socket() as sock:  # bound but never listening: connections to it are refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        result = _run(["create", "--config", str(SMOKE), "--out", str(tmp_path / "out"), "--host",
                       f"http://127.0.0.1:{port}"], env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: no Ollama server answers at http://127.0.0.1:{port} (connection refused)")
    assert "ollama serve" in lines[0]


class _FakeOllama:
    """Just enough of Ollama's API for `create`: version, blob upload (digest checked), create, show."""

    def __init__(self):
        import hashlib
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.blobs: dict[str, int] = {}
        self.created: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, code, body, content_type="application/json"):
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._send(200, {"version": "0.33.0"}) if self.path == "/api/version" else self._send(404, {})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path.startswith("/api/blobs/sha256:"):
                    digest = self.path.rsplit("/", 1)[1]
                    ok = digest == "sha256:" + hashlib.sha256(body).hexdigest()
                    fake.blobs[digest] = len(body)
                    self._send(201 if ok else 400, "")
                elif self.path == "/api/create":
                    request = json.loads(body)
                    fake.created.append(request)
                    lines = [{"status": "parsing GGUF"}, {"status": "success"}]
                    self._send(200, "".join(json.dumps(x) + "\n" for x in lines), "application/x-ndjson")
                elif self.path == "/api/show":
                    template = fake.created[-1].get("template", "") if fake.created else ""
                    self._send(200, {"capabilities": ["completion"] + (["tools"] if ".Tools" in template else [])})
                else:
                    self._send(404, {})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_create_uploads_the_gguf_and_sends_template_system_and_parameters(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "continue-assistant-f16.gguf").write_bytes(b"GGUF" + bytes(1000))
    assert _run(["modelfile", "--config", str(SMOKE), "--out", str(out)]).returncode == 0
    fake = _FakeOllama()
    try:
        # PATH without an `ollama` binary: the official Python client does the work.
        result = _run(["create", "--config", str(SMOKE), "--out", str(out), "--host", fake.url],
                      env={"PATH": os.path.dirname(sys.executable)})
    finally:
        fake.close()
    assert result.returncode == 0, result.stderr
    assert "capabilities completion, tools" in result.stdout
    (request,) = fake.created
    assert request["model"] == "continue-assistant"
    assert request["files"] == {"continue-assistant-f16.gguf": next(iter(fake.blobs))}
    assert ".Tools" in request["template"] and ".ToolCalls" in request["template"]
    assert request["system"] == builtin().system_message(NATIVE, DEFAULT_TOOLS)
    assert request["parameters"] == {"num_ctx": 8192, "temperature": 0.0, "top_p": 0.9, "repeat_penalty": 1.1,
                                     "stop": ["<|im_start|>", "<|im_end|>"]}


# ---- the CPU smoke pipeline, end to end --------------------------------------------------------------------


def _smoke_requirements() -> None:
    if importlib.util.find_spec("mlx_lm") is None:
        if os.environ.get("CI"):
            pytest.fail("mlx-lm is not installed, and CI must run the fine-tuning smoke test: pip install -e '.[train]'")
        pytest.skip("mlx-lm is not installed (pip install -e '.[train]')")
    for module in ("mlx", "transformers", "torch", "gguf", "llama_cpp"):
        if importlib.util.find_spec(module) is None:
            pytest.fail(f"mlx-lm is installed but {module} is not: pip install -e '.[train,llamacpp]'")
    if not (ROOT / "datasets" / "continue" / "train.jsonl").is_file():
        pytest.fail("datasets/continue/train.jsonl is missing: python -m ctft_eval.dataset split ...")
    from training.mlxlm import fast_blas, is_mlx_cpu

    if os.environ.get("CI") and sys.platform == "linux" and is_mlx_cpu() and fast_blas() is None:
        # mlx-cpu's bundled reference BLAS makes this run ~40 minutes instead of ~4.
        pytest.fail("no OpenBLAS to preload into mlx-cpu: apt-get install -y libopenblas0-pthread")


def test_smoke_pipeline_end_to_end(tmp_path):
    _smoke_requirements()
    out = tmp_path / "run"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{sock.getsockname()[1]}"
        result = _run(["all", "--config", str(SMOKE), "--out", str(out)], env={"OLLAMA_HOST": closed}, timeout=1200)
        # A second run finds everything up to date.
        again = _run(["all", "--config", str(SMOKE), "--out", str(out)], env={"OLLAMA_HOST": closed}, timeout=300)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]

    # Every step ran and said what it wrote.
    for step in ("prepare", "lora", "fuse", "gguf", "modelfile"):
        assert re.search(rf"^  {step}: done in [\d.]+ s$", result.stdout, re.M), step
    assert "create: skipped: no Ollama server answers" in result.stdout
    assert "mlx_lm.lora --model" in result.stdout and "--num-layers 4" in result.stdout

    # Loss per reported step, streamed while training.
    losses = json.loads((out / "adapters" / "losses.json").read_text())
    assert [r["iter"] for r in losses["train"]] == [1, 2, 3, 4, 5]
    assert [r["iter"] for r in losses["val"]] == [1, 5]
    assert all(math.isfinite(r["loss"]) and r["loss"] > 0 for r in losses["train"] + losses["val"])
    assert (out / "adapters" / "adapters.safetensors").is_file()
    assert (out / "fused" / "config.json").is_file()

    # The GGUF: right tokenizer metadata, an embedded template, F32 norms; it loads and chats in llama.cpp.
    gguf_path = out / "continue-assistant-f16.gguf"
    from gguf import GGMLQuantizationType, GGUFReader

    reader = GGUFReader(str(gguf_path))
    fields = {k: f.contents() for k, f in reader.fields.items() if len(f.data) <= 16}
    assert fields["general.architecture"] == "llama"
    assert fields["tokenizer.ggml.model"] == "gpt2" and fields["tokenizer.ggml.pre"] == "smollm"
    assert len(reader.fields["tokenizer.ggml.merges"].data) > 40000
    assert "<tool_call>" in fields["tokenizer.chat_template"]
    assert all(t.tensor_type == GGMLQuantizationType.F32 for t in reader.tensors if t.name.endswith("norm.weight"))
    assert "llama.cpp: loaded; tokenization equals Hugging Face's" in result.stdout

    from llama_cpp import Llama

    llm = Llama(model_path=str(gguf_path), n_ctx=1024, verbose=False)
    reply = llm.create_chat_completion([{"role": "user", "content": "Say hello."}], max_tokens=16, temperature=0)
    assert reply["choices"][0]["message"]["content"].strip()
    llm.close()

    # The Modelfile points at the GGUF and parses.
    modelfile = parse_modelfile((out / "Modelfile.continue-assistant").read_text())
    assert dict(modelfile)["from"] == "./continue-assistant-f16.gguf"

    assert again.returncode == 0, again.stderr
    assert again.stdout.count("up to date (") == 5


# ---- the GGUF writer against transformers, on tiny random models -----------------------------------------


def _needs(*modules: str) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{', '.join(missing)} missing: CI installs the train extra (pip install -e '.[train]')")
        pytest.skip(f"needs {', '.join(missing)} (pip install -e '.[train]')")


def _tiny_model(kind: str, directory: Path):
    """A 2-layer random model with a small byte-level BPE tokenizer, saved as a Hugging Face directory."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    specials = ["<|begin_of_text|>", "<|eot_id|>"] if kind == "llama" else ["<|endoftext|>", "<|im_start|>",
                                                                          "<|im_end|>"]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    corpus = ["def read_file(path):\n    return open(path).read()\n", "Show me the README, please.",
              '{"name": "grep_search", "arguments": {"query": "TODO"}}'] * 20
    bpe.train_from_iterator(corpus, trainers.BpeTrainer(vocab_size=400, special_tokens=specials,
                                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token=specials[0], eos_token=specials[-1])
    tokenizer.chat_template = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    common = dict(vocab_size=bpe.get_vocab_size(), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024, tie_word_embeddings=False)
    torch.manual_seed(0)
    if kind == "llama":  # Llama 3.1's RoPE scaling, with a short original context so that it matters here
        model = LlamaForCausalLM(LlamaConfig(**common, rope_theta=500000.0, rope_scaling={
            "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
            "original_max_position_embeddings": 64}))
    else:
        model = Qwen2ForCausalLM(Qwen2Config(**common, rope_theta=1000000.0))
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "norm" in name:
                param.uniform_(0.5, 1.5)
            else:
                param.normal_(0, 0.3)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return model, tokenizer


@pytest.mark.parametrize("kind", ["llama", "qwen2"])
def test_gguf_writer_gives_transformers_logits_in_llama_cpp(kind, tmp_path):
    _needs("torch", "transformers", "gguf", "llama_cpp")
    import numpy as np
    import torch
    from gguf import GGMLQuantizationType, GGUFReader
    from llama_cpp import Llama

    from training.to_gguf import convert

    model, tokenizer = _tiny_model(kind, tmp_path / "hf")
    ids = tokenizer("def read_file(path):\n    return open(path).read()\n" * 6, add_special_tokens=False)["input_ids"]
    assert len(ids) > 64
    with torch.no_grad():
        want = model(torch.tensor([ids])).logits[0].numpy()
    summary = convert(tmp_path / "hf", tmp_path / "tiny.gguf", out_type="f32", pre="qwen2" if kind == "qwen2"
                      else "llama-bpe")
    assert summary.chat_template
    reader = GGUFReader(str(tmp_path / "tiny.gguf"))
    names = {t.name: t for t in reader.tensors}
    assert ("rope_freqs.weight" in names) == (kind == "llama")
    assert ("blk.0.attn_q.bias" in names) == (kind == "qwen2")
    assert reader.fields["tokenizer.ggml.model"].contents() == "gpt2"
    assert reader.fields["tokenizer.ggml.token_type"].types[-1].name == "INT32"
    assert all(t.tensor_type == GGMLQuantizationType.F32 for t in reader.tensors if len(t.shape) == 1)

    llm = Llama(model_path=str(tmp_path / "tiny.gguf"), n_ctx=256, logits_all=True, verbose=False)
    try:
        assert llm.tokenize(b"Show me the README", add_bos=False) == tokenizer(
            "Show me the README", add_special_tokens=False)["input_ids"]
        llm.eval(ids)
        got = np.array(llm.scores[: len(ids)])
    finally:
        llm.close()
    # Same weights, same maths: a wrong q/k row order or missing rope_freqs puts the error near the logits' scale.
    assert np.abs(got - want).max() < 0.02 * np.abs(want).max()
    assert (got.argmax(-1) == want.argmax(-1)).mean() > 0.95
