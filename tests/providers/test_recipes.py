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
from ucop.providers.retry import call_with_retries
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
    "llama-cpp-python": "/v1",
    "LM Studio": "/v1",
    "OpenRouter": "/api/v1",
    "Groq": "/openai/v1",
    "Gemini (OpenAI-compatible)": "/v1beta/openai/",
    "Mistral": "/v1",
}
# recipe -> the loopback persona that refuses forms as it does, the status of its refusals,
# and the structured-output forms it refuses before the one it takes
PERSONA = {
    "OpenAI": ("openai", None, [], "json_schema"),
    "Ollama": ("ollama", None, [], "json_schema"),
    "vLLM": ("vllm", None, [], "json_schema"),
    "llama.cpp server": ("llama-server", None, [], "json_schema"),
    "llama-cpp-python": ("llama-cpp-python", 500, ["json_schema"], "json_object_schema"),
    "LM Studio": ("lm-studio", None, [], "json_schema"),
    "OpenRouter": ("openai", None, [], "json_schema"),
    "Groq": ("groq", 400, ["json_schema", "json_object_schema"], "json_object"),
    "Gemini (OpenAI-compatible)": ("gemini", None, [], "json_schema"),
    "Mistral": ("mistral", 422, ["json_schema", "json_object_schema"], "json_object"),
}


def _ask() -> CompletionRequest:
    return CompletionRequest(
        messages=(Message("user", "Answer with JSON."),), task="t", schema=SCHEMA, max_tokens=99
    )


@pytest.mark.parametrize(("recipe", "path"), OPENAI_COMPATIBLE.items())
def test_openai_compatible_recipe(recipe: str, path: str) -> None:
    with ModelServer(responder=lambda body: '{"a": "b"}', models=["the-model"]) as server:
        base_url = server.root_url + path
        settings = ProviderSettings(
            "openai", "the-model", base_url, api_key=KEY, transport=server.transport()
        )
        with OpenAIProvider(settings) as provider:
            completion = provider.complete(_ask())
        models = list_models(base_url, KEY, transport=server.transport())
        chat, listing = server.requests
    prefix = path.rstrip("/")
    assert chat.path == f"{prefix}/chat/completions" and listing.path == f"{prefix}/models"
    assert chat.has_authorization
    assert chat.body["max_tokens"] == 99  # compatible servers get max_tokens
    assert chat.body["response_format"]["type"] == "json_schema"
    assert json.loads(completion.text) == {"a": "b"} and models == ["the-model"]


@pytest.mark.parametrize("recipe", PERSONA)
def test_each_recipe_server_says_no_its_own_way_and_the_form_steps_down_once(recipe: str) -> None:
    persona, status, refused, accepted = PERSONA[recipe]
    path = OPENAI_COMPATIBLE[recipe]
    with ModelServer(responder=lambda body: '{"a": "b"}', persona=persona) as server:
        settings = ProviderSettings(
            "openai", "the-model", server.root_url + path, KEY, transport=server.transport()
        )
        with OpenAIProvider(settings) as provider:
            answers = [json.loads(provider.complete(_ask()).text) for _ in range(3)]
            structured = provider.structured.as_dict()
        records = server.requests
    assert answers == [{"a": "b"}] * 3
    assert structured == {"accepted": accepted, "refused": refused}
    # each refused form costs one request, once per run; no retry of the same form
    assert len(records) == 3 + len(refused)
    assert sum(r.rejected for r in records) == len(refused)
    asked = [r.body["response_format"] for r in records]
    kinds = [
        f["type"] + ("_schema" if "schema" in f and f["type"] == "json_object" else "")
        for f in asked
    ]
    assert kinds == [*refused, accepted, accepted, accepted]
    if status is not None:
        assert all(r.rejected for r in records[: len(refused)])


def test_llama_cpp_python_500_is_stepped_down_without_the_retry_backoff() -> None:
    """The 500 names the form: the provider asks again at once with JSON mode and the schema."""
    with ModelServer(responder=lambda body: '{"a": "b"}', persona="llama-cpp-python") as server:
        settings = ProviderSettings("openai", "m", server.base_url, transport=server.transport())
        with OpenAIProvider(settings) as provider:
            completion, attempts = call_with_retries(provider, _ask(), sleep=_no_sleep)
        first, second = server.requests
    assert attempts == 1 and json.loads(completion.text) == {"a": "b"}
    assert first.body["response_format"]["type"] == "json_schema"
    assert second.body["response_format"] == {"type": "json_object", "schema": SCHEMA}


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"the step down must not wait (asked to sleep {seconds}s)")


def test_anthropic_recipe() -> None:
    with ModelServer(responder=lambda body: '{"a": "b"}', api_key=KEY) as server:
        settings = ProviderSettings(
            "anthropic",
            "claude-3-5-haiku-latest",
            server.root_url,
            KEY,
            transport=server.transport(),
        )
        with AnthropicProvider(settings) as provider:
            completion = provider.complete(_ask())
        [record] = server.requests
    assert record.path == "/v1/messages" and record.has_api_key
    assert record.headers["anthropic-version"] == "2023-06-01"
    assert json.loads(completion.text) == {"a": "b"}


def test_azure_recipe() -> None:
    with ModelServer(responder=lambda body: '{"a": "b"}', api_key=KEY) as server:
        settings = ProviderSettings(
            "azure", "my-deployment", server.root_url, KEY, transport=server.transport()
        )
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
