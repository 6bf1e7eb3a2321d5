"""Shared fixtures: every test runs with an isolated home and no provider keys."""

from __future__ import annotations

import os
import signal

import pytest

try:  # property tests: the same examples on every run (CI must not fail on a new draw);
    # `UCOP_HYPOTHESIS=explore pytest tests/codegen` searches new ones
    from hypothesis import settings

    settings.register_profile("fixed", derandomize=True, print_blob=True)
    settings.register_profile("explore", print_blob=True)
    settings.load_profile(os.environ.get("UCOP_HYPOTHESIS", "fixed"))
except ImportError:  # pragma: no cover - hypothesis is in the test extra
    pass

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


@pytest.fixture(autouse=True, scope="session")
def _isolate_session(tmp_path_factory):
    """The same isolation for module- and session-scoped fixtures, which are set up before the
    per-test one below: a corpus fixture must not build its index in the user's real cache
    (and then trust an index that an older checkout built there)."""
    home = tmp_path_factory.mktemp("session-home")
    saved = {k: os.environ.get(k) for k in (*HOME_ENV, *PROVIDER_ENV)}
    os.environ.update(_home_env(home))
    for name in PROVIDER_ENV:
        os.environ.pop(name, None)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


HOME_ENV = ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")


def _home_env(home) -> dict[str, str]:
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),  # the run history
    }


@pytest.fixture(autouse=True)
def _isolate_environment(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    for name, value in _home_env(home).items():
        monkeypatch.setenv(name, value)
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
