"""A provider's own settings live under `provider.options`, checked by the provider's spec."""

from __future__ import annotations

import importlib.util

import pytest

from tests.helpers import BRIEF, ROOT, run_cli
from ucop import providers

PLUGIN = ROOT / "examples" / "plugins" / "ucop-stamp" / "ucop_stamp.py"


@pytest.fixture
def stamp():
    """The example plugin's provider, registered through the real registry."""
    spec = importlib.util.spec_from_file_location("ucop_stamp_example", PLUGIN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    providers.register(module.SPEC)
    yield module
    providers.PROVIDERS.pop("stamp")


def config(tmp_path, options: str) -> str:
    path = tmp_path / "main.yaml"
    path.write_text(f"provider:\n  name: {options}\n")
    return str(path)


def generate(tmp_path, *extra, env=None):
    return run_cli("generate", "-i", BRIEF, "-o", tmp_path / "out", "-q", *extra, env=env)


def test_a_configured_option_reaches_the_provider(tmp_path, stamp):
    cfg = config(tmp_path, "stamp\n  options:\n    stamp: '*Drafted by the docs team.*'")
    result = generate(tmp_path, "--config", cfg)
    assert result.exit_code == 0, result.stderr
    assert "*Drafted by the docs team.*" in (tmp_path / result.stdout.strip()).read_text()


def test_the_options_environment_variable_sets_it_without_a_crash(tmp_path, stamp):
    result = generate(tmp_path, "--provider", "stamp", env={"UCOP_STAMP_TEXT": "*From env.*"})
    assert result.exit_code == 0, result.stderr
    assert "*From env.*" in (tmp_path / result.stdout.strip()).read_text()


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ("colour: red", "provider.options.colour: unknown option for provider stamp"),
        ("stamp: ''", "provider.options.stamp: String should have at least 1 character"),
    ],
)
def test_an_unknown_or_invalid_option_is_exit_2_naming_it(tmp_path, stamp, options, said):
    result = generate(tmp_path, "--config", config(tmp_path, f"stamp\n  options:\n    {options}"))
    assert result.exit_code == 2
    assert said in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_provider_without_options_refuses_them(tmp_path):
    result = generate(tmp_path, "--config", config(tmp_path, "offline\n  options:\n    x: 1"))
    assert result.exit_code == 2
    assert "provider.options.x: unknown option - provider offline takes none" in result.stderr
