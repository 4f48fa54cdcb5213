"""Check a GGUF the way a user will meet it: load it in llama.cpp, tokenize like Hugging Face, and chat."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ctft_eval.channels import CHANNELS
from ctft_eval.profile import builtin


class VerifyError(RuntimeError):
    pass


@dataclass
class Verified:
    texts_compared: int
    reply_text: str
    tool_calls: list[str]
    prompt_tokens: int | None
    seconds: float


SAMPLES = (
    "Show lines 10 to 2024 of src/main.py, then run `npm test -- --watch=false`.",
    "def greet(name: str) -> str:\n    return f\"Hello, {name}!\"\n\n\n\tindented\ttabs  and  spaces",
    '{"name": "read_file", "arguments": {"filepath": "README.md"}}',
    "naïve café, Straße, 日本語のテキスト, emoji 🙂👍, математика",
)


def _compare_tokenizers(llm, model_dir: Path) -> int:
    from tokenizers import Tokenizer

    reference = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    specials = [t.content for t in reference.get_added_tokens_decoder().values() if t.special][:8]
    profile = builtin()  # the system messages the training examples carry, one per channel
    systems = [profile.system_message(channel, profile.tools) for channel in CHANNELS]
    texts = [*SAMPLES, *systems, "\n".join(f"{s}user\nhi{s}" for s in specials)]
    for text in texts:
        want = reference.encode(text, add_special_tokens=False).ids
        got = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        if want != got:
            at = next((i for i, (a, b) in enumerate(zip(want, got, strict=False)) if a != b), min(len(want), len(got)))
            raise VerifyError(f"llama.cpp tokenizes differently from the Hugging Face tokenizer at token {at} of "
                              f"{text[:40]!r}: {want[at:at + 5]} vs {got[at:at + 5]} (wrong tokenizer.ggml.pre?)")
    return len(texts)


def verify(gguf_path: Path, model_dir: Path, *, max_tokens: int = 32) -> Verified:
    try:
        import llama_cpp
    except ImportError:
        raise VerifyError("checking the GGUF needs llama-cpp-python: pip install 'ctft-eval[llamacpp]'") from None
    try:
        vocab_only = llama_cpp.Llama(model_path=str(gguf_path), vocab_only=True, verbose=False)
    except (ValueError, RuntimeError) as exc:
        raise VerifyError(f"llama.cpp cannot load {gguf_path}: {exc}") from None
    compared = _compare_tokenizers(vocab_only, model_dir)
    vocab_only.close()

    # A short chat through the project's own in-process llama.cpp backend, which renders the prompt with the
    # chat template embedded in the GGUF. (Short: on 2 CPU cores the full tool list alone takes llama.cpp
    # 10-30 s to read; the tool layout of the template is checked by the tests instead.)
    from ctft_eval.backends import BackendSpec, BackendUnavailable, make_backend
    from ctft_eval.settings import Settings

    settings = Settings(temperature=0.0, num_ctx=4096, max_tokens=max_tokens, seed=42)
    backend = make_backend(BackendSpec("llamacpp", str(gguf_path)), settings, {})
    try:
        backend.preflight(("native",))
    except BackendUnavailable as exc:
        raise VerifyError(str(exc)) from None
    try:
        messages = [{"role": "user", "content": "Say hello to the user in one short sentence."}]
        reply = backend.chat(messages, None, settings)
    finally:
        backend.close()
    if reply.error:
        raise VerifyError(f"llama.cpp loaded {gguf_path} but the chat failed: {reply.error}")
    calls = [f"{c.name}({c.raw_arguments})" for c in reply.tool_calls]
    if not reply.text.strip() and not calls:
        raise VerifyError(f"llama.cpp loaded {gguf_path} but the model replied nothing")
    return Verified(compared, reply.text, calls, reply.timings.prompt_tokens, reply.timings.wall_s)
