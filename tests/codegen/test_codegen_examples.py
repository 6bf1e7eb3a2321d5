"""Generated request examples: exact shape, and every one passes validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from ucop.codegen import curl_example, python_example, validate_block
from ucop.codegen.examples import credential_vars, py_literal
from ucop.sources import load_openapi

REPO = Path(__file__).resolve().parents[2]
LUMEN = REPO / "examples" / "lumen"
FIXTURES = REPO / "tests" / "fixtures" / "sources"

LUMEN_SPEC = load_openapi(LUMEN / "openapi.yaml", LUMEN)
NOTES_SPEC = load_openapi(FIXTURES / "swagger_notes.json", FIXTURES)


def op(spec, op_id):
    return next(o for o in spec["operations"] if o["id"] == op_id)


def check(code, lang, spec):
    return validate_block({"index": 0, "lang": lang, "code": code, "line": 1}, spec)


@pytest.mark.parametrize("spec", [LUMEN_SPEC, NOTES_SPEC], ids=["lumen", "notes"])
def test_every_example_passes_validation(spec):
    for operation in spec["operations"]:
        for code, lang in (
            (python_example(operation, spec), "python"),
            (curl_example(operation, spec), "bash"),
        ):
            findings = check(code, lang, spec)
            assert [f["check"] for f in findings] == ["syntax", "request"], (
                operation["id"],
                lang,
                findings,
            )
            assert all(f["ok"] for f in findings), (operation["id"], lang, findings)
            assert f"matches operation {operation['id']}" in findings[1]["message"]


def test_python_example_for_update_task():
    assert python_example(op(LUMEN_SPEC, "updateTask"), LUMEN_SPEC) == (
        "import os\n"
        "\n"
        "import httpx\n"
        "\n"
        'BASE_URL = "https://api.lumentasks.example/v1"\n'
        'task_id = "tsk_4f8Hq2"\n'
        'payload = {"status": "done"}\n'
        "\n"
        "response = httpx.patch(\n"
        '    f"{BASE_URL}/tasks/{task_id}",\n'
        '    headers={"Authorization": f"Bearer {os.environ[\'LUMEN_API_TOKEN\']}"},\n'
        "    json=payload,\n"
        ")\n"
        "response.raise_for_status()\n"
        "print(response.json())\n"
    )


def test_python_example_query_params_and_status_only_reply():
    listing = python_example(op(LUMEN_SPEC, "listTasks"), LUMEN_SPEC)
    assert 'params = {"page_size": 25, "status": "open"}' in listing
    assert "cursor" not in listing
    search = python_example(op(LUMEN_SPEC, "searchTasks"), LUMEN_SPEC)
    assert '"q": "release notes"' in search
    delete = python_example(op(LUMEN_SPEC, "deleteTask"), LUMEN_SPEC)
    assert delete.endswith("print(response.status_code)\n")


def test_curl_example_for_create_webhook():
    assert curl_example(op(LUMEN_SPEC, "createWebhook"), LUMEN_SPEC) == (
        'curl -X POST "https://api.lumentasks.example/v1/webhooks" \\\n'
        '  -H "Authorization: Bearer $LUMEN_API_TOKEN" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        "  --data '{\n"
        '  "url": "https://example.com/hooks/lumen",\n'
        '  "events": [\n'
        '    "task.created",\n'
        '    "task.updated",\n'
        '    "task.completed"\n'
        "  ],\n"
        '  "description": "Sync tasks to our CRM"\n'
        "}'\n"
    )


def test_curl_example_puts_required_query_in_url():
    code = curl_example(op(LUMEN_SPEC, "searchTasks"), LUMEN_SPEC)
    assert code.startswith(
        'curl -X GET "https://api.lumentasks.example/v1/tasks/search?q=release+notes&page_size=25"'
    )


def test_api_key_and_basic_auth_examples():
    listing = op(NOTES_SPEC, "listNotes")
    assert '"X-API-Key": os.environ["ACME_API_KEY"]' in python_example(listing, NOTES_SPEC)
    assert '-H "X-API-Key: $ACME_API_KEY"' in curl_example(listing, NOTES_SPEC)
    delete = op(NOTES_SPEC, "deleteNote")
    assert 'auth=(os.environ["ACME_USERNAME"], os.environ["ACME_PASSWORD"])' in python_example(
        delete, NOTES_SPEC
    )
    assert '-u "$ACME_USERNAME:$ACME_PASSWORD"' in curl_example(delete, NOTES_SPEC)


def test_multipart_body_uses_form_fields():
    upload = op(NOTES_SPEC, "uploadAttachment")
    assert curl_example(upload, NOTES_SPEC).endswith(
        "  -F file=@file.bin \\\n  -F caption=string\n"
    )
    python = python_example(upload, NOTES_SPEC)
    assert 'payload = {"file": "<binary data>", "caption": "string"}' in python
    assert "    files=payload,\n" in python


def test_examples_are_deterministic():
    first = [
        python_example(o, LUMEN_SPEC) + curl_example(o, LUMEN_SPEC)
        for o in LUMEN_SPEC["operations"]
    ]
    again = load_openapi(LUMEN / "openapi.yaml", LUMEN)
    second = [python_example(o, again) + curl_example(o, again) for o in again["operations"]]
    assert first == second


def test_credential_vars_from_title():
    scheme = {
        "name": "b",
        "type": "http",
        "scheme": "bearer",
        "in": "header",
        "param": "Authorization",
    }
    assert credential_vars(scheme, {"title": "Lumen Tasks API"}) == ["LUMEN_API_TOKEN"]
    assert credential_vars(scheme, {"title": ""}) == ["API_TOKEN"]
    assert credential_vars(None, {"title": "Lumen"}) == []


def test_py_literal_wraps_long_values_and_uses_python_constants():
    assert py_literal({"a": True, "b": None, "c": [1.5]}) == '{"a": True, "b": None, "c": [1.5]}'
    long_value = {"description": "x" * 60, "flag": False}
    assert (
        py_literal(long_value) == '{\n    "description": "' + "x" * 60 + '",\n    "flag": False,\n}'
    )
