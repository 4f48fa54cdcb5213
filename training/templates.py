"""Prompt formats per model family: Ollama Go TEMPLATEs, their stop parameters, and one Jinja chat template.

A family names how a base model lays out a conversation with tools. Training renders examples with the
model's Hugging Face (Jinja) chat template; Ollama renders requests with the Modelfile's Go TEMPLATE.
The two must produce the same text, so each Go template below follows its family's Jinja template:

llama3.1  Llama 3.1/3.2 Instruct. The Go template is Ollama's library template for these models
          (protocols.md §5.2); the Jinja template is Meta's, shipped with the model.
qwen2.5   Qwen2.5 Instruct (ChatML, tools listed in <tools> in the system turn, calls in <tool_call>).
          The Go template renders what Qwen2.5's own Jinja template renders.
chatml    ChatML models whose own template knows no tools (SmolLM2). `prepare` installs CHATML_TOOLS_JINJA
          as the model's chat template, so training, the GGUF and Ollama share one tools-aware format.

Referencing `.Tools` in the TEMPLATE is what makes Ollama list the `tools` capability.

The system turn is whatever the conversation brings. The dataset's examples carry Continue's agent-mode
system message for their channel (ctft_eval.profile), as Continue's own requests do: native examples also
bring `tools`, which the templates list; continue-channel examples bring none (the tools are described in
the system message and the calls are plain ```tool text), so the templates render the system message alone,
exactly as Ollama renders Continue's request without `tools`. The default system lines below only fill in
for a conversation that has no system message.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---- chatml: our tools-aware ChatML (Jinja for training and the GGUF, Go for Ollama) -----------------

CHATML_DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
"""SmolLM2's own default system line, kept for conversations that bring none."""

CHATML_TOOLS_INTRO = "You can use tools. Each tool's signature is one JSON object inside <tools></tools>:"
CHATML_TOOLS_HOWTO = (
    "To use a tool, reply with one JSON object naming the tool and giving its arguments, "
    "inside <tool_call></tool_call> tags:\n<tool_call>\n"
    '{"name": "<tool name>", "arguments": {"<argument>": <value>}}\n</tool_call>'
)


def _jinja_literal(text: str) -> str:
    """A Python/Jinja single-quoted string literal of `text`."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


CHATML_TOOLS_JINJA = (
    "{%- if messages and messages[0]['role'] == 'system' -%}\n"
    "{%- set system_text = messages[0]['content'] -%}\n"
    "{%- set turns = messages[1:] -%}\n"
    "{%- else -%}\n"
    "{%- set system_text = " + _jinja_literal(CHATML_DEFAULT_SYSTEM) + " -%}\n"
    "{%- set turns = messages -%}\n"
    "{%- endif -%}\n"
    "{{- '<|im_start|>system\\n' + system_text -}}\n"
    "{%- if tools -%}\n"
    "{{- '\\n\\n' + " + _jinja_literal(CHATML_TOOLS_INTRO) + " + '\\n<tools>' -}}\n"
    "{%- for tool in tools -%}{{- '\\n' + (tool | tojson) -}}{%- endfor -%}\n"
    "{{- '\\n</tools>\\n\\n' + " + _jinja_literal(CHATML_TOOLS_HOWTO) + " -}}\n"
    "{%- endif -%}\n"
    "{{- '<|im_end|>\\n' -}}\n"
    "{%- for message in turns -%}\n"
    "{%- if message['role'] == 'assistant' -%}\n"
    "{{- '<|im_start|>assistant' -}}\n"
    "{%- if message['content'] -%}{{- '\\n' + message['content'] -}}{%- endif -%}\n"
    "{%- for call in message['tool_calls'] or [] -%}\n"
    "{%- set fn = call['function'] if call['function'] is defined else call -%}\n"
    "{{- '\\n<tool_call>\\n{\"name\": \"' + fn['name'] + '\", \"arguments\": ' + (fn['arguments'] | tojson)"
    " + '}\\n</tool_call>' -}}\n"
    "{%- endfor -%}\n"
    "{{- '<|im_end|>\\n' -}}\n"
    "{%- elif message['role'] == 'tool' -%}\n"
    "{{- '<|im_start|>user\\n<tool_response>\\n' + message['content'] + '\\n</tool_response><|im_end|>\\n' -}}\n"
    "{%- else -%}\n"
    "{{- '<|im_start|>' + message['role'] + '\\n' + (message['content'] or '') + '<|im_end|>\\n' -}}\n"
    "{%- endif -%}\n"
    "{%- endfor -%}\n"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)
"""ChatML with tools: the tool list in the system turn, calls as <tool_call> JSON, results as
<tool_response> in a user turn, the same layout llama.cpp's and our llamacpp backend's parsers read."""

# The message turns shared by the ChatML and Qwen2.5 Go templates: user text, assistant text and
# <tool_call> JSON, tool results as <tool_response> in a user turn, and the generation prompt.
_CHATML_TURNS_GO = (
    "{{- $last := eq (len (slice $.Messages $i)) 1 }}\n"
    "{{- if eq .Role \"user\" }}<|im_start|>user\n{{ .Content }}<|im_end|>\n"
    "{{ else if eq .Role \"assistant\" }}<|im_start|>assistant\n"
    "{{- if .Content }}\n{{ .Content }}\n{{- end }}\n"
    "{{- range .ToolCalls }}\n<tool_call>\n"
    "{\"name\": \"{{ .Function.Name }}\", \"arguments\": {{ json .Function.Arguments }}}\n</tool_call>\n"
    "{{- end }}{{ if not $last }}<|im_end|>\n{{ end }}\n"
    "{{- else if eq .Role \"tool\" }}<|im_start|>user\n<tool_response>\n{{ .Content }}\n</tool_response><|im_end|>\n"
    "{{ end }}\n"
    "{{- if and $last (ne .Role \"assistant\") }}<|im_start|>assistant\n{{ end }}\n"
    "{{- end }}"
)

CHATML_TOOLS_GO = (
    "<|im_start|>system\n"
    "{{ if .System }}{{ .System }}{{ else }}" + CHATML_DEFAULT_SYSTEM + "{{ end }}\n"
    "{{- if .Tools }}\n\n" + CHATML_TOOLS_INTRO + "\n<tools>\n"
    "{{- range .Tools }}\n{{ json . }}\n{{- end }}\n</tools>\n\n" + CHATML_TOOLS_HOWTO + "\n"
    "{{- end }}<|im_end|>\n"
    "{{ range $i, $_ := .Messages }}\n"
    + _CHATML_TURNS_GO
)

# ---- qwen2.5: the Go form of Qwen2.5's Jinja template -------------------------------------------------

QWEN25_DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
# The tool preamble must match Qwen2.5's Jinja template word for word: it is the text the model was
# trained (and is fine-tuned here) to follow.
QWEN25_TOOLS_INTRO = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
)
QWEN25_TOOLS_OUTRO = (
    "</tools>\n\nFor each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
)

QWEN25_GO = (
    "{{- if .Tools }}<|im_start|>system\n"
    "{{ if .System }}{{ .System }}{{ else }}" + QWEN25_DEFAULT_SYSTEM + "{{ end }}\n\n"
    + QWEN25_TOOLS_INTRO + "\n"
    "{{- range .Tools }}\n{{ json . }}\n{{- end }}\n" + QWEN25_TOOLS_OUTRO + "<|im_end|>\n"
    "{{ else }}<|im_start|>system\n"
    "{{ if .System }}{{ .System }}{{ else }}" + QWEN25_DEFAULT_SYSTEM + "{{ end }}<|im_end|>\n"
    "{{ end }}\n"
    "{{- range $i, $_ := .Messages }}\n"
    + _CHATML_TURNS_GO
)

# ---- llama3.1: Ollama's library template (protocols.md §5.2) ------------------------------------------

LLAMA31_GO = """{{- if or .System .Tools }}<|start_header_id|>system<|end_header_id|>
{{- if .System }}

