"""Shared test helpers: the bundled example, a copy of it, and running the CLI."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from ucop.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "lumen"
BRIEF = EXAMPLE / "brief.md"
# The foreign test material (`../shared/corpus`), beside the repository or beside the folder of
# its worktrees; tests that use it skip when it is absent.
CORPUS = next(
    (p / "shared" / "corpus" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared").is_dir()),
    ROOT.parent / "shared" / "corpus",
)


def copy_example(tmp_path: Path) -> Path:
    """A private copy of the bundled example; returns the brief's path."""
    target = tmp_path / "example"
    shutil.copytree(EXAMPLE, target)
    return target / "brief.md"


def run_cli(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)


def generate_over(base_url: str, out: Path, *extra, brief: Path = BRIEF):
    """`ucop generate` against an OpenAI-compatible server at `base_url` (e.g. the loopback one)."""
    return run_cli(
        "generate", "-i", brief, "-o", out, "--provider", "openai", "--base-url", base_url, *extra
    )


def generate_process(brief: Path, out: Path, base_url: str, *extra: str, model: str = "loopback"):
    """The argv of `python -m ucop generate` against an OpenAI-compatible server at `base_url`.

    For tests that need a real process: signals, the output lock, kill -9 and resume.
    """
    return [
        sys.executable,
        "-m",
        "ucop",
        "generate",
        "-i",
        str(brief),
        "-o",
        str(out),
        "--provider",
        "openai",
        "--base-url",
        base_url,
        "--model",
        model,
        *extra,
    ]


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll `predicate` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("timed out waiting")
