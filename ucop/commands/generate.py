"""`ucop generate`: check everything, run the workflow with a live view, write the results."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ucop.errors import Interrupted


def run_generate(
    brief: Path,
    output: Path,
    *,
    config: str | None,
    flags: Mapping[str, Any],
    force: bool,
    resume: bool,
    progress: str,
    json_out: bool,
    console: Any = None,
) -> int:
    """Returns the exit code: 0 ok, 1 partial or failed (130 comes as `Interrupted`)."""
    from rich.console import Console

    from ucop.pipeline import default_cache, prepare, write_outputs

    console = console or Console(stderr=True)
    job = prepare(brief, output, config=config, flags=flags, force=force, resume=resume)
    if progress != "quiet":
        show_settings(console, job.used)
    cache = default_cache(job.env)
    outcome = _run_with_progress(job, cache, console, progress)
    written = write_outputs(job, outcome)
    _finish(console, job, outcome, written, json_out)
    return 0 if outcome.status == "ok" else 1


def _run_with_progress(job: Any, cache: Any, console: Any, mode: str) -> Any:
    from ucop.pipeline import elapsed_clock, execute
    from ucop.ui.progress import make_progress

    with make_progress(console, mode=mode, clock=elapsed_clock()) as display:
        try:
            return execute(job, cache=cache, subscribers=[display])
        except KeyboardInterrupt:
            raise Interrupted("interrupted - nothing written; run again with --resume") from None


def show_settings(console: Any, used: list[tuple[str, str, str]]) -> None:
    from rich.table import Table

    table = Table(
        title="Settings (flag > environment > config > default)",
        title_justify="left",
        show_header=False,
        box=None,
        padding=(0, 2),
    )
    for name, value, origin in used:
        table.add_row(name, f"[bold]{value}[/]", f"[dim]{origin}[/]")
    console.print(table)


def _finish(console: Any, job: Any, outcome: Any, written: dict[str, Path], json_out: bool) -> None:
    from ucop.ui.summary import render_summary

    console.print(render_summary(outcome.report))
    for label, path in written.items():
        console.print(f"  {label:<9} {path}")
    if job.provider_name == "offline":
        console.print(
            "[yellow]Written by the offline writer:[/] no model was called; the text is an "
            "extractive draft from your sources. Use --provider openai or anthropic for "
            "model-written prose."
        )
    for warning in outcome.report.get("warnings", ()):
        console.print(f"[yellow]Warning[/] ({warning['kind']}): {warning['message']}", markup=True)
    if outcome.status == "partial":
        parts = ", ".join(outcome.report.get("failed_parts", [])) or "see run.json"
        console.print(f"[yellow]Partial article[/] (status: partial in its front matter): {parts}")
    if json_out:
        summary = {k: v for k, v in outcome.report.items() if k != "agents"}
        summary["files"] = {k: str(v) for k, v in written.items()}
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
