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
    quiet: bool = False,
    console: Any = None,
    record: Path | None = None,
    replay: Path | None = None,
) -> int:
    """Returns the exit code: 0 ok or degraded, 1 replaced, partial or failed (130 comes as
    `Interrupted`); the rule is `ucop.report.status`.

    stdout carries the result only: the article's path, or the JSON summary with --json.
    """
    from rich.console import Console

    from ucop.run.execute import default_cache
    from ucop.run.outputs import write_outputs
    from ucop.run.prepare import check_provider, prepare, resolve_model
    from ucop.ui.progress import check_mode

    check_mode(progress)
    console = console or Console(stderr=True)
    job = prepare(
        brief,
        output,
        config=config,
        flags=flags,
        force=force,
        resume=resume,
        record=record,
        replay=replay,
    )
    check_provider(job)
    resolve_model(job)
    from ucop.files import output_lock

    if not quiet:
        offline_notice(console, job)
    if progress != "quiet":
        show_settings(console, job.used)
    cache = default_cache(job.env)
    problem = cache.unwritable()
    if problem and not quiet:
        console.print(
            f"[yellow]warning:[/] the cache folder {cache.root} cannot be written ({problem}): "
            "this run's results will not be kept for --resume - set UCOP_CACHE_DIR",
            highlight=False,
            soft_wrap=True,  # one line, however narrow the terminal
        )
    with output_lock(output):
        outcome = _run_with_progress(job, cache, console, progress)
        written = write_outputs(job, outcome)
    keep_history(outcome.report, "generate", brief, written.get("article") or output)
    if not quiet:
        _finish(console, job, outcome, written)
    elif outcome.status.has_note:
        _partial(console, outcome)
    if json_out:
        summary = {k: v for k, v in outcome.report.items() if k != "agents"}
        summary["files"] = {k: str(v) for k, v in written.items()}
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    elif "article" in written:
        sys.stdout.write(f"{written['article']}\n")
    from ucop.report.status import exit_code

    return exit_code(outcome.status)


def keep_history(report: Mapping[str, Any], command: str, brief: Path, output: Path) -> None:
    """Add the run to `ucop logs` (never fails the run)."""
    from ucop import history
    from ucop.providers import find

    spec = find(str(report.get("provider")))
    run = history.run_from_report(
        report,
        command=command,
        brief=str(Path(brief).resolve()),
        output=str(Path(output).resolve()),
        model_called=spec is None or spec.network,
    )
    history.record(run)


def _run_with_progress(job: Any, cache: Any, console: Any, mode: str) -> Any:
    from ucop.run.execute import elapsed_clock, execute
    from ucop.ui.progress import make_progress

    with make_progress(console, mode=mode, clock=elapsed_clock()) as display:
        try:
            return execute(job, cache=cache, subscribers=[display])
        except KeyboardInterrupt:
            raise Interrupted("interrupted - nothing written; run again with --resume") from None


def show_settings(console: Any, used: list[tuple[str, str, str]]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title="Settings (flag > environment > config > default)",
        title_justify="left",
        show_header=False,
        box=None,
        padding=(0, 2),
    )
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")  # a long path wraps instead of being cut
    table.add_column(overflow="fold", style="dim")
    for name, value, origin in used:
        table.add_row(name, Text(value, style="bold"), origin)
    console.print(table)


def show_warnings(console: Any, report: Mapping[str, Any]) -> None:
    """The run's warnings (fallbacks taken, answers cut short...), one line each."""
    from rich.table import Table
    from rich.text import Text

    warnings = report.get("warnings") or []
    if not warnings:
        return
    console.print(f"[yellow]Warnings ({len(warnings)}):[/]")
    grid = Table.grid(padding=(0, 1))  # a wrapped message stays indented under its own column
    grid.add_column(no_wrap=True)
    grid.add_column()
    for warning in warnings:
        grid.add_row(Text(f"  {warning.get('agent', '?')}:"), Text(str(warning.get("message", ""))))
    console.print(grid)


def _finish(console: Any, job: Any, outcome: Any, written: dict[str, Path]) -> None:
    from ucop.ui.summary import render_summary

    console.print(render_summary(outcome.report))
    show_warnings(console, outcome.report)
    console.print(file_list(written))
    offline_notice(console, job, done=True)
    if outcome.status.has_note:
        _partial(console, outcome)


def file_list(written: Mapping[str, Path]) -> Any:
    """`  article   /path/...`: a long path wraps under itself, not under the label."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for label, path in written.items():
        grid.add_row(f"  {label:<9}", str(path))
    return grid


def offline_notice(console: Any, job: Any, done: bool = False) -> None:
    """Say, before the run and again after it, that no model writes this article."""
    if job.provider is None or job.provider.network:
        return
    what = "Written by" if done else "Writing with"
    called = "no model was called" if done else "no model will be called"
    console.print(
        f"[yellow]{what} the {job.provider_name} writer:[/] {called}; the text is an "
        "extractive draft from your sources. Use --provider openai or anthropic for "
        "model-written prose."
    )


def _partial(console: Any, outcome: Any) -> None:
    from ucop.report.status import ArticleStatus, describe

    report = outcome.report
    if outcome.status is ArticleStatus.PARTIAL:
        parts = ", ".join(report.get("failed_parts", [])) or "see run.json"
        console.print(f"[yellow]Partial article[/] (status: partial in its front matter): {parts}")
        return
    replaced = [w["agent"] for w in report.get("warnings", ()) if w.get("kind") == KIND]
    answers = describe(report.get("model_answers") or {})
    if outcome.status is ArticleStatus.REPLACED:
        console.print(
            f"[red]The model wrote none of this article[/] (status: replaced): {answers}; "
            "the file is the offline writer's draft. Try a larger model.",
            highlight=False,
        )
    else:
        console.print(
            f"[yellow]Degraded article[/] (status: degraded): model answers {answers}: "
            f"{', '.join(replaced)}",
            highlight=False,
        )


KIND = "model_answer_replaced"
