"""Shared fixtures: every test runs with an isolated home and no provider keys."""

from __future__ import annotations

import pytest

PROVIDER_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "OPENAI_API_VERSION",
    "UCOP_CONFIG",
    "UCOP_PROVIDER",
    "UCOP_MODEL",
    "UCOP_DEBUG",
    "UCOP_MAX_PARALLEL",
)


@pytest.fixture(autouse=True)
def _isolate_environment(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
