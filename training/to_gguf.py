"""A Hugging Face safetensors directory (mlx_lm.fuse's output) -> one GGUF file that llama.cpp loads.

Written with the `gguf` package's GGUFWriter, tensor by tensor (an 8B model never sits in memory twice).
What mlx_lm.fuse --export-gguf gets wrong for Llama-3 (protocols.md §6.5) is done right here:

* the tokenizer is a byte-level BPE: `tokenizer.ggml.model = gpt2`, the merges, the pre-tokenizer type
  (`llama-bpe`, `smollm`, `qwen2`, ...), token types as INT32, and the BOS/EOS/PAD ids;
* the chat template is embedded (`tokenizer.chat_template`), so llama.cpp and Ollama can render chats;
* 1-D tensors (norms, biases) stay F32 whatever the output type;
* Llama 3.1's `llama3` RoPE scaling becomes the `rope_freqs` tensor llama.cpp expects.

Architectures: `llama` (Llama 2/3.x, SmolLM2, Mistral-style dense models) and `qwen2` (Qwen2/2.5).
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training.errors import ConversionError

# ---- reading safetensors without a framework ---------------------------------------------------------

_ST_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16, "F64": np.float64}


@dataclass(frozen=True)
class _StTensor:
    file: Path
    dtype: str
    shape: tuple[int, ...]
    start: int
    end: int

    def load(self) -> np.ndarray:
        """The tensor as float32 (bf16 widened bit-exactly)."""
        raw = np.memmap(self.file, dtype=np.uint8, mode="r", offset=self.start, shape=(self.end - self.start,))
        values = raw.view(_ST_DTYPES[self.dtype]).reshape(self.shape)
        if self.dtype == "BF16":
            return (values.astype(np.uint32) << 16).view(np.float32)
        return values.astype(np.float32)


def read_safetensors_index(model_dir: Path) -> dict[str, _StTensor]:
    files = sorted(model_dir.glob("*.safetensors"))
    if not files:
        raise ConversionError(f"no *.safetensors files in {model_dir}")
    tensors: dict[str, _StTensor] = {}
    for file in files:
        with file.open("rb") as fh:
            (header_len,) = struct.unpack("<Q", fh.read(8))
            header = json.loads(fh.read(header_len))
        base = 8 + header_len
        for name, info in header.items():
            if name == "__metadata__":
                continue
            if info["dtype"] not in _ST_DTYPES:
                raise ConversionError(f"{file.name}: tensor {name} has dtype {info['dtype']}; only F32/F16/BF16 "
                                      "are converted (fuse a quantized model with `fuse: {dequantize: true}`)")
            start, end = info["data_offsets"]
            tensors[name] = _StTensor(file, info["dtype"], tuple(info["shape"]), base + start, base + end)
    return tensors


# ---- tokenizer metadata ------------------------------------------------------------------------------

def guess_pre_tokenizer(tokenizer: dict[str, Any], vocab_size: int) -> str | None:
    """llama.cpp's pre-tokenizer name for the BPE vocabularies this pipeline knows."""
    tokens = {t["content"] for t in tokenizer.get("added_tokens", [])}
    if "<|begin_of_text|>" in tokens and vocab_size >= 128000:
        return "llama-bpe"
    if "<|im_start|>" in tokens and vocab_size >= 151000:
        return "qwen2"
    if "<|im_start|>" in tokens and vocab_size == 49152:
        return "smollm"
    return None


@dataclass
class Vocabulary:
    tokens: list[str]
    types: list[int]
    merges: list[str]
    ids: dict[str, int]


