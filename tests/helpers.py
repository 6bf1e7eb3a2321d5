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


def overlap(intervals: list[tuple[float, float]]) -> float:
    """How many intervals were open on average while any was: their total length ÷ their union.

    1.0 when none overlap (a sequential run), up to N when N always run together. Measured on
    the run's own timestamps (the server's request times, the timeline's bars), it shows the
    parallelism without comparing two wall clocks: a loaded machine stretches the gaps between
    intervals, which the union leaves out, not the overlap.
    """
    total = union = 0.0
    open_start = open_end = None
    for start, end in sorted(intervals):
        total += end - start
        if open_end is None or start > open_end:
            if open_end is not None and open_start is not None:
                union += open_end - open_start
            open_start, open_end = start, end
        else:
            open_end = max(open_end, end)
    if open_end is not None and open_start is not None:
        union += open_end - open_start
    return total / union if union > 0 else 1.0
