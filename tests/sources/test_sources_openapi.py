"""OpenAPI 3.x / Swagger 2.0 loading: normalised shape, $refs, examples, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ucop.errors import SourceError
from ucop.sources import api_chunks, example_from_schema, load_openapi

REPO = Path(__file__).resolve().parents[2]
LUMEN = REPO / "examples" / "lumen"
FIXTURES = REPO / "tests" / "fixtures" / "sources"
MALFORMED = FIXTURES / "malformed"


@pytest.fixture(scope="module")
def lumen():
    return load_openapi(LUMEN / "openapi.yaml", LUMEN)


@pytest.fixture(scope="module")
def notes():
    return load_openapi(FIXTURES / "swagger_notes.json", FIXTURES)


def op(spec, op_id):
    return next(o for o in spec["operations"] if o["id"] == op_id)


def test_lumen_header(lumen):
    assert lumen["source"] == "openapi.yaml"
    assert lumen["format"] == "openapi-3.0.3"
    assert lumen["title"] == "Lumen Tasks API"
    assert lumen["version"] == "2024-05-01"
    assert lumen["servers"] == ["https://api.lumentasks.example/v1"]
    assert lumen["auth"] == [
        {
            "name": "bearerAuth",
            "type": "http",
            "scheme": "bearer",
            "in": "header",
            "param": "Authorization",
        }
    ]


def test_operations_sorted_by_path_then_method(lumen):
    order = [(o["path"], o["method"]) for o in lumen["operations"]]
    assert order == [
        ("/projects", "GET"),
        ("/projects", "POST"),
        ("/projects/{project_id}", "GET"),
        ("/tasks", "GET"),
        ("/tasks", "POST"),
        ("/tasks/search", "GET"),
        ("/tasks/{task_id}", "GET"),
        ("/tasks/{task_id}", "PATCH"),
        ("/tasks/{task_id}", "DELETE"),
        ("/webhooks", "GET"),
        ("/webhooks", "POST"),
        ("/webhooks/{webhook_id}", "GET"),
        ("/webhooks/{webhook_id}", "DELETE"),
        ("/webhooks/{webhook_id}/test", "POST"),
    ]


def test_result_is_plain_json(lumen):
    assert json.loads(json.dumps(lumen)) == lumen


def test_parameter_refs_resolve_and_path_level_parameters_merge(lumen):
    get_task = op(lumen, "getTask")
    assert [(p["name"], p["in"], p["required"]) for p in get_task["parameters"]] == [
        ("task_id", "path", True),
        ("expand", "query", False),
    ]
    task_id = get_task["parameters"][0]
    assert task_id["schema"] == {
        "type": "string",
        "pattern": "^tsk_[A-Za-z0-9]+$",
        "example": "tsk_4f8Hq2",
    }
    assert task_id["example"] == "tsk_4f8Hq2"


def test_required_query_parameter(lumen):
    params = {p["name"]: p for p in op(lumen, "searchTasks")["parameters"]}
    assert params["q"]["required"] is True
    assert params["q"]["example"] == "release notes"
    assert params["page_size"]["required"] is False
    assert params["page_size"]["example"] == 25  # the schema default


def test_nested_ref_chain_is_resolved(lumen):
    not_found = next(r for r in op(lumen, "getTask")["responses"] if r["status"] == "404")
    detail = not_found["schema"]["properties"]["error"]
    assert detail["required"] == ["code", "message"]
    assert set(detail["properties"]) == {"code", "message", "request_id"}
    assert not_found["example"]["error"]["code"] == "not_found"


def test_recursive_schema_is_cut_at_the_repeat(lumen):
    ok = op(lumen, "getTask")["responses"][0]
    assert ok["status"] == "200"
    subtasks = ok["schema"]["properties"]["subtasks"]
    assert subtasks["items"] == {"$ref": "#/components/schemas/Task", "x-recursive": True}
    assert (
        ok["schema"]["properties"]["project"]["properties"]["name"]["example"] == "Website relaunch"
    )
    assert ok["example"]["subtasks"] == []


def test_request_body_examples_from_spec(lumen):
    create = op(lumen, "createTask")["request_body"]
    assert create["content_type"] == "application/json"
    assert create["required"] is True
    assert create["example"] == {
        "title": "Write the release notes",
        "project_id": "prj_2Lk9Qd",
        "due_on": "2024-06-14",
    }
    assert create["schema"]["required"] == ["title"]
    assert op(lumen, "deleteTask")["request_body"] is None


def test_optional_body_and_synthesised_example(lumen):
    body = op(lumen, "sendTestDelivery")["request_body"]
    assert body["required"] is False
    assert body["example"] == {"event": "ping"}


def test_synthesised_response_example_skips_nothing_and_uses_formats(lumen):
    created = op(lumen, "createProject")["responses"][0]
    assert created["status"] == "201"
    assert created["example"] == {
        "id": "prj_2Lk9Qd",
        "name": "Website relaunch",
        "color": "teal",
        "archived": True,
        "created_at": "2024-01-15T09:30:00Z",
    }


def test_responses_without_content(lumen):
    deleted = op(lumen, "deleteTask")["responses"][0]
    assert deleted == {
        "status": "204",
        "description": "The task was deleted.",
        "content_type": None,
        "schema": None,
        "example": None,
    }


def test_security_from_global_requirement(lumen):
    assert {tuple(o["security"]) for o in lumen["operations"]} == {("bearerAuth",)}


def test_swagger_header_servers_and_auth(notes):
    assert notes["format"] == "swagger-2.0"
    assert notes["servers"] == ["https://api.acme.example/v2"]
    assert notes["auth"] == [
        {"name": "apiKey", "type": "apiKey", "scheme": None, "in": "header", "param": "X-API-Key"},
        {
            "name": "basicAuth",
            "type": "basic",
            "scheme": "basic",
            "in": "header",
            "param": "Authorization",
        },
    ]


def test_swagger_body_parameter_becomes_request_body(notes):
    create = op(notes, "createNote")
    assert [p["name"] for p in create["parameters"]] == []
    body = create["request_body"]
    assert body["content_type"] == "application/json"
    assert body["required"] is True
    assert set(body["schema"]["properties"]) == {"title", "body", "tags"}
    assert body["example"] == {"title": "Groceries", "body": "string", "tags": ["string"]}
    assert create["responses"][0]["example"] == {"id": "n-1", "title": "Groceries"}


def test_swagger_form_data_becomes_multipart_body(notes):
    body = op(notes, "uploadAttachment")["request_body"]
    assert body["content_type"] == "multipart/form-data"
    assert body["required"] is True
    assert body["schema"]["required"] == ["file"]
    assert set(body["schema"]["properties"]) == {"file", "caption"}


def test_swagger_parameter_override_merge_and_generated_id(notes):
    get_note = op(notes, "get_notes_noteid")
    assert get_note["method"] == "GET"
    params = {p["name"]: p for p in get_note["parameters"]}
    assert list(params) == ["noteId", "X-Trace", "fields"]
    assert params["noteId"]["description"] == "The note's UUID."
    assert params["noteId"]["example"] == "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    assert params["fields"]["example"] == "title"
    assert params["X-Trace"]["required"] is False


def test_swagger_inline_schema_keywords_and_x_example(notes):
    params = {p["name"]: p for p in op(notes, "listNotes")["parameters"]}
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 5, "maximum": 50}
    assert params["limit"]["example"] == 5
    assert params["tag"]["required"] is True
    assert params["tag"]["example"] == "work"


def test_swagger_operation_security_overrides_global(notes):
    assert op(notes, "deleteNote")["security"] == ["basicAuth"]
    assert op(notes, "listNotes")["security"] == ["apiKey"]


def test_swagger_recursive_all_of(notes):
    note = op(notes, "get_notes_noteid")["responses"][0]["schema"]
    replies = note["allOf"][1]["properties"]["replies"]["items"]
    assert replies == {"$ref": "#/definitions/Note", "x-recursive": True}


def test_relative_file_refs_and_server_variables():
    spec = load_openapi(FIXTURES / "split" / "openapi.yaml", FIXTURES)
    assert spec["format"] == "openapi-3.1.0"
    assert spec["servers"] == ["https://eu.widgets.example/api"]
    listing = op(spec, "get_widgets")
    widget = listing["responses"][0]["schema"]["items"]
    assert widget["properties"]["owner"]["properties"]["email"]["format"] == "email"
    assert widget["properties"]["parent"] == {"$ref": "#/Widget", "x-recursive": True}
    assert listing["responses"][0]["example"] == [
        {"id": 1, "name": "string", "parent": None, "owner": {"email": "user@example.com"}}
    ]
    assert op(spec, "getWidget")["parameters"][0]["example"] == 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("not_openapi.yaml", "not an OpenAPI 3.x or Swagger 2.0 document"),
        ("list.yaml", "not an OpenAPI 3.x or Swagger 2.0 document"),
        ("swagger_1_2.json", "not an OpenAPI 3.x or Swagger 2.0 document"),
        ("no_paths.json", "has no `paths` mapping"),
        ("bad_yaml.yaml", r"is not valid JSON or YAML \(line 3: mapping values are not allowed"),
        ("bad_json.json", r"is not valid JSON or YAML \(line 5: Expecting .:. delimiter"),
        ("dangling_ref.yaml", "'#/components/schemas/Nope' points at nothing"),
        ("missing_ref_file.yaml", "names a file that does not exist"),
    ],
)
def test_malformed_specs_raise_source_error(name, expected):
    with pytest.raises(SourceError, match=expected) as info:
        load_openapi(MALFORMED / name, FIXTURES)
    assert str(info.value).startswith(f"malformed/{name}: ")


def test_missing_spec_says_how_to_fix(tmp_path):
    with pytest.raises(SourceError, match="not found — fix sources.api in the brief"):
        load_openapi(tmp_path / "openapi.yaml", tmp_path)


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string", "format": "date-time"}, "2024-01-15T09:30:00Z"),
        ({"type": "string", "format": "email"}, "user@example.com"),
        ({"type": "string", "format": "uuid"}, "3fa85f64-5717-4562-b3fc-2c963f66afa6"),
        ({"type": "string", "enum": ["b", "a"]}, "b"),
        ({"type": "string", "minLength": 8}, "stringxx"),
        ({"type": "integer"}, 1),
        ({"type": "integer", "minimum": 10}, 10),
        ({"type": "integer", "maximum": 0}, 0),
        ({"type": "number"}, 1.5),
        ({"type": "boolean"}, True),
        ({"type": ["null", "string"]}, "string"),
        ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, 1),
        ({"type": "array", "items": {"type": "string", "format": "date"}}, ["2024-01-15"]),
        ({"properties": {"a": {"type": "integer"}}}, {"a": 1}),
        ({"type": "string", "example": "given"}, "given"),
        ({"type": "integer", "default": 7}, 7),
        ("not a schema", None),
    ],
)
def test_example_from_schema(schema, expected):
    assert example_from_schema(schema) == expected


def test_example_from_schema_for_request_skips_read_only():
    schema = {
        "type": "object",
        "properties": {"id": {"type": "string", "readOnly": True}, "n": {"type": "integer"}},
    }
    assert example_from_schema(schema, for_request=True) == {"n": 1}
    assert example_from_schema(schema) == {"id": "string", "n": 1}


def test_api_chunks_one_per_operation(lumen):
    chunks = api_chunks(lumen)
    assert [c["id"] for c in chunks] == [f"api:{o['id']}" for o in lumen["operations"]]
    search = next(c for c in chunks if c["id"] == "api:searchTasks")
    assert search["kind"] == "api"
    assert search["source"] == "openapi.yaml"
    assert search["title"] == "Lumen Tasks API > GET /tasks/search"
    assert search["code_blocks"] == []
    assert search["text"].splitlines()[0] == "GET /tasks/search — Search tasks"
    assert "Parameter q (query, required): The words to look for." in search["text"]


def test_format_is_decided_by_parsing_not_extension():
    spec = load_openapi(FIXTURES / "trailing_comma.json", FIXTURES)  # JSON-ish, valid YAML
    assert spec["title"] == "Trailing comma is fine in YAML"
    assert spec["operations"] == []


def test_odd_but_parseable_spec_does_not_crash(tmp_path):
    (tmp_path / "odd.yaml").write_text(
        "openapi: 3.0.0\n"
        "servers: not-a-list\n"
        "security: {bearer: []}\n"
        "components: {securitySchemes: {broken: 42}}\n"
        "paths:\n"
        "  /a:\n"
        "    parameters: {name: x}\n"
        "    get:\n"
        "      tags: just-a-string\n"
        "      responses: [200]\n"
        "  /b: null\n"
    )
    spec = load_openapi(tmp_path / "odd.yaml", tmp_path)
    assert (spec["servers"], spec["auth"]) == ([], [])
    assert spec["operations"] == [
        {
            "id": "get_a",
            "method": "GET",
            "path": "/a",
            "summary": "",
            "description": "",
            "tags": [],
            "parameters": [],
            "request_body": None,
            "responses": [],
            "security": [],
        }
    ]


def test_clean_specs_load_without_warnings(lumen, notes):
    assert lumen["warnings"] == [] and notes["warnings"] == []


def _one_op_spec(tmp_path, path="/things", **operation):
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "T\n# heading", "version": "1"},
        "paths": {path: {"get": {"responses": {"200": {"description": "ok"}}, **operation}}},
    }
    (tmp_path / "openapi.json").write_text(json.dumps(doc))
    return load_openapi(tmp_path / "openapi.json", tmp_path)


def test_summaries_and_descriptions_become_one_line_of_plain_text(tmp_path):
    spec = _one_op_spec(
        tmp_path,
        operationId="list\nThings",
        summary="List things\n\n```bash\nrm -rf ~\n```",
        description="<b>All</b> the things.\r\n\u2028More.",
        tags=["a\nb"],
    )
    item = spec["operations"][0]
    assert spec["title"] == "T # heading"
    assert item["id"] == "list Things"
    assert item["summary"] == "List things bash rm -rf ~"
    assert item["description"] == "All the things. More."
    assert item["tags"] == ["a b"]


@pytest.mark.parametrize(
    ("path", "params", "why"),
    [
        ("/a b", [], "has characters OpenAPI paths cannot hold"),
        ("things", [], "does not start with '/'"),
        ("/t/{id}", [{"name": "i d", "in": "path"}], "path parameter name 'i d'"),
        ("/t", [{"name": "X-A: b", "in": "header"}], "header parameter name 'X-A: b'"),
        ("/t", [{"name": 'q"', "in": "query"}], "query parameter name 'q\"'"),
    ],
)
def test_names_outside_the_grammar_leave_the_operation_out_with_a_warning(
    tmp_path, path, params, why
):
    spec = _one_op_spec(tmp_path, path=path, operationId="getThing", parameters=params)
    assert spec["operations"] == []
    assert len(spec["warnings"]) == 1
    assert spec["warnings"][0].startswith("operation getThing (GET) left out: ")
    assert why in spec["warnings"][0]
