"""Continue's built-in agent tools as OpenAI-style function schemas: the one home of the catalog.

Names, parameter names, types and required fields follow Continue's own tool definitions;
the descriptions are ours. Everything else (suites, the Continue profile and through it the dataset
and the Modelfile, argument validation) reads the tools from here; the profile decides which are
offered and how they are presented.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from typing import Any


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str
    required: bool = False
    items: dict[str, Any] | None = None


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    in_seed: bool = False
    """True for the 11 tools the seed dataset teaches."""

    @property
    def required(self) -> list[str]:
        return [p.name for p in self.params if p.required]

    def parameters_schema(self) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for p in self.params:
            prop: dict[str, Any] = {"type": p.type, "description": p.description}
            if p.items is not None:
                prop["items"] = copy.deepcopy(p.items)
            properties[p.name] = prop
        return {"type": "object", "properties": properties, "required": self.required}

    def function_schema(self) -> dict[str, Any]:
        """The tool as sent in a chat request's `tools` list."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters_schema(),
            },
        }


_EDIT_ITEM = {
    "type": "object",
    "properties": {
        "old_string": {"type": "string"},
        "new_string": {"type": "string"},
        "replace_all": {"type": "boolean"},
    },
    "required": ["old_string", "new_string"],
}

TOOLS: tuple[Tool, ...] = (
    Tool(
        "read_file",
        "Return the full text of one file. Use it whenever the user refers to a file by name or path.",
        (Param("filepath", "string", "Path of the file: workspace-relative, absolute, ~/ or file:// URI.", True),),
        in_seed=True,
    ),
    Tool(
        "read_file_range",
        "Return only lines startLine..endLine (1-based, inclusive) of a file, for large files.",
        (
            Param("filepath", "string", "Workspace-relative path of the file.", True),
            Param("startLine", "number", "First line to return, counting from 1.", True),
            Param("endLine", "number", "Last line to return, inclusive.", True),
        ),
        in_seed=True,
    ),
    Tool(
        "create_new_file",
        "Create a file that does not exist yet and write the given contents into it.",
        (
            Param("filepath", "string", "Workspace-relative path of the new file.", True),
            Param("contents", "string", "Complete text of the new file.", True),
        ),
        in_seed=True,
    ),
    Tool(
        "run_terminal_command",
        "Run a shell command in the workspace root and return its output. The shell keeps no state "
        "between calls. Do not edit files with it.",
        (
            Param("command", "string", "The command line to run.", True),
            Param(
                "waitForCompletion",
                "boolean",
                "false starts the command in the background (servers, watchers); default true.",
            ),
        ),
        in_seed=True,
    ),
    Tool(
        "grep_search",
        "Search the contents of every file in the workspace with a ripgrep regular expression. "
        "Alternation such as `foo|bar` finds several terms at once.",
        (Param("query", "string", "The ripgrep regular expression to search for.", True),),
        in_seed=True,
    ),
    Tool(
        "file_glob_search",
        "Find files whose paths match a glob pattern, searching the workspace recursively; `**` is allowed.",
        (Param("pattern", "string", "The glob pattern, for example **/*.test.ts.", True),),
        in_seed=True,
    ),
    Tool(
        "view_diff",
        "Show the current git diff of the working tree: every uncommitted change.",
        (),
        in_seed=True,
    ),
    Tool(
        "read_currently_open_file",
        "Return the file the user has open in the editor right now; for requests about 'this file'.",
        (),
        in_seed=True,
    ),
    Tool(
        "ls",
        "List the entries of a directory in the workspace.",
        (
            Param("dirPath", "string", "Directory to list, with forward slashes; default the workspace root."),
            Param("recursive", "boolean", "List subdirectories too."),
        ),
        in_seed=True,
    ),
    Tool(
        "search_web",
        "Search the web. Only for knowledge outside the workspace or newer than your training.",
        (Param("query", "string", "A natural-language search query.", True),),
        in_seed=True,
    ),
    Tool(
        "fetch_url_content",
        "Download a web page by URL and return its text. Not for files in the workspace.",
        (Param("url", "string", "The full URL to fetch.", True),),
        in_seed=True,
    ),
    Tool(
        "view_repo_map",
        "Show a map of the repository: its files and the main symbols defined in each.",
        (),
    ),
    Tool(
        "view_subdirectory",
        "Show the structure and main symbols of one subdirectory of the workspace.",
        (Param("directory_path", "string", "Workspace-relative path of the subdirectory.", True),),
    ),
    Tool(
        "edit_existing_file",
        "Change an existing file. Write the changed code, and mark the untouched stretches with "
        "placeholder comments instead of repeating them.",
        (
            Param("filepath", "string", "Path of the file to change.", True),
            Param("changes", "string", "The changed code, with placeholders for unchanged parts.", True),
        ),
    ),
    Tool(
        "single_find_and_replace",
        "Replace an exact string in a file. old_string must match exactly, whitespace included, and be "
        "unique in the file unless replace_all is true.",
        (
            Param("filepath", "string", "Path of the file to change.", True),
            Param("old_string", "string", "The exact text to replace.", True),
            Param("new_string", "string", "The replacement; must differ from old_string.", True),
            Param("replace_all", "boolean", "Replace every occurrence instead of exactly one."),
        ),
    ),
    Tool(
        "multi_edit",
        "Apply several exact find-and-replace edits to one file, in order and all or nothing.",
        (
            Param("filepath", "string", "Path of the file to change.", True),
            Param("edits", "array", "The edits, applied in order.", True, items=_EDIT_ITEM),
        ),
    ),
    Tool(
        "codebase",
        "Search the codebase by meaning: describe in plain words what you are looking for.",
        (Param("query", "string", "A natural-language description of the code wanted.", True),),
    ),
    Tool(
        "create_rule_block",
        "Save a rule that Continue will follow in later conversations of this workspace.",
        (
            Param("name", "string", "A short name for the rule.", True),
            Param("rule", "string", "The rule itself, as an instruction.", True),
            Param("description", "string", "When the rule applies."),
            Param("globs", "string", "File patterns the rule is limited to."),
            Param("regex", "string", "A regular expression over file contents the rule is limited to."),
            Param("alwaysApply", "boolean", "Apply the rule to every request."),
        ),
    ),
    Tool(
        "request_rule",
        "Fetch the full text of a workspace rule by its name.",
        (Param("name", "string", "Name of the rule.", True),),
    ),
    Tool(
        "read_skill",
        "Load the instructions of a named skill.",
        (Param("skillName", "string", "Name of the skill.", True),),
    ),
)

TOOLS_BY_NAME: dict[str, Tool] = {t.name: t for t in TOOLS}
SEED_TOOLS: tuple[str, ...] = tuple(t.name for t in TOOLS if t.in_seed)


def tool(name: str) -> Tool:
    try:
        return TOOLS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown tool {name!r}; Continue's tools are: {', '.join(TOOLS_BY_NAME)}") from None


def function_schemas(names: list[str] | tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """The tools (all, or those named, in catalog order of the names given) as request schemas."""
    chosen = TOOLS if names is None else tuple(tool(n) for n in names)
    return [t.function_schema() for t in chosen]


@cache
def strict_schema(name: str) -> dict[str, Any]:
    """The argument schema of one tool, closed against unknown fields, for validation."""
    schema = tool(name).parameters_schema()
    schema["additionalProperties"] = False
    return schema
