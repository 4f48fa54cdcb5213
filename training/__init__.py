"""Fine-tuning pipeline: from datasets/continue to a model that Ollama serves with tools.

    python -m training all --config training/smollm2-135m.yaml     # CPU smoke run, a few minutes
    python -m training all --config training/llama3.1-8b.yaml      # the real recipe (Apple silicon)

Steps: prepare, lora (mlx_lm.lora), fuse (mlx_lm.fuse), gguf (gguf.GGUFWriter + a llama.cpp check),
modelfile, create (ollama create). See training/cli.py and the README's "Fine-tune" section.
"""
