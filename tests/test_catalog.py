from jsonschema import Draft202012Validator

from ctft_eval.catalog import SEED_TOOLS, TOOLS, function_schemas, strict_schema

# Continue's built-in tools: name -> (required params, optional params), per ../shared/reference/continue.md
CONTINUE_TOOLS = {
    "read_file": ({"filepath"}, set()),
    "read_file_range": ({"filepath", "startLine", "endLine"}, set()),
    "create_new_file": ({"filepath", "contents"}, set()),
    "run_terminal_command": ({"command"}, {"waitForCompletion"}),
    "grep_search": ({"query"}, set()),
    "file_glob_search": ({"pattern"}, set()),
    "view_diff": (set(), set()),
    "read_currently_open_file": (set(), set()),
    "ls": (set(), {"dirPath", "recursive"}),
    "search_web": ({"query"}, set()),
    "fetch_url_content": ({"url"}, set()),
    "view_repo_map": (set(), set()),
    "view_subdirectory": ({"directory_path"}, set()),
    "edit_existing_file": ({"filepath", "changes"}, set()),
    "single_find_and_replace": ({"filepath", "old_string", "new_string"}, {"replace_all"}),
    "multi_edit": ({"filepath", "edits"}, set()),
    "codebase": ({"query"}, set()),
    "create_rule_block": ({"name", "rule"}, {"description", "globs", "regex", "alwaysApply"}),
    "request_rule": ({"name"}, set()),
    "read_skill": ({"skillName"}, set()),
}


def test_catalog_has_exactly_continues_twenty_tools_with_their_parameters():
    assert [t.name for t in TOOLS] == list(CONTINUE_TOOLS)
    for t in TOOLS:
        required, optional = CONTINUE_TOOLS[t.name]
        schema = t.parameters_schema()
        assert set(schema["required"]) == required, t.name
        assert set(schema["properties"]) == required | optional, t.name


def test_types_follow_continue():
    schemas = {s["function"]["name"]: s["function"]["parameters"]["properties"] for s in function_schemas()}
    assert schemas["read_file_range"]["startLine"]["type"] == "number"
    assert schemas["run_terminal_command"]["waitForCompletion"]["type"] == "boolean"
    assert schemas["ls"]["recursive"]["type"] == "boolean"
    assert schemas["multi_edit"]["edits"]["type"] == "array"
    assert schemas["multi_edit"]["edits"]["items"]["required"] == ["old_string", "new_string"]


def test_seed_tools_are_the_first_eleven():
    assert SEED_TOOLS == tuple(CONTINUE_TOOLS)[:11]


def test_every_schema_is_valid_json_schema_and_closed_for_validation():
    for t in TOOLS:
        Draft202012Validator.check_schema(strict_schema(t.name))
        assert strict_schema(t.name)["additionalProperties"] is False
    spec = function_schemas(["read_file"])[0]
    assert spec["type"] == "function" and spec["function"]["description"]
