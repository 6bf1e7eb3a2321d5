"""`ucop generate` through real HTTP to a loopback OpenAI- or Anthropic-style server."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import BRIEF, generate_over, run_cli
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

KEY = "sk-test-1234567890abcdefSECRET"


@pytest.fixture
def server():
    with ModelServer(latency_s=0.02, responder=article_responder) as srv:
        yield srv


def _files_text(folder):
    return {p.name: p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file()}


def test_openai_compatible_server_writes_the_article_from_its_answers(tmp_path, server):
    out = tmp_path / "out"
    result = generate_over(
        server.base_url,
        out,
        "--model",
        "test-model",
        "--quiet",
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads((out / "run.json").read_text())
    body = (out / report["article"]).read_text()
    # the prose is the server's: its marker phrase appears once per written part
    assert body.count("This part covers") == 1 + 4 + 1  # intro, 4 sections, conclusion
    assert "Verify webhook signatures" in body
    # 1 outline + 1 intro + 4 sections + 1 conclusion + 1 code explanations
    assert server.count == 8
    models = {r.body["model"] for r in server.requests}
    assert models == {"test-model"}
    assert all(r.path == "/v1/chat/completions" for r in server.requests)
    assert sum(a["tokens_out"] for a in report["agents"]) > 0
    assert "Written by the offline writer" not in result.stderr


def test_anthropic_messages_api_path(tmp_path, server, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    result = run_cli(
        "generate",
        "-i",
        BRIEF,
        "-o",
        out,
        "--provider",
        "anthropic",
        "--base-url",
        server.root_url,
        "--quiet",
    )
    assert result.exit_code == 0, result.stderr
    assert server.count == 8
    assert all(r.path == "/v1/messages" and r.has_api_key for r in server.requests)
    assert "system" in server.requests[0].body
    for name, text in _files_text(out).items():
        assert KEY not in text, name


def test_api_key_never_lands_in_any_file_or_message(tmp_path, server, monkeypatch):
    out = tmp_path / "out"
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    result = generate_over(
        server.base_url,
        out,
        "--progress",
        "plain",
    )
    assert result.exit_code == 0, result.stderr
    assert all(r.has_authorization for r in server.requests)
    assert KEY not in result.stdout + result.stderr
    files = {**_files_text(out), **_files_text(tmp_path / "cache")}
    assert len(files) > 5
    for name, text in files.items():
        assert KEY not in text, name


def test_a_rejected_key_fails_with_the_server_message_and_no_key(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with ModelServer(responder=article_responder, api_key="sk-the-right-one") as srv:
        out = tmp_path / "out"
        result = generate_over(srv.base_url, out, "--model", "test-model", "--quiet")
        assert result.exit_code == 1
        assert srv.count == 1  # a 401 is not retried
    report = json.loads((out / "run.json").read_text())
    outline = next(a for a in report["agents"] if a["name"] == "outline_planner")
    assert outline["status"] == "failed" and "401" in outline["error"]
    assert report["status"] == "failed" and report["article"] is None
    assert KEY not in result.stderr + (out / "run.json").read_text()
    assert not list(out.glob("*.md"))


def test_missing_key_for_the_public_endpoint_is_a_usage_error(tmp_path):
    result = run_cli("generate", "-i", BRIEF, "-o", tmp_path / "o", "--provider", "openai")
    assert result.exit_code == 2
    assert re.search(r"OPENAI_API_KEY", result.stderr)
    assert not (tmp_path / "o").exists()
