"""A model server that echoes the keys: no key reaches an answer, the article, the cache or stdout.

The loopback server puts every configured key (the provider's own, and the other
providers' keys from the environment, Azure included) into every answer, inside JSON
strings and prose alike. The keys are redacted on the shared HTTP chat path before any
agent sees the answer; the cache writer and the file writer redact again as a backstop.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import generate_over
from tests.security.hostile import all_text
from ucop.cache import DiskCache
from ucop.files import atomic_write_text
from ucop.providers.anthropic import AnthropicProvider
from ucop.providers.base import CompletionRequest, Message, ProviderSettings
from ucop.providers.openai import OpenAIProvider
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

KEYS = {
    "OPENAI_API_KEY": "sk-echo-openai-0123456789abcdef",
    "ANTHROPIC_API_KEY": "anthropic-echo-key-ABCDEFGHIJ",
    "AZURE_OPENAI_API_KEY": "azureechokey0123456789",
    "LUMEN_API_TOKEN": "lmn_live_echo_token_42",
}


def _leak(value: Any) -> Any:
    if isinstance(value, str):
        return f"{value} (key {' '.join(KEYS.values())})"
    if isinstance(value, list):
        return [_leak(v) for v in value]
    if isinstance(value, dict):
        return {k: _leak(v) for k, v in value.items()}
    return value


def echoing_responder(body: dict) -> str:
    """The usual answers, with every key written into each string of them."""
    answer = article_responder(body)
    try:
        return json.dumps(_leak(json.loads(answer)))
    except ValueError:
        return _leak(answer)


@pytest.fixture
def keys(monkeypatch):
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    return KEYS


def test_generate_writes_no_key_to_the_article_report_cache_or_stdout(tmp_path, keys):
    out = tmp_path / "out"
    with ModelServer(responder=echoing_responder, api_key=keys["OPENAI_API_KEY"]) as server:
        result = generate_over(server.base_url, out, "--model", "m", "--json")
        assert server.count > 0
    assert result.exit_code == 0, result.output
    cache = Path.home() / ".cache" / "ucop"
    written = all_text(out, cache) + result.output
    assert cache.exists() and any(cache.rglob("*.json"))
    for value in keys.values():
        assert value not in written
    article = (out / json.loads((out / "run.json").read_text())["article"]).read_text()
    assert article.count("[redacted]") >= 4  # the answers were used, with the keys cut out


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_the_shared_chat_path_redacts_every_configured_key(keys, provider):
    cls = {"openai": OpenAIProvider, "anthropic": AnthropicProvider}[provider]
    own = keys["OPENAI_API_KEY"] if provider == "openai" else keys["ANTHROPIC_API_KEY"]
    with ModelServer(responder=lambda body: f"here: {' / '.join(KEYS.values())}") as server:
        url = server.base_url if provider == "openai" else server.root_url
        settings = ProviderSettings(name=provider, model="m", base_url=url, api_key=own)
        with cls(settings) as chat:
            answer = chat.complete(CompletionRequest(messages=(Message("user", "hi"),)))
    assert answer.text == "here: " + " / ".join(["[redacted]"] * len(KEYS))


def test_a_key_only_the_provider_holds_is_redacted_too(monkeypatch):
    for name in KEYS:
        monkeypatch.delenv(name, raising=False)
    secret = "key-not-in-the-environment-999"
    with ModelServer(responder=lambda body: f"the key is {secret}") as server:
        settings = ProviderSettings(
            name="openai", model="m", base_url=server.base_url, api_key=secret
        )
        with OpenAIProvider(settings) as chat:
            answer = chat.complete(CompletionRequest(messages=(Message("user", "hi"),)))
    assert answer.text == "the key is [redacted]"


def test_the_cache_and_file_writers_are_a_backstop(tmp_path, keys):
    cache = DiskCache(tmp_path / "cache")
    cache.store(
        "ab" * 8, {"text": f"leak {keys['AZURE_OPENAI_API_KEY']}", keys["LUMEN_API_TOKEN"]: 1}
    )
    stored = all_text(tmp_path / "cache")
    assert keys["AZURE_OPENAI_API_KEY"] not in stored and keys["LUMEN_API_TOKEN"] not in stored
    assert cache.load("ab" * 8) == (True, {"text": "leak [redacted]", "[redacted]": 1})
    atomic_write_text(tmp_path / "a.md", f"x {keys['ANTHROPIC_API_KEY']} y")
    assert (tmp_path / "a.md").read_text() == "x [redacted] y"


def test_unrelated_short_values_are_left_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("FEATURE_TOKEN", "on")  # too short to be a key; redacting it would
    atomic_write_text(tmp_path / "a.md", "turn it on")  # eat ordinary words
    assert (tmp_path / "a.md").read_text() == "turn it on"


def test_which_variables_count_as_secrets():
    from ucop.redaction import configured_secrets

    env = {
        "OPENAI_API_KEY": "sk-aaaaaaaaaa",
        "OPENAI_API_KEY_2": "sk-bbbbbbbbbbbb",
        "AZURE_OPENAI_API_KEY": "azure-cccccc",
        "GITHUB_TOKEN": "ghp_dddddddd",
        "DB_PASSWORD": "eeeeeeeeee",
        "SSH_KEY_PATH": "/home/u/.ssh/id",
        "HOME": "/home/someone",
        "FEATURE_TOKEN": "on",
    }
    assert configured_secrets(env) == (
        "sk-bbbbbbbbbbbb",
        "sk-aaaaaaaaaa",
        "azure-cccccc",
        "ghp_dddddddd",
        "eeeeeeeeee",
    )
