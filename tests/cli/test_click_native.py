"""The CLI speaks Click: registry names in -h and completion, env vars shown, ranges refused."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import BRIEF, ROOT, run_cli
from ucop import providers
from ucop.article import sites
from ucop.providers.base import ProviderSpec


@pytest.fixture
def a_plugin_provider_and_site():
    providers.register(ProviderSpec(name="stamped", create=lambda settings: None))
    sites.register(sites.SiteProfile("ghostly"))
    yield
    providers.PROVIDERS.pop("stamped")
    sites.SITES.pop("ghostly")


def test_help_lists_the_registries_names_plugins_included(a_plugin_provider_and_site):
    for command in ("generate", "batch"):
        text = " ".join(run_cli(command, "-h").stdout.split())
        assert "anthropic, azure, offline, openai, stamped" in text, command
        assert "ghostly" in text and "{choices}" not in text
    assert "threads, processes, dask" in " ".join(run_cli("batch", "-h").stdout.split())


def test_help_shows_the_environment_variables():
    text = " ".join(run_cli("generate", "-h").stdout.split())
    for name in ("UCOP_CONFIG", "UCOP_PROVIDER", "UCOP_MODEL", "UCOP_TIMEOUT", "UCOP_MAX_COST"):
        assert f"env var: {name}" in text, name


def test_shell_completion_offers_the_registered_names():
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "_UCOP_COMPLETE": "complete_bash",
        "COMP_WORDS": "ucop generate --provider o",
        "COMP_CWORD": "3",
    }
    done = subprocess.run(
        [sys.executable, "-c", "from ucop.cli import app; app(prog_name='ucop')"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.split() == ["offline", "openai"]


def test_a_negative_bench_latency_is_refused():
    result = run_cli("bench", "-i", BRIEF, "--latency", "-1")
    assert result.exit_code == 2
    assert "--latency" in result.output


def test_config_is_a_file_path(tmp_path):
    result = run_cli("plan", "-i", BRIEF, "--config", tmp_path)  # a folder
    assert result.exit_code == 2 and "--config" in result.output
