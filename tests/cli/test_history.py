"""`ucop logs` reads the run history (SQLite, user data folder); `ucop models` the server's."""

from __future__ import annotations

import json

from tests.helpers import BRIEF, generate_over, run_cli
from ucop import history
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

KEY = "sk-test-history-0123456789abcdef"


def logs(*args: str) -> list[dict]:
    result = run_cli("logs", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_history_lists_the_runs_just_made_with_model_tokens_and_status(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    assert logs() == []
    with ModelServer(responder=article_responder, api_key=KEY) as server:
        made = generate_over(server.base_url, tmp_path / "a", "--model", "model-server", "-q")
        assert made.exit_code == 0, made.stderr
    assert run_cli("generate", "-i", BRIEF, "-o", tmp_path / "b", "-q").exit_code == 0
    runs = logs()
    assert [(r["provider"], r["model"], r["status"]) for r in runs] == [
        ("offline", "extractive-v1", "ok"),
        ("openai", "model-server", "ok"),
    ]
    online = runs[1]
    assert online["tokens_in"] > 0 and online["tokens_out"] > 0 and online["wall_s"] > 0
    assert online["output"] == made.stdout.strip()
    assert online["brief"] == str(BRIEF.resolve())
    assert online["started"] <= online["ended"] and online["started"].endswith("+00:00")
    assert len(online["calls"]) == server.count  # one row per model call
    assert sum(c["tokens_out"] for c in online["calls"]) == online["tokens_out"]
    assert runs[0]["calls"] == []  # the offline writer called no model
    assert [r["model"] for r in logs("-m", "model-server")] == ["model-server"]
    assert len(logs("-n", "1")) == 1
    stored = history.history_path()
    assert str(stored).startswith(str(tmp_path.parent)) or "home" in str(stored)
    assert KEY.encode() not in stored.read_bytes()


def test_logs_prints_a_table_and_refuses_a_bad_count(tmp_path):
    assert run_cli("generate", "-i", BRIEF, "-o", tmp_path / "a", "-q").exit_code == 0
    table = run_cli("logs")
    assert table.exit_code == 0 and "extractive-v1" in table.stdout and "ok" in table.stdout
    bad = run_cli("logs", "-n", "0")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1


def test_models_lists_what_the_server_offers():
    with ModelServer(models=("llama3", "qwen2")) as server:
        result = run_cli("models", "--provider", "openai", "--base-url", server.base_url)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == ["llama3", "qwen2"]


def test_models_with_the_offline_writer_is_a_usage_error():
    result = run_cli("models")
    assert result.exit_code == 2 and "--provider" in result.stderr


def test_each_article_of_a_batch_is_logged(tmp_path):
    import shutil

    from tests.helpers import EXAMPLE

    briefs = tmp_path / "briefs"
    shutil.copytree(EXAMPLE, briefs)
    shutil.copy(briefs / "brief.md", briefs / "second.md")
    result = run_cli("batch", briefs, "-o", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.stderr
    runs = logs()
    assert [r["command"] for r in runs] == ["batch", "batch"]
    assert sorted(r["output"] for r in runs) == sorted(result.stdout.split())
