"""The model server's misbehaving modes, argument rejection, model list and Azure route."""

from __future__ import annotations

import json

import httpx
import pytest

from ucop.testing.misbehaviour import check_modes, misbehave
from ucop.testing.model_server import Fault, ModelServer, main

OUTLINE = [{"title": f"Part {n}", "scope": f"Scope {n}."} for n in range(1, 7)]


def _outline_responder(body):
    return json.dumps(OUTLINE)


def _chat(url: str, **extra) -> httpx.Response:
    body = {"model": "m", "messages": [{"role": "user", "content": "plan"}], **extra}
    return httpx.post(url, json=body)


def _content(response: httpx.Response) -> str:
    return response.json()["choices"][0]["message"]["content"]


def test_ignore_format_turns_json_into_prose_and_leaves_prose_alone() -> None:
    prose, _ = misbehave(json.dumps(OUTLINE), ["ignore_format"])
    assert "[" not in prose and "{" not in prose
    assert misbehave("Already prose.", ["ignore_format"]) == ("Already prose.", False)


def test_wrap_json_fences_the_json_inside_chatty_prose() -> None:
    wrapped, cut = misbehave(json.dumps(OUTLINE), ["wrap_json"])
    assert wrapped.startswith("Sure!") and "```json\n" in wrapped and "[1]" in wrapped
    inner = wrapped.split("```json\n", 1)[1].split("```", 1)[0]
    assert json.loads(inner) == OUTLINE and not cut


def test_too_few_keeps_a_third_of_a_list_or_of_the_sections_object() -> None:
    assert len(json.loads(misbehave(json.dumps(OUTLINE), ["too_few"])[0])) == 2
    shaped = json.dumps({"sections": OUTLINE})
    assert len(json.loads(misbehave(shaped, ["too_few"])[0])["sections"]) == 2


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown misbehaviour 'chatty'"):
        check_modes(["too_few", "chatty"])


def test_length_mode_cuts_the_answer_and_says_so_in_each_api() -> None:
    with ModelServer(responder=_outline_responder, misbehave="length") as server:
        openai = httpx.post(
            f"{server.base_url}/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": "x"}]},
        ).json()
        anthropic = httpx.post(
            f"{server.root_url}/v1/messages",
            json={"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
        ).json()
    full = json.dumps(OUTLINE)
    assert openai["choices"][0]["finish_reason"] == "length"
    assert openai["choices"][0]["message"]["content"] == full[: len(full) // 2]
    assert anthropic["stop_reason"] == "max_tokens"


def test_rejects_named_arguments_with_a_400_and_counts_them() -> None:
    with ModelServer(reject=["response_format"]) as server:
        url = f"{server.base_url}/chat/completions"
        refused = _chat(url, response_format={"type": "json_object"})
        accepted = _chat(url)
        counts = server.counts
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "Unrecognized request argument supplied: response_format"
    )
    assert accepted.status_code == 200
    assert counts["openai"] == 2 and counts["rejected"] == 1


def test_models_list_is_configurable_and_may_be_empty() -> None:
    with ModelServer(models=["llama3.2:3b", "qwen2.5:7b"]) as server:
        ids = [m["id"] for m in httpx.get(f"{server.base_url}/models").json()["data"]]
        counts = server.counts
    assert ids == ["llama3.2:3b", "qwen2.5:7b"] and counts["models"] == 1
    with ModelServer(models=[]) as server:
        assert httpx.get(f"{server.root_url}/api/v1/models").json()["data"] == []


@pytest.mark.parametrize("prefix", ["/v1", "/api/v1", "/openai/v1", "/v1beta/openai", ""])
def test_chat_route_matches_any_base_url_path(prefix: str) -> None:
    with ModelServer(responder=lambda body: "hello there") as server:
        response = _chat(f"{server.root_url}{prefix}/chat/completions")
        [record] = server.requests
    assert _content(response) == "hello there"
    assert record.kind == "openai" and record.path == f"{prefix}/chat/completions"


def test_azure_route_needs_api_version_and_a_known_deployment() -> None:
    with ModelServer(api_key="azure-key-123", deployments=["prod-gpt"]) as server:
        base = f"{server.root_url}/openai/deployments"
        good = httpx.post(
            f"{base}/prod-gpt/chat/completions?api-version=2024-10-21",
            json={"messages": [{"role": "user", "content": "hi there"}]},
            headers={"api-key": "azure-key-123"},
        )
        no_version = httpx.post(
            f"{base}/prod-gpt/chat/completions",
            json={"messages": []},
            headers={"api-key": "azure-key-123"},
        )
        unknown = httpx.post(
            f"{base}/other/chat/completions?api-version=2024-10-21",
            json={"messages": []},
            headers={"api-key": "azure-key-123"},
        )
        wrong_key = httpx.post(
            f"{base}/prod-gpt/chat/completions?api-version=2024-10-21",
            json={"messages": []},
            headers={"api-key": "nope"},
        )
        records = server.requests
    assert good.status_code == 200 and good.json()["model"] == "prod-gpt"
    assert no_version.status_code == 404 and "api-version" in no_version.text
    assert unknown.status_code == 404 and "DeploymentNotFound" in unknown.text
    assert wrong_key.status_code == 401
    assert all(r.kind == "azure" and r.has_azure_key for r in records)
    assert all("api-key" not in r.headers for r in records)


def test_forced_anthropic_tool_answers_with_a_tool_use_block() -> None:
    body = {
        "model": "m",
        "max_tokens": 50,
        "messages": [{"role": "user", "content": "x"}],
        "tools": [{"name": "answer", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "tool", "name": "answer"},
    }
    with ModelServer(responder=lambda b: '{"a": "b"}') as server:
        data = httpx.post(f"{server.root_url}/v1/messages", json=body).json()
    assert data["content"] == [
        {"type": "tool_use", "id": "toolu_loopback", "name": "answer", "input": {"a": "b"}}
    ]
    assert data["stop_reason"] == "tool_use"


def test_command_line_rejects_an_unknown_misbehaviour(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--port", "0", "--misbehave", "chatty"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'chatty'" in capsys.readouterr().err


def test_a_responder_may_answer_one_prompt_with_a_fault() -> None:
    def picky(body):
        return Fault.server_error(503) if "fail" in str(body) else "fine, thanks"

    with ModelServer(responder=picky) as server:
        url = f"{server.base_url}/chat/completions"
        failed = httpx.post(url, json={"messages": [{"role": "user", "content": "fail me"}]})
        passed = httpx.post(url, json={"messages": [{"role": "user", "content": "hello"}]})
    assert failed.status_code == 503
    assert _content(passed) == "fine, thanks"
