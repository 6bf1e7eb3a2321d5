"""The README's provider recipes, each spoken against the loopback server.

Each hosted or local service is played by the loopback server at the same base-URL path
shape; the test checks where requests land, which headers and token parameter they carry,
and that the model list is found where the recipe says.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ucop.providers.anthropic import AnthropicProvider
from ucop.providers.azure import AzureOpenAIProvider
from ucop.providers.base import CompletionRequest, Message, ProviderSettings
from ucop.providers.models import list_models
from ucop.providers.openai import OpenAIProvider
from ucop.testing.model_server import ModelServer

README = Path(__file__).resolve().parents[2] / "README.md"
KEY = "sk-test-recipe-0123456789abcdef"
SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}

# recipe -> the path of its base URL (the host is the loopback server's)
OPENAI_COMPATIBLE = {
    "OpenAI": "/v1",
    "Ollama": "/v1",
    "vLLM": "/v1",
    "llama.cpp server": "/v1",
    "LM Studio": "/v1",
    "OpenRouter": "/api/v1",
    "Groq": "/openai/v1",
    "Gemini (OpenAI-compatible)": "/v1beta/openai/",
    "Mistral": "/v1",
}


def _ask() -> CompletionRequest:
    return CompletionRequest(
        messages=(Message("user", "Answer with JSON."),), task="t", schema=SCHEMA, max_tokens=99
    )


@pytest.mark.parametrize(("recipe", "path"), OPENAI_COMPATIBLE.items())
def test_openai_compatible_recipe(recipe: str, path: str) -> None:
    with ModelServer(responder=lambda body: '{"a": "b"}', models=["the-model"]) as server:
        base_url = server.root_url + path
        settings = ProviderSettings("openai", "the-model", base_url, api_key=KEY)
        with OpenAIProvider(settings) as provider:
            completion = provider.complete(_ask())
        models = list_models(base_url, KEY)
        chat, listing = server.requests
    prefix = path.rstrip("/")
    assert chat.path == f"{prefix}/chat/completions" and listing.path == f"{prefix}/models"
    assert chat.has_authorization
    assert chat.body["max_tokens"] == 99  # compatible servers get max_tokens
    assert chat.body["response_format"]["type"] == "json_schema"
    assert json.loads(completion.text) == {"a": "b"} and models == ["the-model"]


def test_anthropic_recipe() -> None:
    with ModelServer(responder=lambda body: '{"a": "b"}', api_key=KEY) as server:
        settings = ProviderSettings("anthropic", "claude-3-5-haiku-latest", server.root_url, KEY)
        with AnthropicProvider(settings) as provider:
            completion = provider.complete(_ask())
        [record] = server.requests
    assert record.path == "/v1/messages" and record.has_api_key
    assert record.headers["anthropic-version"] == "2023-06-01"
    assert json.loads(completion.text) == {"a": "b"}


def test_azure_recipe() -> None:
    with ModelServer(responder=lambda body: '{"a": "b"}', api_key=KEY) as server:
        settings = ProviderSettings("azure", "my-deployment", server.root_url, KEY)
        with AzureOpenAIProvider(settings) as provider:
            provider.complete(_ask())
        [record] = server.requests
    assert record.kind == "azure" and record.has_azure_key
    assert record.path.startswith("/openai/deployments/my-deployment/chat/completions?")


def test_readme_has_a_row_for_every_recipe() -> None:
    table = README.read_text().split("### Recipes", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    names = [re.sub(r"\*", "", row.split("|")[1]).strip() for row in rows[1:]]
    assert names == ["OpenAI", "Anthropic", "Azure OpenAI", *list(OPENAI_COMPATIBLE)[1:]]
