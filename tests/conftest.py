"""Shared fixtures: every test runs with an isolated home and no provider keys."""

from __future__ import annotations

import signal

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
    "UCOP_VERIFY_LATENCY_S",
    "UCOP_DATA_DIR",
    "UCOP_CACHE_DIR",
)


@pytest.fixture(autouse=True)
def _isolate_environment(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))  # the run history
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    # verify's synthetic run at 0.03 s per simulated call instead of 0.08 s: the same checks
    # (exactly once, agents overlapping), about a second less per `ucop verify` in the suite
    monkeypatch.setenv("UCOP_VERIFY_LATENCY_S", "0.03")


@pytest.fixture(autouse=True)
def _default_sigint():
    """Ctrl-C behaves as in a terminal, however pytest was started.

    A shell starts background jobs (`pytest &`, some CI runners and editors) with SIGINT
    ignored, and ignored signals stay ignored in child processes: the Ctrl-C tests would then
    wait for an interrupt that never comes. Python's own handler, for the test and its children.
    """
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
