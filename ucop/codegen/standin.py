"""The spec served on 127.0.0.1, so `--run-code` never reaches the real API.

`SpecStandIn` answers each request the way the spec describes: it finds the operation by
method and path, checks the required query parameters, headers, credentials and body, and
answers with the success response's example (or a minimal value built from its schema).
Anything the spec does not describe gets a 4xx whose message says why, so a wrong example
fails its run-check. Every request is recorded for the tests and the findings.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ucop.codegen.validate import match_operation
from ucop.sources.samples import example_from_schema

MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Served:
    """One request the stand-in answered."""

    method: str
    path: str
    status: int
    problem: str


class SpecStandIn:
    """A loopback HTTP server that answers from `spec`; a context manager."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.served: list[Served] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> SpecStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple:
        """(status, content type, body bytes) for one request; records it."""
        parts = urlsplit(target)
        op, problem = match_operation(self.spec, method, parts.path)
        if op is not None:
            problem = _request_problem(op, self.spec, parts.query, headers, body)
        status = _problem_status(problem)
        with self._lock:
            self.served.append(Served(method, parts.path, status or 200, problem))
        if problem or op is None:
            return status, "application/json", json.dumps({"error": problem}).encode()
        return _success(op)


def _problem_status(problem: str) -> int:
    if not problem:
        return 0
    if problem.startswith("path"):
        return 404
    return 405 if problem.startswith("method") else 400


def _request_problem(
    op: dict[str, Any], spec: dict[str, Any], query: str, headers: dict[str, str], body: bytes
) -> str:
    sent = parse_qs(query, keep_blank_values=True)
    for param in op["parameters"]:
        if not param["required"]:
            continue
        where, name = param["in"], param["name"]
        if where == "query" and name not in sent:
            return f"missing required query parameter {name}"
        if where == "header" and name.lower() not in headers:
            return f"missing required header {name}"
    request_body = op.get("request_body")
    if request_body and request_body.get("required") and not body:
        return "missing required request body"
    return _credential_problem(op, spec, sent, headers)


def _credential_problem(
    op: dict[str, Any], spec: dict[str, Any], sent: dict[str, Any], headers: dict[str, str]
) -> str:
    schemes = {s["name"]: s for s in spec.get("auth", ())}
    for name in op.get("security", ()):
        scheme = schemes.get(name)
        if scheme is None:
            continue
        param = str(scheme.get("param") or "Authorization")
        present = param in sent if scheme.get("in") == "query" else param.lower() in headers
        if present:
            return ""
    needed = [n for n in op.get("security", ()) if n in schemes]
    return f"missing credentials ({', '.join(needed)})" if needed else ""


def _success(op: dict[str, Any]) -> tuple[int, str, bytes]:
    response = next((r for r in op["responses"] if r["status"].startswith("2")), None)
    if response is None:
        return 200, "application/json", b"{}"
    status = int(response["status"]) if response["status"].isdigit() else 200
    if status in (204, 304):
        return status, "", b""
    example = response["example"]
    if example is None and response.get("schema"):
        example = example_from_schema(response["schema"])
    ctype = str(response.get("content_type") or "application/json")
    if "json" in ctype:
        return status, ctype, json.dumps(example if example is not None else {}).encode()
    return status, ctype, str(example if example is not None else "").encode()


def _handler(owner: SpecStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, ctype, data = owner.answer(self.command, self.path, headers, body)
            self.send_response(status)
            if ctype:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler
