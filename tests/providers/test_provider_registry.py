"""The provider registry: built-ins and plugins register the same way; imports stay lazy."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import ucop.providers as registry
from ucop.errors import ConfigError
from ucop.providers import PROVIDERS, available, create_provider, register
from ucop.providers.base import Completion, CompletionRequest, ProviderSettings
from ucop.providers.limiter import PacedProvider
from ucop.providers.openai import OpenAIProvider

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def restored_registry() -> Iterator[None]:
    saved = dict(PROVIDERS)
    yield
    PROVIDERS.clear()
    PROVIDERS.update(saved)


class EchoProvider:
    name = "echo"

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    def complete(self, request: CompletionRequest) -> Completion:
        return Completion(text=request.messages[-1].content, model=self.settings.model)


def test_builtins_are_listed() -> None:
    assert {"openai", "anthropic", "offline"} <= set(available())
    assert available() == sorted(available())


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        create_provider(ProviderSettings(name="gpt-nine"))
    message = str(caught.value)
    assert "'gpt-nine'" in message
    for name in ("anthropic", "offline", "openai"):
        assert name in message


def test_a_plugin_registers_like_a_builtin(restored_registry) -> None:
    register("echo", EchoProvider)
    provider = create_provider(ProviderSettings(name="echo", model="parrot"))
    assert isinstance(provider, EchoProvider)
    assert provider.settings.model == "parrot"
    assert "echo" in available()


def test_create_openai_through_the_registry(model_server, api_key, request_for) -> None:
    settings = ProviderSettings(
        name="openai", model="m", base_url=model_server.base_url, api_key=api_key
    )
    provider = create_provider(settings)
    assert isinstance(provider, OpenAIProvider)
    with provider:
        assert provider.complete(request_for()).text


def test_offline_is_created_through_its_module_factory() -> None:
    provider = create_provider(ProviderSettings(name="offline"))
    assert provider.name == "offline"


def test_capped_is_re_exported() -> None:
    echo = EchoProvider(ProviderSettings(name="echo"))
    assert isinstance(registry.capped(echo, 2), PacedProvider)


def test_importing_the_registry_does_not_import_httpx_or_providers() -> None:
    probe = (
        "import sys, ucop.providers\n"
        "heavy = ['httpx', 'tenacity', 'ucop.providers.openai', 'ucop.providers.anthropic']\n"
        "print(','.join(name for name in heavy if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert result.stdout.strip() == ""


def test_a_new_provider_is_one_spec_that_config_pipeline_and_verify_read(
    restored_registry, tmp_path, request_for
) -> None:
    from tests.helpers import BRIEF
    from ucop.providers.base import ProviderSpec
    from ucop.run.prepare import prepare
    from ucop.run.services import make_services, provider_settings
    from ucop.verify import installation_checks

    register(
        ProviderSpec(
            name="echo",
            create=EchoProvider,
            default_model="parrot",
            key_env="ECHO_API_KEY",
            base_url_env="ECHO_BASE_URL",
        )
    )
    env = {
        "ECHO_API_KEY": "sk-echo-secret",
        "ECHO_BASE_URL": "http://127.0.0.1:9/v1",
        "UCOP_VERIFY_LATENCY_S": "0.03",  # as the suite's other verify runs
    }
    job = prepare(BRIEF, tmp_path / "out", flags={"provider": "echo"}, env=env)
    assert job.model == "parrot"
    assert job.settings.config.provider.base_url == "http://127.0.0.1:9/v1"
    assert job.settings.origin("provider.base_url") == "environment ECHO_BASE_URL"
    used = {row[0]: row[1:] for row in job.used}
    assert used["api key"] == ("set", "environment ECHO_API_KEY")
    settings = provider_settings(job.settings, job.env)
    assert (settings.name, settings.model, settings.api_key) == ("echo", "parrot", "sk-echo-secret")
    answer = make_services(job).provider.complete(request_for())
    assert answer.model == "parrot"
    checks = {c.name: c for c in installation_checks(None, {"provider": "echo"}, env)}
    assert checks["provider is configured"].detail == "echo (key from ECHO_API_KEY)"


def test_plugins_command_lists_the_builtins_with_their_package() -> None:
    import json

    from tests.helpers import run_cli

    result = run_cli("plugins", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)["plugins"]
    groups = [r["group"] for r in rows]
    order = ["ucop.providers", "ucop.sources", "ucop.sites", "ucop.agents", "ucop.executors"]
    assert groups == sorted(groups, key=order.index)
    builtin = {(r["group"], r["name"]) for r in rows if r["package"] == "ucop"}
    assert ("ucop.providers", "offline") in builtin and ("ucop.sites", "jekyll") in builtin
    assert ("ucop.executors", "dask-processes") in builtin
    assert all(r["status"] == "ok" for r in rows if r["package"] == "ucop")
    text = run_cli("plugins").stdout
    assert text.splitlines()[0] == "providers"
    assert any(
        line.split() == ["offline", "ucop", rows[0]["version"]] for line in text.splitlines()
    )
