"""Generated Python examples really run: executed in the sandbox against a loopback server."""

from __future__ import annotations

import ast
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ucop.codegen import python_example, run_python
from ucop.sources import load_openapi

REPO = Path(__file__).resolve().parents[2]
LUMEN = REPO / "examples" / "lumen"


class _Recorder(BaseHTTPRequestHandler):
    """Answers every request with 200 and a JSON echo of what it received."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else None
        echo = {
            "method": self.command,
            "path": self.path,
            "auth": self.headers.get("Authorization"),
            "body": json.loads(body) if body else None,
        }
        data = json.dumps(echo).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def loopback_spec():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    spec = load_openapi(LUMEN / "openapi.yaml", LUMEN)
    spec["servers"] = [f"http://127.0.0.1:{server.server_address[1]}/v1"]
    yield spec
    server.shutdown()
    server.server_close()


def run_example(spec, op_id):
    op = next(o for o in spec["operations"] if o["id"] == op_id)
    env = {"LUMEN_API_TOKEN": "test-token", "PATH": os.environ.get("PATH", "")}
    result = run_python(python_example(op, spec), env=env, keep={"LUMEN_API_TOKEN"}, timeout_s=20)
    assert result["ok"], result["stderr"]
    return ast.literal_eval(result["stdout"])  # it printed response.json(), a Python literal


def test_list_example_sends_query_and_bearer_token(loopback_spec):
    echo = run_example(loopback_spec, "listTasks")
    assert echo == {
        "method": "GET",
        "path": "/v1/tasks?page_size=25&status=open",
        "auth": "Bearer test-token",
        "body": None,
    }


def test_update_example_sends_json_body(loopback_spec):
    echo = run_example(loopback_spec, "updateTask")
    assert (echo["method"], echo["path"], echo["body"]) == (
        "PATCH",
        "/v1/tasks/tsk_4f8Hq2",
        {"status": "done"},
    )