def read_vocabulary(tokenizer: dict[str, Any], vocab_size: int) -> Vocabulary:
    from gguf import TokenType

    model = tokenizer.get("model") or {}
    if model.get("type") != "BPE":
        raise ConversionError(f"tokenizer.json holds a {model.get('type')!r} model; only byte-level BPE "
                              "(Llama 3, Qwen2, SmolLM2) is converted")
    ids: dict[str, int] = dict(model["vocab"])
    special: set[int] = set()
    user_defined: set[int] = set()
    for added in tokenizer.get("added_tokens", []):
        ids[added["content"]] = added["id"]
        (special if added.get("special") else user_defined).add(added["id"])
    size = max(vocab_size, max(ids.values()) + 1)
    tokens: list[str | None] = [None] * size
    for text, index in ids.items():
        tokens[index] = text
    types = []
    for index in range(size):
        if tokens[index] is None:
            tokens[index] = f"[PAD{index}]"
            types.append(int(TokenType.UNUSED))
        elif index in special:
            types.append(int(TokenType.CONTROL))
        elif index in user_defined:
            types.append(int(TokenType.USER_DEFINED))
        else:
            types.append(int(TokenType.NORMAL))
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]
    return Vocabulary([str(t) for t in tokens], types, merges, ids)


def _token_id(value: Any, ids: dict[str, int]) -> int | None:
    if isinstance(value, dict):  # {"content": "<|eot_id|>", ...} in older tokenizer_config files
        value = value.get("content")
    if isinstance(value, str):
        return ids.get(value)
    return None


def read_chat_template(model_dir: Path, tokenizer_config: dict[str, Any]) -> str | list[dict[str, str]] | None:
    standalone = model_dir / "chat_template.jinja"
    if standalone.is_file():
        return standalone.read_text(encoding="utf-8")
    return tokenizer_config.get("chat_template")


def adds_bos(model_dir: Path, bos_id: int | None) -> bool:
    """Whether the Hugging Face tokenizer puts BOS in front of every encoded text (Llama 3 does)."""
    if bos_id is None:
        return False
    from tokenizers import Tokenizer

    encoded = Tokenizer.from_file(str(model_dir / "tokenizer.json")).encode("a", add_special_tokens=True).ids
    return bool(encoded) and encoded[0] == bos_id


# ---- tensors -------------------------------------------------------------------------------------------

_LAYER_NAMES = {
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight",
    "self_attn.q_proj.bias": "attn_q.bias",
    "self_attn.k_proj.bias": "attn_k.bias",
    "self_attn.v_proj.bias": "attn_v.bias",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}
_TOP_NAMES = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
}
ARCHITECTURES = {"llama": "llama", "mistral": "llama", "qwen2": "qwen2"}


def gguf_tensor_name(hf_name: str) -> str | None:
    """The GGUF name of a Hugging Face tensor; None for tensors llama.cpp does not use."""
    if hf_name in _TOP_NAMES:
        return _TOP_NAMES[hf_name]
    parts = hf_name.split(".", 3)
    if len(parts) == 4 and parts[0] == "model" and parts[1] == "layers" and parts[2].isdigit():
        mapped = _LAYER_NAMES.get(parts[3])
        if mapped is not None:
            return f"blk.{parts[2]}.{mapped}"
        if parts[3].endswith("rotary_emb.inv_freq"):
            return None
    raise ConversionError(f"tensor {hf_name!r} has no GGUF name in this converter")