{{ .System }}
{{- end }}
{{- if .Tools }}

Cutting Knowledge Date: December 2023

When you receive a tool call response, use the output to format an answer to the original user question.

You are a helpful assistant with tool calling capabilities.
{{- end }}<|eot_id|>
{{- end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}
{{- if eq .Role "user" }}<|start_header_id|>user<|end_header_id|>
{{- if and $.Tools $last }}

@@ASK@@

@@FORMAT@@

{{ range $.Tools }}
{{- . }}
{{ end }}
{{ .Content }}<|eot_id|>
{{- else }}

{{ .Content }}<|eot_id|>
{{- end }}{{ if $last }}<|start_header_id|>assistant<|end_header_id|>

{{ end }}
{{- else if eq .Role "assistant" }}<|start_header_id|>assistant<|end_header_id|>
{{- if .ToolCalls }}
{{ range .ToolCalls }}
{"name": "{{ .Function.Name }}", "parameters": {{ .Function.Arguments }}}{{ end }}
{{- else }}

{{ .Content }}
{{- end }}{{ if not $last }}<|eot_id|>{{ end }}
{{- else if eq .Role "tool" }}<|start_header_id|>ipython<|end_header_id|>

{{ .Content }}<|eot_id|>{{ if $last }}<|start_header_id|>assistant<|end_header_id|>

{{ end }}
{{- end }}
{{- end }}"""
LLAMA31_GO = LLAMA31_GO.replace("@@ASK@@", (
    "Given the following functions, please respond with a JSON for a function call with its proper arguments "
    "that best answers the given prompt."
)).replace("@@FORMAT@@", (
    'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}. '
    "Do not use variables."
))


@dataclass(frozen=True)
class Family:
    name: str
    go_template: str
    stops: tuple[str, ...]
    jinja_template: str | None = None
    """A chat template `prepare` installs into the converted model; None keeps the model's own."""


FAMILIES: dict[str, Family] = {
    "llama3.1": Family("llama3.1", LLAMA31_GO, ("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")),
    "qwen2.5": Family("qwen2.5", QWEN25_GO, ("<|im_start|>", "<|im_end|>")),
    "chatml": Family("chatml", CHATML_TOOLS_GO, ("<|im_start|>", "<|im_end|>"), CHATML_TOOLS_JINJA),
}


def family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown model family {name!r}; known: {', '.join(FAMILIES)}") from None
