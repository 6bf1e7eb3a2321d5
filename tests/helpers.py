"""Shared test helpers: the bundled example, a copy of it, and running the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from ucop.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "lumen"
BRIEF = EXAMPLE / "brief.md"


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
