"""The PyTorch LoRA path (training/torch_*.py) and the GPU round trip's parts (training/parts.py, gpu.py).

All on CPU, with tiny random models: the same rendering and masking as mlx-lm, one real training
step, the PEFT merge, llama.cpp's quantizer, and the splitting, joining and checking of parts."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from test_training import ROOT, _needs, _tiny_model

from training import gpu, parts
from training.config import ConfigError, load_config
from training.data import split_turns
from training.templates import CHATML_TOOLS_JINJA
from training.torch_data import IGNORE, Encoded, batches, collate, encode, labels
from training.torch_lora import Hyper, train

DATASET = ROOT / "datasets" / "continue"


def _examples(count: int) -> list[dict]:
    """Real dataset examples, one per assistant turn, the shortest of each channel (native ones carry
    `tools`, continue-channel ones describe the tools in the system message)."""
    lines = (DATASET / "train.jsonl").read_text(encoding="utf-8").splitlines()
    examples = sorted((part for line in lines[:60] for part in split_turns(json.loads(line))),
                      key=lambda e: len(json.dumps(e)))
    native = [e for e in examples if e.get("tools")]
    other = [e for e in examples if not e.get("tools")]
    mixed = [e for pair in zip(native, other, strict=False) for e in pair]
    return mixed[:count]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    _needs("torch", "transformers", "peft")
    directory = tmp_path_factory.mktemp("tiny") / "hf"
    model, tokenizer = _tiny_model("qwen2", directory)
    tokenizer.chat_template = CHATML_TOOLS_JINJA  # a template that takes tools and a generation prompt
    tokenizer.save_pretrained(directory)
    return directory, tokenizer


# ---- rendering and masking: the same as mlx-lm's ----------------------------------------------------------


def test_rendering_and_masking_equal_mlx_lms_on_the_same_examples(tiny):
    _needs("mlx_lm")
    from mlx_lm.tuner.datasets import ChatDataset

    _, tokenizer = tiny
    examples = _examples(12)
    assert {"tools" in e for e in examples} == {True, False}, "both channels' examples are compared"
    theirs = ChatDataset(examples, tokenizer, mask_prompt=True)
    for example in examples:
        tokens, offset = theirs.process(example)
        ours = encode(example, tokenizer)
        assert ours.tokens == list(tokens)
        assert ours.offset == offset
        # mlx-lm's loss mask: target positions t (1-based) with offset <= t; ours: labels from the offset on
        masked = labels(ours)
        assert all(m == IGNORE for m in masked[:offset])
        assert masked[offset:] == list(tokens)[offset:]


def test_a_long_example_is_cut_to_max_seq_length_like_mlx_lm(tiny):
    _, tokenizer = tiny
    example = _examples(1)[0]
    full = encode(example, tokenizer)
    cut = encode(example, tokenizer, max_seq_length=len(full.tokens) - 3)
    assert cut.tokens == full.tokens[:-3] and cut.offset == full.offset


def test_batches_cover_every_example_once_and_padding_is_never_trained():
    items = [Encoded(list(range(n)), n // 2) for n in (5, 9, 2, 7, 3)]
    seen = [len(e.tokens) for batch in batches(items, 2, seed=1) for e in batch]
    assert sorted(seen) == [2, 3, 5, 7, 9]
    ids, mask, target = collate([items[0], items[1]], pad_id=0)
    assert [len(row) for row in ids] == [9, 9] and mask[0] == [1] * 5 + [0] * 4
    assert target[0][5:] == [IGNORE] * 4 and target[0][:2] == [IGNORE] * 2


# ---- training one step on CPU, merging, quantizing ----------------------------------------------------------


def _write_split(directory: Path, examples: list[dict]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("train", "valid"):
        (directory / f"{name}.jsonl").write_text("\n".join(json.dumps(e) for e in examples) + "\n", encoding="utf-8")


def test_a_tiny_model_trains_one_step_on_cpu_and_keeps_the_best_epoch(tiny, tmp_path):
    base, _ = tiny
    data = tmp_path / "data"
    _write_split(data, _examples(2))
    out = tmp_path / "adapter"
    out.mkdir()
    said: list[str] = []
    result = train(base, data, out, Hyper(rank=2, alpha=4, epochs=1, batch_size=1, max_steps=1, max_seq_length=16384,
                                          learning_rate=5e-2, warmup_steps=1), say=said.append)
    assert result.device == "cpu" and result.train_examples == 2
    assert [row["epoch"] for row in result.epochs] == [0, 1] and result.epochs[1]["steps"] == 1
    assert all(math.isfinite(row["valid_loss"]) for row in result.epochs)
    assert result.epochs[1]["valid_loss"] != result.epochs[0]["valid_loss"], "the step changed the model"
    assert (out / "adapter_model.safetensors").is_file() and (out / "adapter_config.json").is_file()
    assert json.loads((out / "losses.json").read_text())["best_epoch"] == result.best_epoch
    assert any("LoRA rank 2" in line for line in said)


def _torch_config(tmp_path: Path, model: Path, **extra: object) -> Path:
    text = {"name": "tiny", "family": "qwen2.5", "model": str(model), "out": str(tmp_path / "run"),
            "trainer": "torch", "torch": {"rank": 2, "alpha": 4}, "gguf": {"type": "f32", "pre": "qwen2"}, **extra}
    path = tmp_path / "tiny.yaml"
    path.write_text(json.dumps(text), encoding="utf-8")  # JSON is YAML
    return path


def test_the_peft_merge_gives_the_adapted_models_logits(tiny, tmp_path):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from training.torch_steps import run_merge

    base, tokenizer = tiny
    cfg = load_config(_torch_config(tmp_path, base))
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(base),
                           LoraConfig(r=2, lora_alpha=4, target_modules="all-linear", init_lora_weights=False))
    model.save_pretrained(cfg.adapter_dir)
    ids = torch.tensor([tokenizer("def read_file(path):", add_special_tokens=False)["input_ids"]])
    with torch.no_grad():
        want = model(ids).logits
        plain = AutoModelForCausalLM.from_pretrained(base)(ids).logits
    run_merge(cfg)
    merged = AutoModelForCausalLM.from_pretrained(cfg.fused_dir)
    with torch.no_grad():
        got = merged(ids).logits
    assert torch.allclose(got, want, atol=1e-4)
    assert not torch.allclose(got, plain, atol=1e-3), "the adapter was merged, not dropped"
    assert (cfg.fused_dir / "tokenizer_config.json").is_file()


def test_quantize_writes_a_gguf_llama_cpp_loads(tiny, tmp_path):
    _needs("llama_cpp", "gguf")
    from llama_cpp import Llama

    from training.to_gguf import convert
    from training.torch_steps import run_quantize

    base, _ = tiny
    cfg = load_config(_torch_config(tmp_path, base, gguf={"type": "f32", "pre": "qwen2", "quantize": "q8_0"}))
    cfg.gguf_path.parent.mkdir(parents=True)
    convert(base, cfg.gguf_path, out_type="f32", pre="qwen2")
    [written] = run_quantize(cfg)
    assert written == cfg.quantized_path == cfg.final_gguf and written.stat().st_size < cfg.gguf_path.stat().st_size
    llm = Llama(model_path=str(written), n_ctx=64, verbose=False)
    try:
        assert llm.tokenize(b"Show me", add_bos=False)
    finally:
        llm.close()


def test_torch_config_errors_are_one_line(tmp_path):
    model = tmp_path / "m"
    with pytest.raises(ConfigError, match="unknown keys rnak"):
        load_config(_torch_config(tmp_path, model, torch={"rnak": 4}))
    with pytest.raises(ConfigError, match="gguf.quantize must be one of"):
        load_config(_torch_config(tmp_path, model, gguf={"quantize": "q3_weird"}))
    with pytest.raises(ConfigError, match="`trainer` must be one of"):
        load_config(_torch_config(tmp_path, model, trainer="jax"))
    with pytest.raises(ConfigError, match="sweep"):
        load_config(_torch_config(tmp_path, model, sweep={"rank": 4}))
    cfg = load_config(ROOT / "training" / "qwen2.5-coder-0.5b.yaml")
    assert cfg.trainer == "torch" and len(gpu.variants(cfg)) == 9 and cfg.final_gguf.name.endswith("q8_0.gguf")


# ---- parts: split, check, join, resume ----------------------------------------------------------------------


def test_parts_round_trip_and_name_what_is_missing_or_damaged(tmp_path):
    source = tmp_path / "model.gguf"
    source.write_bytes(bytes(range(256)) * 41)  # 10,496 bytes
    manifest = parts.split(source, tmp_path / "up", 4000)
    assert [p["size"] for p in manifest["parts"]] == [4000, 4000, 2496]
    assert parts.check(tmp_path / "up") == ([], [])
    joined = parts.join(tmp_path / "up", tmp_path / "there" / "model.gguf")
    assert joined.read_bytes() == source.read_bytes()
    assert parts.join(tmp_path / "up", joined) == joined  # already there and right: kept

    (tmp_path / "up" / "model.gguf.part01").unlink()
    damaged = tmp_path / "up" / "model.gguf.part02"
    damaged.write_bytes(b"x" * 2496)
    with pytest.raises(parts.PartsError) as caught:
        parts.join(tmp_path / "up", tmp_path / "again.gguf")
    assert "missing model.gguf.part01" in str(caught.value) and "damaged" in str(caught.value)
    assert "model.gguf.part02" in str(caught.value) and not (tmp_path / "again.gguf").exists()

    parts.split(source, tmp_path / "up", 4000)  # resume: the missing and damaged parts are written again
    assert parts.check(tmp_path / "up") == ([], [])


def test_a_missing_or_broken_manifest_is_one_error(tmp_path):
    with pytest.raises(parts.PartsError, match="no .*manifest.json"):
        parts.read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text('{"parts": 3}')
    with pytest.raises(parts.PartsError, match="is not a parts manifest"):
        parts.read_manifest(tmp_path)


def test_collect_picks_the_lowest_validation_loss_and_unpack_brings_it_back(tmp_path):
    _needs("torch", "safetensors")
    import torch
    from safetensors.torch import load_file, save_file

    config = _torch_config(tmp_path, tmp_path / "m", sweep=[{}, {"rank": 4}])
    cfg = load_config(config)
    work, down = tmp_path / "work", tmp_path / "down"
    for index, loss in enumerate((1.7, 1.5)):
        variant = work / f"variant-{index}"
        variant.mkdir(parents=True)
        save_file({"w": torch.full((4, 4), float(index + 1))}, variant / "adapter_model.safetensors")
        (variant / "adapter_config.json").write_text(json.dumps({"r": 2 + 2 * index}))
        (variant / "losses.json").write_text(json.dumps({
            "hyper": {"rank": 2 + 2 * index, "alpha": 4, "learning_rate": 2e-4, "epochs": 1},
            "epochs": [{"epoch": 0, "valid_loss": 2.0}, {"epoch": 1, "valid_loss": loss}],
            "best_epoch": 1, "best_valid_loss": loss}))
    down.mkdir()
    summary = gpu.collect(cfg, work, down)
    assert summary["best"] == 1
    assert "| 1 | 4 | 4 | 0.0002 | all-linear | 1 | 2.000, 1.500 | - | epoch 1 **chosen** |" in gpu.sweep_table(summary)
    target = gpu.unpack(cfg, down)
    kept = load_file(target / "adapter_model.safetensors")["w"]
    assert kept.dtype == torch.bfloat16 and float(kept[0, 0]) == 2.0  # variant 1's, kept in bfloat16
    assert json.loads((target / "sweep.json").read_text())["best"] == 1
    from training.steps import stamp_path

    assert stamp_path(cfg, "lora").is_file()


# ---- token ids made here by llama.cpp's tokenizer, carried to the GPU (training/torch_encode.py) ----------


class _SplittingTokenizer:
    """The Qwen GGUF's own chat template, with ids that cut special tokens into text pieces: what
    transformers 5.17 built from that GGUF (`<tool_call>` -> [27, 14172, 13429, 29]), which trained
    the first adapter to write its calls in `<tools>` tags."""

    def __init__(self, vocab):
        import jinja2.sandbox

        env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        env.filters["tojson"] = lambda v, **kw: json.dumps(v, ensure_ascii=False)
        self.template = env.from_string(vocab.metadata["tokenizer.chat_template"])
        self.vocab = vocab

    PIECES = {151657: [27, 14172, 13429, 29], 151658: [522, 14172, 13429, 29]}  # as 5.17 encodes them

    def apply_chat_template(self, messages, tools=None, tokenize=True, add_generation_prompt=False, **_):
        text = self.template.render(messages=messages, tools=tools, add_generation_prompt=add_generation_prompt)
        if not tokenize:
            return text
        ids = self.vocab.tokenize(text.encode(), add_bos=False, special=True)
        return [piece for t in ids for piece in self.PIECES.get(t, [t])]


@pytest.fixture(scope="module")
def qwen_vocab():
    _needs("llama_cpp", "jinja2")
    from llama_cpp import Llama

    from ctft_eval.models import model_path

    return Llama(model_path=str(model_path("qwen2.5-coder-0.5b")), vocab_only=True, verbose=False)


def test_carried_ids_are_llama_cpps_and_train_tool_call_as_its_special_token(qwen_vocab, tmp_path):
    from training.torch_encode import SUFFIX, encode_splits, load, special_count

    examples = _examples(12)
    data = tmp_path / "data"
    _write_split(data, examples)
    tokenizer = _SplittingTokenizer(qwen_vocab)
    tool_call = qwen_vocab.tokenize(b"<tool_call>", add_bos=False, special=True)
    assert tool_call == [151657]
    native_calls = sum(len(e["messages"][-1].get("tool_calls") or []) for e in examples if e.get("tools"))
    assert native_calls > 0

    wrong = encode_splits(data, tokenizer, tmp_path / "theirs")  # the tokenizer's own ids
    assert special_count(load(tmp_path / "theirs" / f"train{SUFFIX}"), 151657) == 0
    summary = encode_splits(data, tokenizer, tmp_path / "ours", qwen_vocab.tokenize)
    ours = load(tmp_path / "ours" / f"train{SUFFIX}")
    assert special_count(ours, 151657) == special_count(ours, 151658) == native_calls
    assert summary["ids"] == "llama.cpp" and wrong["ids"] == "tokenizer"
    tagged = sum("tool_call>" in tokenizer.apply_chat_template(e["messages"], e.get("tools"), tokenize=False)
                 for e in examples)
    assert summary["train"]["differ_from_the_tokenizer"] == tagged >= native_calls
    # the mask sits where the prompt ends: the trained part is the last message, its end marker included
    for item, example in zip(ours, examples, strict=True):
        answer = qwen_vocab.detokenize(item.tokens[item.offset:], special=True).decode()
        last = example["messages"][-1]
        assert answer.endswith("<|im_end|>\n") and last["content"].lstrip("\n") in answer  # "\n\n" is one token
        assert all(f'"name": "{call["function"]["name"]}"' in answer for call in last.get("tool_calls") or [])


def test_training_reads_the_carried_ids_when_they_are_there(tiny, tmp_path):
    from training.torch_encode import SUFFIX, encode_splits, load

    base, tokenizer = tiny
    data = tmp_path / "data"
    _write_split(data, _examples(2))
    encode_splits(data, tokenizer, tmp_path / "cut", max_seq_length=300)
    assert all(len(e.tokens) <= 300 for e in load(tmp_path / "cut" / f"train{SUFFIX}"))
    encode_splits(data, tokenizer, data)
    said: list[str] = []
    out = tmp_path / "adapter"
    out.mkdir()
    result = train(base, data, out, Hyper(rank=2, alpha=4, epochs=1, batch_size=1, max_steps=1, max_seq_length=16384,
                                          learning_rate=5e-2, warmup_steps=1), say=said.append)
    assert any(f"train{SUFFIX}" in line for line in said) and any(f"valid{SUFFIX}" in line for line in said)
    assert result.trained_tokens in {e.trained for e in load(data / f"train{SUFFIX}")}


def test_a_broken_token_file_is_one_error_naming_it(tmp_path):
    import gzip

    from training.data import DataError
    from training.torch_encode import load

    path = tmp_path / "train.tokens.jsonl.gz"
    path.write_bytes(b"not gzip")
    with pytest.raises(DataError, match="train.tokens.jsonl.gz: not a token file"):
        load(path)
    with gzip.open(path, "wt") as out:
        out.write(json.dumps({"tokens": [1, "2"], "offset": 1}) + "\n")
    with pytest.raises(DataError, match=r"train.tokens.jsonl.gz:1: `tokens` must be"):
        load(path)


def test_variants_train_side_by_side_each_in_its_own_process(tiny, tmp_path):
    base, _ = tiny
    data = tmp_path / "data"
    _write_split(data, _examples(2))
    jobs = []
    head = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", "lm_head"]
    for index, (rate, where) in enumerate(((5e-2, "all-linear"), (1e-2, head))):
        target = tmp_path / f"variant-{index}"
        target.mkdir()
        jobs.append((index, target, Hyper(rank=2, alpha=4, epochs=1, batch_size=1, max_steps=1, max_seq_length=16384,
                                          learning_rate=rate, warmup_steps=1, target_modules=where)))
    gpu._train_at_once(base, data, jobs)
    rates = [json.loads((t / "losses.json").read_text())["hyper"]["learning_rate"] for _, t, _ in jobs]
    assert rates == [5e-2, 1e-2]
    from safetensors import safe_open

    with safe_open(tmp_path / "variant-1" / "adapter_model.safetensors", "pt") as weights:
        assert any("lm_head" in name for name in weights.keys()), "the output head got its LoRA"
        assert all("lora_" in name for name in weights.keys()), "the base head is not saved with the adapter"
    losses = json.loads((tmp_path / "variant-1" / "losses.json").read_text())
    assert 0.0 <= losses["best_first_token"] <= 1.0 and "valid_first_token" in losses["epochs"][1]
    assert all((t / "adapter_model.safetensors").is_file() and "LoRA rank 2" in (t / "train.log").read_text()
               for _, t, _ in jobs)
    broken = tmp_path / "variant-9"
    broken.mkdir()
    with pytest.raises(gpu.GpuError, match="every variant failed"):
        gpu._train_at_once(tmp_path / "no-such-base", data, [(9, broken, jobs[0][2])])
    assert "no-such-base" in (broken / "train.log").read_text()
