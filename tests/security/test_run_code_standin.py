"""`--run-code` runs examples against a stand-in of the spec on 127.0.0.1, never the real API.

Covers: the spec's real server (a loopback recorder here) receives nothing; the stand-in
validates method, path, required query parameters, headers, credentials and body and
answers from the spec's examples; an example the stand-in refuses fails its run-check (and
so `code_validation`); the child sees placeholders, never the user's keys or tokens.
"""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import yaml

from tests.helpers import run_cli
from tests.security.hostile import LUMEN
from ucop.codegen import python_example
from ucop.codegen.runcheck import PLACEHOLDER, example_env, pointed_at, run_examples
from ucop.codegen.standin import SpecStandIn
from ucop.sources import load_openapi

SPEC = load_openapi(LUMEN / "openapi.yaml", LUMEN)


@pytest.fixture
def real_api():
    """Stands for the API's real server: it must never be called."""
    hits: list[str] = []

    class Record(BaseHTTPRequestHandler):
        def _any(self) -> None:
            hits.append(f"{self.command} {self.path}")
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        do_GET = do_POST = do_PATCH = do_DELETE = _any

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Record)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", hits
    server.shutdown()
    server.server_close()


def test_run_code_never_calls_the_real_server(tmp_path, real_api, monkeypatch):
    url, hits = real_api
    monkeypatch.setenv("LUMEN_API_TOKEN", "lmn_live_the_users_real_token")
    project = tmp_path / "lumen"
    shutil.copytree(LUMEN, project)
    spec = yaml.safe_load((project / "openapi.yaml").read_text())
    spec["servers"] = [{"url": url}]
    (project / "openapi.yaml").write_text(yaml.safe_dump(spec))
    out = tmp_path / "out"
    result = run_cli("generate", "-i", project / "brief.md", "-o", out, "--run-code", "--quiet")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "run.json").read_text())["status"] == "ok"
    assert hits == []


def test_the_stand_in_answers_from_the_spec_and_refuses_what_it_does_not_describe():
    with SpecStandIn(SPEC) as stand_in:
        auth = {"Authorization": "Bearer x"}
        ok = httpx.get(f"{stand_in.url}/tasks/tsk_1", headers=auth)
        wrong_path = httpx.get(f"{stand_in.url}/nothing", headers=auth)
        wrong_method = httpx.put(f"{stand_in.url}/tasks", headers=auth)
        no_query = httpx.get(f"{stand_in.url}/tasks/search", headers=auth)
        no_auth = httpx.get(f"{stand_in.url}/tasks/tsk_1")
        no_body = httpx.post(f"{stand_in.url}/tasks", headers=auth)
    task = next(o for o in SPEC["operations"] if o["id"] == "getTask")
    assert (ok.status_code, ok.json()) == (200, task["responses"][0]["example"])
    assert [r.status_code for r in (wrong_path, wrong_method, no_query, no_auth, no_body)] == [
        404,
        405,
        400,
        400,
        400,
    ]
    assert no_query.json() == {"error": "missing required query parameter q"}
    assert no_auth.json()["error"].startswith("missing credentials")
    assert [s.status for s in stand_in.served] == [200, 404, 405, 400, 400, 400]


def test_an_example_the_stand_in_refuses_fails_its_run_check():
    search = next(o for o in SPEC["operations"] if o["id"] == "searchTasks")
    broken = python_example(search, SPEC).replace('"q": "release notes", ', "")
    good = python_example(search, SPEC)
    findings = run_examples(
        [{"operation": "searchTasks", "python": good}, {"operation": "x", "python": broken}],
        SPEC,
    )
    assert [(f["ok"], f["check"], f["block"]) for f in findings] == [
        (True, "run", 0),
        (False, "run", 2),
    ]
    assert "missing required query parameter q" in findings[1]["message"]


def test_the_example_sees_placeholders_not_the_users_credentials(monkeypatch):
    monkeypatch.setenv("LUMEN_API_TOKEN", "lmn_live_the_users_real_token")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-the-users-model-key-123456")
    code = python_example(SPEC["operations"][0], SPEC)
    assert example_env(code) == {"LUMEN_API_TOKEN": PLACEHOLDER}
    local = pointed_at(code, "http://127.0.0.1:9")
    assert local is not None and 'BASE_URL = "http://127.0.0.1:9"' in local
    assert local.replace('"http://127.0.0.1:9"', '"https://api.lumentasks.example/v1"') == code
