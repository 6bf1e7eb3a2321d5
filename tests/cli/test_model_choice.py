"""With a custom base URL and no --model, ucop uses the only model the server lists."""

from __future__ import annotations

import json
import socket

from tests.helpers import generate_over
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder


def test_the_only_model_of_a_local_server_is_picked_up(tmp_path) -> None:
    out = tmp_path / "out"
    with ModelServer(responder=article_responder, models=["llama3.2:3b"]) as server:
        result = generate_over(server.base_url, out, "--progress", "plain")
        chats = [r for r in server.requests if r.kind == "openai"]
        counts = server.counts
    assert result.exit_code == 0, result.stderr
    assert counts["models"] == 1 and len(chats) == 8
    assert {r.body["model"] for r in chats} == {"llama3.2:3b"}
    assert "the server's model list" in result.stderr
    assert json.loads((out / "run.json").read_text())["model"] == "llama3.2:3b"


def test_several_models_stop_with_exit_2_and_their_names(tmp_path) -> None:
    with ModelServer(models=["llama3.2:3b", "qwen2.5:7b"]) as server:
        result = generate_over(server.base_url, tmp_path / "o", "-q")
        counts = server.counts
    assert result.exit_code == 2
    assert "llama3.2:3b, qwen2.5:7b" in result.stderr and "--model" in result.stderr
    assert counts["openai"] == 0
    assert not (tmp_path / "o").exists()


def test_no_models_listed_is_a_clear_error(tmp_path) -> None:
    with ModelServer(models=[]) as server:
        result = generate_over(server.base_url, tmp_path / "o", "-q")
    assert result.exit_code == 2
    assert "lists no models" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_server_is_a_clear_error(tmp_path) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = generate_over(f"http://127.0.0.1:{port}/v1", tmp_path / "o", "-q")
    assert result.exit_code == 2
    assert "unreachable" in result.stderr and "--model" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_given_model_skips_the_list(tmp_path) -> None:
    with ModelServer(responder=article_responder, models=["a", "b"]) as server:
        result = generate_over(server.base_url, tmp_path / "o", "--model", "b", "-q")
        counts = server.counts
    assert result.exit_code == 0, result.stderr
    assert counts["models"] == 0