def rope_rows_to_interleaved(weight: np.ndarray, heads: int) -> np.ndarray:
    """Reorder the rows of a q/k projection from Hugging Face's rotate-half layout to llama.cpp's.

    Hugging Face keeps, per head, the first halves of all rotary pairs and then the second halves;
    llama.cpp's `llama` architecture expects the two members of each pair next to each other.
    """
    rows = weight.shape[0]
    half = rows // heads // 2
    return weight.reshape(heads, 2, half, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def llama3_rope_factors(config: dict[str, Any], rope: dict[str, Any], head_dim: int, theta: float) -> np.ndarray:
    """Per-frequency divisors for Llama 3.1's `llama3` RoPE scaling (llama.cpp's rope_freqs tensor)."""
    factor = float(rope.get("factor", 8.0))
    low = float(rope.get("low_freq_factor", 1.0))
    high = float(rope.get("high_freq_factor", 4.0))
    original = float(rope.get("original_max_position_embeddings", 8192))
    low_wavelen, high_wavelen = original / low, original / high
    out = []
    for i in range(0, head_dim, 2):
        freq = 1.0 / (theta ** (i / head_dim))
        wavelen = 2 * math.pi / freq
        if wavelen < high_wavelen:
            out.append(1.0)
        elif wavelen > low_wavelen:
            out.append(factor)
        else:
            smooth = (original / wavelen - low) / (high - low)
            out.append(1.0 / ((1 - smooth) / factor + smooth))
    return np.asarray(out, dtype=np.float32)


def _rope_settings(config: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """(rope theta, scaling dict) from a transformers 4 (`rope_theta`, `rope_scaling`) or 5
    (`rope_parameters`) config."""
    params = config.get("rope_parameters") or {}
    theta = float(config.get("rope_theta") or params.get("rope_theta") or 10000.0)
    scaling = config.get("rope_scaling") or params
    kind = scaling.get("rope_type") or scaling.get("type") or "default"
    return theta, ({**scaling, "rope_type": kind} if kind != "default" else {})


# ---- the writer ------------------------------------------------------------------------------------------

@dataclass
class GgufSummary:
    path: Path
    architecture: str
    tensors: int
    vocab: int
    pre: str
    file_type: str
    chat_template: bool


def convert(model_dir: Path, out_path: Path, *, out_type: str = "f16", pre: str | None = None,
            name: str | None = None) -> GgufSummary:
    import gguf

    model_dir = Path(model_dir)
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    model_type = config.get("model_type")
    arch = ARCHITECTURES.get(model_type)
    if arch is None:
        raise ConversionError(f"model_type {model_type!r} is not converted here (known: {', '.join(ARCHITECTURES)})")
    tokenizer = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    tokenizer_config_path = model_dir / "tokenizer_config.json"
    tokenizer_config = (json.loads(tokenizer_config_path.read_text(encoding="utf-8"))
                        if tokenizer_config_path.is_file() else {})

    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    kv_heads = int(config.get("num_key_value_heads") or heads)
    head_dim = int(config.get("head_dim") or hidden // heads)
    vocab_size = int(config["vocab_size"])
    theta, rope = _rope_settings(config)

    vocab = read_vocabulary(tokenizer, vocab_size)
    pre = pre or guess_pre_tokenizer(tokenizer, vocab_size)
    if pre is None:
        raise ConversionError("cannot tell llama.cpp's pre-tokenizer for this vocabulary: set `gguf: {pre: ...}` "
                              "in the config (llama-bpe for Llama 3, qwen2 for Qwen2, smollm for SmolLM2)")

    tensor_type = {"f32": gguf.GGMLQuantizationType.F32, "f16": gguf.GGMLQuantizationType.F16,
                   "q8_0": gguf.GGMLQuantizationType.Q8_0}[out_type]
    file_type = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
                 "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[out_type]

    writer = gguf.GGUFWriter(str(out_path), arch)
    writer.add_name(name or config.get("_name_or_path") or model_dir.name)
    writer.add_file_type(int(file_type))
    if out_type == "q8_0":
        writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    writer.add_vocab_size(len(vocab.tokens))
    writer.add_context_length(int(config.get("max_position_embeddings") or 4096))
    writer.add_embedding_length(hidden)
    writer.add_block_count(int(config["num_hidden_layers"]))
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    if head_dim != hidden // heads:
        writer.add_key_length(head_dim)
        writer.add_value_length(head_dim)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(theta)
    writer.add_layer_norm_rms_eps(float(config.get("rms_norm_eps", 1e-5)))
    if rope.get("rope_type") == "linear":
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(float(rope["factor"]))
    elif rope and rope.get("rope_type") != "llama3":
        raise ConversionError(f"RoPE scaling {rope.get('rope_type')!r} is not converted here")

    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(vocab.tokens)
    writer.add_token_types(vocab.types)
    writer.add_token_merges(vocab.merges)
    special_ids = {}
    for key in ("bos", "eos", "unk", "pad"):
        token_id = _token_id(tokenizer_config.get(f"{key}_token"), vocab.ids)
        if token_id is None and isinstance(config.get(f"{key}_token_id"), int):
            token_id = config[f"{key}_token_id"]
        if token_id is not None:
            special_ids[key] = token_id
    if "bos" in special_ids:
        writer.add_bos_token_id(special_ids["bos"])
    if "eos" in special_ids:
        writer.add_eos_token_id(special_ids["eos"])
    if "unk" in special_ids:
        writer.add_unk_token_id(special_ids["unk"])
    if "pad" in special_ids:
        writer.add_pad_token_id(special_ids["pad"])
    writer.add_add_bos_token(adds_bos(model_dir, special_ids.get("bos")))
    writer.add_add_eos_token(False)
    template = read_chat_template(model_dir, tokenizer_config)
    if template:
        writer.add_chat_template(template)

    # Tensor plan: names, shapes, types, then the data in the same order.
    source = read_safetensors_index(model_dir)
    plan: list[tuple[str, _StTensor | np.ndarray, Any, int | None]] = []
    if rope.get("rope_type") == "llama3":
        plan.append(("rope_freqs.weight", llama3_rope_factors(config, rope, head_dim, theta),
                     gguf.GGMLQuantizationType.F32, None))
    for hf_name in sorted(source, key=_tensor_order):
        gguf_name = gguf_tensor_name(hf_name)
        if gguf_name is None:
            continue
        tensor = source[hf_name]
        permute_heads = None
        if arch == "llama" and hf_name.endswith("self_attn.q_proj.weight"):
            permute_heads = heads
        elif arch == "llama" and hf_name.endswith("self_attn.k_proj.weight"):
            permute_heads = kv_heads
        if len(tensor.shape) == 1:
            kind = gguf.GGMLQuantizationType.F32
        elif tensor_type == gguf.GGMLQuantizationType.Q8_0 and tensor.shape[-1] % 32:
            kind = gguf.GGMLQuantizationType.F16  # rows that do not fill Q8_0 blocks
        else:
            kind = tensor_type
        plan.append((gguf_name, tensor, kind, permute_heads))

    for gguf_name, tensor, kind, _ in plan:
        shape = tensor.shape
        nbytes = _nbytes(shape, kind)
        if kind in (gguf.GGMLQuantizationType.F32, gguf.GGMLQuantizationType.F16):
            writer.add_tensor_info(gguf_name, shape, np.float32 if kind == gguf.GGMLQuantizationType.F32
                                   else np.float16, nbytes)
        else:
            byte_shape = gguf.quant_shape_to_byte_shape(shape, kind)
            writer.add_tensor_info(gguf_name, byte_shape, np.uint8, nbytes, raw_dtype=kind)

    out_path.parent.mkdir(parents=True, exist_ok=True)
    writer.write_header_to_file(out_path)
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for _, tensor, kind, permute_heads in plan:
        data = tensor if isinstance(tensor, np.ndarray) else tensor.load()
        if permute_heads:
            data = rope_rows_to_interleaved(data, permute_heads)
        if kind == gguf.GGMLQuantizationType.F32:
            data = np.ascontiguousarray(data, dtype=np.float32)
        elif kind == gguf.GGMLQuantizationType.F16:
            data = np.ascontiguousarray(data, dtype=np.float16)
        else:
            data = gguf.quants.quantize(np.ascontiguousarray(data, dtype=np.float32), kind)
        writer.write_tensor_data(data)
    writer.close()
    return GgufSummary(out_path, arch, len(plan), len(vocab.tokens), pre, out_type, bool(template))


def _nbytes(shape: tuple[int, ...], kind: Any) -> int:
    import gguf

    block, size = gguf.GGML_QUANT_SIZES[kind]
    elements = int(np.prod(shape))
    return elements // block * size


def _tensor_order(hf_name: str) -> tuple[int, int, str]:
    """Embeddings first, then the blocks in numeric order, then the output tensors."""
    parts = hf_name.split(".")
    if len(parts) > 2 and parts[1] == "layers" and parts[2].isdigit():
        return (1, int(parts[2]), hf_name)
    return (0 if "embed" in hf_name else 2, 0, hf_name)
