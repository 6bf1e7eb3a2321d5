"""Static validation of code blocks: syntax checks and request checks against the spec."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ucop.codegen import validate_block, validate_markdown
from ucop.codegen.validate import shell_syntax
from ucop.sources import load_openapi

REPO = Path(__file__).resolve().parents[2]
LUMEN = REPO / "examples" / "lumen"
SPEC = load_openapi(LUMEN / "openapi.yaml", LUMEN)
BASE = 'BASE_URL = "https://api.lumentasks.example/v1"\n'


def run(code, lang="python", spec=SPEC):
    block = {"index": 3, "lang": lang, "code": textwrap.dedent(code), "line": 10}
    return validate_block(block, spec)


def failures(findings):
    return [(f["check"], f["message"]) for f in findings if not f["ok"]]


def request_messages(findings):
    return [f["message"] for f in findings if f["check"] == "request"]


def test_matching_python_call_gives_one_ok_request_finding():
    findings = run(BASE + 'import httpx\nhttpx.get(f"{BASE_URL}/tasks/{task_id}")\n')
    assert findings == [
        {
            "block": 3,
            "lang": "python",
            "line": 10,
            "check": "syntax",
            "ok": True,
            "message": "syntax OK",
        },
        {
            "block": 3,
            "lang": "python",
            "line": 13,
            "check": "request",
            "ok": True,
            "message": "GET /tasks/{task_id} matches operation getTask",
        },
    ]


def test_wrong_path_is_reported_with_closest_match():
    findings = run('import httpx\nhttpx.get("https://api.lumentasks.example/v1/taskz")\n')
    assert failures(findings) == [("request", "path not in spec: GET /taskz (closest: /tasks)")]


def test_wrong_method_lists_allowed_methods():
    findings = run(BASE + 'import httpx\nhttpx.put(f"{BASE_URL}/tasks/tsk_1", json={})\n')
    assert failures(findings) == [
        ("request", "method PUT not allowed on /tasks/{task_id} (allowed: GET, PATCH, DELETE)")
    ]


def test_literal_path_beats_template():
    findings = run(BASE + 'import httpx\nhttpx.patch(BASE_URL + "/tasks/search", json={})\n')
    assert failures(findings) == [
        ("request", "method PATCH not allowed on /tasks/search (allowed: GET)")
    ]


def test_missing_required_query_parameter():
    code = BASE + 'import httpx\nhttpx.get(f"{BASE_URL}/tasks/search", params={"page_size": 5})\n'
    assert failures(run(code)) == [
        ("request", "missing required query parameter(s) q for GET /tasks/search")
    ]


def test_query_from_dict_variable_and_url_query_string():
    code = BASE + textwrap.dedent(
        """\
        import httpx
        params = {"page_size": 5}
        params["q"] = "notes"
        httpx.get(f"{BASE_URL}/tasks/search", params=params)
        httpx.get(f"{BASE_URL}/tasks/search?q=notes")
        """
    )
    assert failures(run(code)) == []
    assert len(request_messages(run(code))) == 2


def test_unknown_params_are_not_reported():
    code = BASE + 'import httpx\nhttpx.get(f"{BASE_URL}/tasks/search", params=make_params())\n'
    assert failures(run(code)) == []


def test_missing_request_body_in_python_and_curl():
    python = run(BASE + 'import httpx\nhttpx.post(f"{BASE_URL}/tasks")\n')
    assert failures(python) == [
        ("request", "missing request body: POST /tasks requires a application/json body")
    ]
    curl = run(
        'curl -X POST https://api.lumentasks.example/v1/tasks -H "Authorization: Bearer $T"\n',
        lang="bash",
    )
    assert failures(curl) == [
        ("request", "missing request body: POST /tasks requires a application/json body")
    ]


def test_optional_body_may_be_left_out():
    code = BASE + 'import httpx\nhttpx.post(f"{BASE_URL}/webhooks/whk_1/test")\n'
    assert request_messages(run(code)) == [
        "POST /webhooks/{webhook_id}/test matches operation sendTestDelivery"
    ]


def test_client_methods_requests_and_request_function():
    code = textwrap.dedent(
        """\
        import httpx, requests
        client = httpx.Client(base_url="https://api.lumentasks.example/v1")
        client.get("/projects")
        requests.delete("https://api.lumentasks.example/v1/webhooks/whk_1")
        httpx.request("DELETE", "https://api.lumentasks.example/v1/projects/prj_1")
        """
    )
    assert request_messages(run(code)) == [
        "GET /projects matches operation listProjects",
        "DELETE /webhooks/{webhook_id} matches operation deleteWebhook",
        "method DELETE not allowed on /projects/{project_id} (allowed: GET)",
    ]


def test_non_api_calls_are_ignored():
    code = textwrap.dedent(
        """\
        import os
        import httpx
        from flask import Flask
        app = Flask(__name__)
        token = os.environ.get("LUMEN_API_TOKEN")

        @app.post("/hooks/lumen")
        def hook():
            return ""

        httpx.post("https://example.com/hooks/lumen", content=b"{}")
        """
    )
    assert request_messages(run(code)) == []


def test_curl_forms_placeholders_and_get_data():
    code = """\
    curl "$LUMEN_BASE_URL/tasks/$TASK_ID" -H "Authorization: Bearer $LUMEN_API_TOKEN"
    curl -sS -G https://api.lumentasks.example/v1/tasks/search --data-urlencode "q=release notes"
    curl -XPATCH 'https://api.lumentasks.example/v1/tasks/{TASK_ID}' --json '{"status": "done"}'
    curl https://api.lumentasks.example/v1/tasks/search   # no q
    """
    findings = run(code, lang="bash")
    assert [(f["line"], f["ok"], f["message"]) for f in findings if f["check"] == "request"] == [
        (11, True, "GET /tasks/{task_id} matches operation getTask"),
        (12, True, "GET /tasks/search matches operation searchTasks"),
        (13, True, "PATCH /tasks/{task_id} matches operation updateTask"),
        (14, False, "missing required query parameter(s) q for GET /tasks/search"),
    ]


def test_console_block_checks_prompted_lines_only():
    code = """\
    $ curl https://api.lumentasks.example/v1/projects \\
        -H "Authorization: Bearer $LUMEN_API_TOKEN"
    {"data": [], "next_cursor": null}
    """
    findings = run(code, lang="console")
    assert failures(findings) == []
    assert request_messages(findings) == ["GET /projects matches operation listProjects"]


def test_python_syntax_error_is_reported_on_its_document_line():
    findings = run("import httpx\n\ndef broken(:\n    pass\n")
    assert [(f["check"], f["ok"], f["line"]) for f in findings] == [("syntax", False, 13)]
    assert findings[0]["message"].startswith("Python syntax error: ")


def test_top_level_await_compiles():
    assert (
        failures(run("import httpx\nasync with httpx.AsyncClient() as c:\n    await c.aclose()\n"))
        == []
    )


@pytest.mark.parametrize(
    ("lang", "code", "start"),
    [
        ("json", '{"a": 1,\n "b": }\n', "invalid JSON: Expecting value (line 2"),
        ("yaml", "a: 1\nb: [1, 2\n", "invalid YAML: "),
        ("yml", "key: : value\n", "invalid YAML: mapping values are not allowed here (line 1)"),
        ("bash", "if true; then\n  echo hi\n", "shell syntax error: "),
        ("sh", "echo 'unterminated\n", "shell syntax error: "),
    ],
)
def test_syntax_errors(lang, code, start):
    findings = run(code, lang=lang)
    assert len(findings) == 1
    assert findings[0]["check"] == "syntax"
    assert findings[0]["ok"] is False
    assert findings[0]["message"].startswith(start)


@pytest.mark.parametrize(
    ("lang", "code"),
    [
        ("json", '{"a": [1, 2]}'),
        ("yaml", "a:\n  - 1\n---\nb: 2\n"),
        ("bash", "for i in 1 2; do echo $i; done\n"),
    ],
)
def test_valid_blocks_pass(lang, code):
    assert run(code, lang=lang) == [
        {
            "block": 3,
            "lang": lang,
            "line": 10,
            "check": "syntax",
            "ok": True,
            "message": "syntax OK",
        }
    ]


def test_bash_n_never_runs_the_script(tmp_path):
    marker = tmp_path / "ran"
    findings = run(f"touch {marker}\n", lang="bash")
    assert failures(findings) == []
    assert not marker.exists()


def test_missing_bash_skips_with_ok(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    findings = run("if then fi\n", lang="bash")
    assert [(f["ok"], f["message"]) for f in findings] == [
        (True, "bash not found; shell syntax not checked")
    ]
    assert shell_syntax("if then fi", bash=None) == (0, "")


def test_unknown_language_is_skipped():
    assert run("SELECT 1;", lang="sql") == [
        {
            "block": 3,
            "lang": "sql",
            "line": 10,
            "check": "skipped",
            "ok": True,
            "message": "no checks for language 'sql'",
        }
    ]


def test_without_spec_only_syntax_is_checked():
    findings = run('import httpx\nhttpx.get("https://api.lumentasks.example/v1/nope")\n', spec=None)
    assert [f["check"] for f in findings] == ["syntax"]


def test_validate_markdown_numbers_blocks_and_lines():
    doc = textwrap.dedent(
        """\
        # Article

        ```python
        print(
        ```

        ```json
        {"ok": true}
        ```
        """
    )
    findings = validate_markdown(doc, SPEC)
    assert [(f["block"], f["lang"], f["line"], f["ok"]) for f in findings] == [
        (0, "python", 4, False),
        (1, "json", 7, True),
    ]


def test_every_code_block_in_the_bundled_kb_and_blog_is_valid():
    docs = sorted((LUMEN / "kb").glob("*.md")) + sorted((LUMEN / "blog").glob("*.md"))
    checked = 0
    for doc in docs:
        findings = validate_markdown(doc.read_text(), SPEC)
        assert failures(findings) == [], doc.name
        checked += sum(1 for f in findings if f["check"] == "request")
    assert checked == 7


def test_base_url_from_environment_is_a_placeholder():
    code = textwrap.dedent(
        """\
        import os
        import httpx
        BASE_URL = os.environ["LUMEN_BASE_URL"]
        url = f"{BASE_URL}/projects/{project_id}"
        httpx.get(url)
        httpx.post(BASE_URL + "/projects")
        """
    )
    assert request_messages(run(code)) == [
        "GET /projects/{project_id} matches operation getProject",
        "missing request body: POST /projects requires a application/json body",
    ]
