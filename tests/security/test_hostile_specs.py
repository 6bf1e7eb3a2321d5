"""A spec written by an attacker: nothing in it runs, and its text stays plain text.

Covers injected paths, parameter names, header names and security-scheme names (each
operation left out with a warning naming it), example values in every slot (literals in
Python, quoted words in shell: running the examples creates no canary file and sends the
values verbatim), summaries and descriptions with fences and HTML (one line of text), and
server URLs with other schemes.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.helpers import run_cli
from tests.security.hostile import REFUSED, hostile_spec, payloads, pwned, write_project
from ucop.codegen import curl_example, python_example
from ucop.codegen.audit import generated_python_problems, markdown_problems, shell_problems
from ucop.codegen.blocks import extract_code_blocks
from ucop.sources import api_chunks, load_openapi
from ucop.sources.text import has_open_fence


@pytest.fixture
def loaded(tmp_path):
    canary = tmp_path / "canary"
    canary.mkdir()
    brief = write_project(tmp_path / "project", hostile_spec(canary), kb=False)
    spec = load_openapi(brief.parent / "openapi.json", brief.parent)
    return spec, canary


def op(spec, op_id):
    return next(o for o in spec["operations"] if o["id"] == op_id)


def test_unsafe_names_leave_their_operation_out_with_a_warning_naming_it(loaded):
    spec, _ = loaded
    assert sorted(o["id"] for o in spec["operations"]) == ["createItem", "uploadForm"]
    for op_id in REFUSED:
        assert sum(f"operation {op_id} " in w for w in spec["warnings"]) == 1, op_id
    assert any(w.startswith("security scheme evil left out") for w in spec["warnings"])
    assert [s["name"] for s in spec["auth"]] == ["token"]


def test_titles_summaries_and_descriptions_are_one_line_of_plain_text(loaded):
    spec, _ = loaded
    item = op(spec, "createItem")
    texts = [spec["title"], item["summary"], item["description"]]
    texts += [chunk["text"] for chunk in api_chunks(spec)] + [c["title"] for c in api_chunks(spec)]
    for text in texts[:3]:
        assert "\n" not in text and "```" not in text and "<script" not in text, text
        assert not text.startswith("#")
    for chunk in api_chunks(spec):  # lines come from the loader, never from the spec
        assert "```" not in chunk["text"] and "<script" not in chunk["text"]


def test_generated_python_calls_only_what_the_generator_writes(loaded):
    spec, _ = loaded
    for operation in spec["operations"]:
        code = python_example(operation, spec)
        assert generated_python_problems(code) == [], code
        assert shell_problems(curl_example(operation, spec)) == []


def test_example_values_reach_python_as_the_spec_wrote_them(loaded):
    spec, canary = loaded
    p = payloads(canary)
    tree = ast.parse(python_example(op(spec, "createItem"), spec))
    constants = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and not isinstance(node.value, ast.Call)
    }
    assert unquote(constants["item_id"]) == p["python"]  # one path segment, percent-encoded
    assert "/" not in constants["item_id"] and "#" not in constants["item_id"]
    assert constants["params"] == {"q": p["shell"]}
    assert constants["payload"] == {p["fstring"]: p["newline"], "note": p["history"]}


def _fake_curl(script: str, workdir: Path) -> list[str]:
    """Run a curl example in bash with `curl` replaced by a function printing its words."""
    prelude = 'curl() { for word in "$@"; do printf \'%s\\0\' "$word"; done; }\n'
    result = subprocess.run(
        ["bash", "-c", prelude + script],
        capture_output=True,
        text=True,
        cwd=workdir,
        env={"PATH": "/usr/bin:/bin", "EVIL_API_TOKEN": "tok"},
        timeout=10,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\0")[:-1]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_curl_examples_run_in_bash_create_nothing_and_send_the_values_verbatim(loaded):
    spec, canary = loaded
    p = payloads(canary)
    words = _fake_curl(curl_example(op(spec, "createItem"), spec), canary)
    assert words[:2] == ["-X", "POST"]
    assert words[words.index("-H") + 1] == "Authorization: Bearer tok"
    trace = next(w for w in words if w.startswith("X-Trace: "))
    assert trace == "X-Trace: " + (p["backtick"] + p["newline"]).replace("\n", " ").strip()
    body = json.loads(words[words.index("--data") + 1])
    assert body == {p["fstring"]: p["newline"], "note": p["history"]}
    form = _fake_curl(curl_example(op(spec, "uploadForm"), spec), canary)
    assert form.count("--form-string") == 2 and "-F" not in form  # curl reads no file
    assert "doc=@/etc/passwd" in form
    assert pwned(canary, Path.cwd()) == []


def test_python_examples_run_against_the_stand_in_create_nothing(loaded):
    from ucop.codegen.runcheck import run_examples

    spec, canary = loaded
    examples = [
        {"operation": o["id"], "python": python_example(o, spec)} for o in spec["operations"]
    ]
    findings = run_examples(examples, spec, timeout_s=20)
    assert [(f["operation"], f["ok"]) for f in findings] == [
        ("uploadForm", True),
        ("createItem", True),
    ], findings
    assert pwned(canary) == []


def test_server_urls_with_other_schemes_fall_back_to_a_placeholder_host(loaded):
    spec, _ = loaded
    for url in ("file:///etc/passwd", "javascript:alert(1)//", "gopher://x"):
        code = curl_example(op(spec, "uploadForm"), {**spec, "servers": [url]})
        assert '"https://api.example.com/form"' in code, code


def test_generate_writes_a_clean_article_from_the_hostile_spec(tmp_path):
    canary = tmp_path / "canary"
    canary.mkdir()
    brief = write_project(tmp_path / "project", hostile_spec(canary))
    out = tmp_path / "out"
    result = run_cli("generate", "-i", brief, "-o", out, "--quiet", "--run-code")
    assert result.exit_code == 0, result.output
    report = json.loads((out / "run.json").read_text())
    article = (out / report["article"]).read_text()
    assert not has_open_fence(article)
    assert markdown_problems(article) == []
    langs = [b["lang"] for b in extract_code_blocks(article)]
    assert "bash" in langs and "python" in langs
    for block in extract_code_blocks(article):
        assert "PWNED-fence" not in block["code"] or block["lang"] == "python"  # a literal
    headings = [line for line in article.splitlines() if line.startswith("#")]
    assert all("```" not in h and "<script" not in h for h in headings)
    assert pwned(canary, out, brief.parent) == []
    refused = [w["message"] for w in report["warnings"] if w["kind"] == "spec_refused"]
    assert refused and all(" left out: " in m for m in refused)  # each names what it left out
    verify = run_cli("verify", out)
    assert "code blocks are safe to run" in verify.output
    assert "✗ code blocks" not in verify.output


def test_a_hostile_swagger_2_spec_is_handled_the_same_way(tmp_path):
    canary = tmp_path
    p = payloads(canary)
    doc = {
        "swagger": "2.0",
        "info": {"title": "Old\n```sh\nid\n```", "version": "1"},
        "host": f"api.example.com{p['shell']}",
        "schemes": ["file"],
        "basePath": "/v1",
        "securityDefinitions": {"k": {"type": "apiKey", "in": "query", "name": "key"}},
        "security": [{"k": []}],
        "paths": {
            "/notes": {
                "post": {
                    "operationId": "addNote",
                    "summary": f"Add{p['fence']}",
                    "consumes": ["application/x-www-form-urlencoded"],
                    "parameters": [
                        {"name": p["fstring"], "in": "formData", "type": "string"},
                        {
                            "name": "text",
                            "in": "formData",
                            "type": "string",
                            "x-example": p["shell"],
                        },
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            },
            "/x/{id}": {"get": _op_v2("bad", {"name": "i\nd", "in": "path", "type": "string"})},
        },
    }
    (tmp_path / "swagger.json").write_text(json.dumps(doc))
    spec = load_openapi(tmp_path / "swagger.json", tmp_path)
    assert [o["id"] for o in spec["operations"]] == ["addNote"]
    assert spec["warnings"][0].startswith("operation bad (GET) left out")
    note = spec["operations"][0]
    python, curl = python_example(note, spec), curl_example(note, spec)
    assert generated_python_problems(python) == [] and shell_problems(curl) == []
    assert 'BASE_URL = "https://api.example.com"' in python  # the file: scheme is not used
    assert "\n" not in note["summary"] and "```" not in spec["title"]
    assert pwned(canary) == []


def _op_v2(op_id, *params):
    return {"operationId": op_id, "parameters": list(params), "responses": {"200": {}}}
