"""Azure OpenAI: the deployment URL, the api-version and the `api-key` header."""

from __future__ import annotations

import json

import pytest

from tests.helpers import BRIEF, run_cli
from ucop.errors import ConfigError
from ucop.providers.azure import DEFAULT_API_VERSION, AzureOpenAIProvider
from ucop.providers.base import CompletionRequest, Message, ProviderSettings
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

KEY = "azure-test-key-5f3a9c0d2e"


def _settings(
    base_url: str | None, model: str = "prod-gpt", server: ModelServer | None = None, **extra
) -> ProviderSettings:
    """Azure settings; with `server`, its requests reach that server in process."""
    transport = server.transport() if server else None
    return ProviderSettings("azure", model, base_url, api_key=KEY, extra=extra, transport=transport)


def test_requests_go_to_the_deployment_with_version_and_api_key() -> None:
    with ModelServer(api_key=KEY, deployments=["prod-gpt"]) as server:
        with AzureOpenAIProvider(_settings(server.root_url, server=server)) as provider:
            completion = provider.complete(
                CompletionRequest(messages=(Message("user", "hello azure"),), max_tokens=50)
            )
        [record] = server.requests
    assert record.path == (
        f"/openai/deployments/prod-gpt/chat/completions?api-version={DEFAULT_API_VERSION}"
    )
    assert record.kind == "azure" and record.has_azure_key and not record.has_authorization
    assert "model" not in record.body and record.body["max_tokens"] == 50
    assert completion.model == "prod-gpt" and completion.text


def test_api_version_setting_and_endpoint_with_openai_suffix() -> None:
    with ModelServer(api_key=KEY) as server:
        settings = _settings(
            server.root_url + "/openai/", server=server, api_version="2025-01-01-preview"
        )
        with AzureOpenAIProvider(settings) as provider:
            provider.complete(CompletionRequest(messages=(Message("user", "x"),)))
        [record] = server.requests
    assert record.path.endswith(
        "/openai/deployments/prod-gpt/chat/completions?api-version=2025-01-01-preview"
    )
    assert record.path.startswith("/openai/deployments/")


@pytest.mark.parametrize(
    ("base_url", "model", "expected"),
    [(None, "prod-gpt", "AZURE_OPENAI_ENDPOINT"), ("https://r.openai.azure.com", "", "--model")],
)
def test_missing_endpoint_or_deployment_is_a_config_error(base_url, model, expected) -> None:
    with pytest.raises(ConfigError, match=expected):
        AzureOpenAIProvider(_settings(base_url, model))


def test_generate_with_provider_azure_end_to_end(tmp_path, monkeypatch) -> None:
    out = tmp_path / "out"
    with ModelServer(responder=article_responder, api_key=KEY, deployments=["writer"]) as server:
        monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", server.root_url)
        monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_API_VERSION", "2024-10-21")
        result = run_cli(
            "generate", "-i", BRIEF, "-o", out, "--provider", "azure", "--model", "writer", "-q"
        )
        counts = server.counts
        paths = {r.path for r in server.requests}
    assert result.exit_code == 0, result.stderr
    assert counts["azure"] == 8 and counts["rejected"] == 0
    assert paths == {"/openai/deployments/writer/chat/completions?api-version=2024-10-21"}
    report = json.loads((out / "run.json").read_text())
    assert report["status"] == "ok" and report["provider"] == "azure"
    assert KEY not in result.stderr + (out / "run.json").read_text()


def test_generate_with_azure_and_no_endpoint_exits_2(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    result = run_cli(
        "generate", "-i", BRIEF, "-o", tmp_path / "o", "--provider", "azure", "--model", "x"
    )
    assert result.exit_code == 2
    assert "AZURE_OPENAI_ENDPOINT" in result.stderr and KEY not in result.stderr
    assert not (tmp_path / "o").exists()
