"""`ucop batch`: one article per brief in a folder, on threads, processes or a Dask cluster.

Every check that applies to the whole batch (flags, config, provider, key, output folders)
runs before any task; a bad brief fails alone, inside its task. Tasks return their files and
this machine writes them into OUTPUT/<brief-stem>/, then rewrites OUTPUT/batch.json, so the
ledger on disk always matches the articles on disk.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ucop.errors import Interrupted, OutputError, UsageError

DEFAULT_WORKERS = 2
MAX_WORKERS = 256


def run_batch(
    briefs: Path,
    output: Path,
    *,
    executor: str,
    scheduler: str | None,
    workers: int | None,
    max_requests: int | None,
    config: str | None,
    flags: Mapping[str, Any],
    resume: bool,
    force: bool,
    quiet: bool,
    json_out: bool,
    console: Any = None,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Returns the exit code: 0 all ok, 1 any failed or partial (2 comes as `UsageError`)."""
    from rich.console import Console

    from ucop.batch.article_task import article_spec, check_settings
    from ucop.batch.runner import Ledger, check_executor, open_session

    console = console or Console(stderr=True)
    width = _count("--workers", workers) or DEFAULT_WORKERS
    cap = _count("--max-requests", max_requests)
    check_executor(executor, scheduler)
    paths = find_briefs(briefs)
    config_used = check_settings(config, flags)
    limits = batch_limits(config_used, flags, width, cap)
    todo, done = split_finished(paths, output, force=force, resume=resume)
    ledger = Ledger(output, paths, executor=executor, max_requests=cap, clock=clock)
    for path in done:
        ledger.skip(path)
    if todo:
        with open_session(executor, workers=width, limits=limits, scheduler=scheduler) as s:
            specs = [
                article_spec(p, config=config_used, flags=flags, resume=resume, pacer=s.pacer)
                for p in todo
            ]
            ledger.started(s.where)
            with make_display(console, quiet, ledger, s.slots) as display:
                try:
                    _run(s.executor, specs, todo, ledger, display)
                finally:
                    ledger.pacing = {**limits.__dict__, **s.pacer.snapshot()}
    ledger.save(final=True)
    _finish(console, ledger, json_out)
    return 0 if ledger.all_ok() else 1


def batch_limits(
    config: str | None, flags: Mapping[str, Any], workers: int, max_requests: int | None
) -> Any:
    """The batch pacer's limits: `--max-requests` across the batch, else the config's request
    cap per article running at once; rates and budget from the config and flags."""
    from ucop.config import load_settings
    from ucop.providers.pacer import limits_from_config

    provider = load_settings(config, flags).config.provider
    return limits_from_config(provider, max_requests or provider.max_concurrent_requests * workers)


def _run(executor: Any, specs: list[Any], todo: list[Path], ledger: Any, display: Any) -> None:
    """Run one task per brief; write and record each result as it comes back."""
    from ucop.batch.article_task import run_article
    from ucop.batch.runner import run_tasks

    def on_result(index: int, result: dict[str, Any]) -> None:
        display.article(ledger.record(todo[index], result))

    try:
        run_tasks(executor, run_article, specs, on_result=on_result, on_tick=display.tick)
    except KeyboardInterrupt:
        ledger.save(final=True)
        raise Interrupted(
            f"interrupted - {ledger.finished()} article(s) written; run the batch again "
            "with --resume to do the rest"
        ) from None


def _count(flag: str, value: int | None) -> int | None:
    if value is None:
        return None
    if not 1 <= value <= MAX_WORKERS:
        raise UsageError(f"{flag} {value}: must be between 1 and {MAX_WORKERS}")
    return value


def find_briefs(folder: Path) -> list[Path]:
    """The briefs to run: every *.md directly in `folder`, sorted by name."""
    if not folder.exists():
        raise UsageError(f"briefs folder {folder} does not exist - give a folder of *.md briefs")
    if not folder.is_dir():
        raise UsageError(
            f"{folder} is a file - `ucop batch` takes a folder of briefs "
            "(use `ucop generate -i` for one brief)"
        )
    briefs = sorted(p for p in folder.glob("*.md") if p.is_file() and not p.name.startswith("."))
    if not briefs:
        raise UsageError(f"briefs folder {folder} holds no *.md brief - add one brief per article")
    return briefs


def split_finished(
    briefs: list[Path], output: Path, *, force: bool, resume: bool
) -> tuple[list[Path], list[Path]]:
    """(briefs to run, briefs already done); refuses to overwrite articles without a flag."""
    from ucop.batch.runner import finished_article
    from ucop.files import check_output_dir, previous_article

    check_output_dir(output, force=True, resume=False)
    if resume:
        done = [b for b in briefs if finished_article(output / b.stem) is not None]
        return [b for b in briefs if b not in done], done
    if not force:
        taken = [
            b.stem
            for b in briefs
            if (output / b.stem).is_dir() and previous_article(output / b.stem) is not None
        ]
        if taken:
            shown = ", ".join(taken[:5]) + (f" and {len(taken) - 5} more" if len(taken) > 5 else "")
            raise OutputError(
                f"--output {output} already holds articles for {shown} - use --resume to skip "
                "finished ones, --force to overwrite them, or another --output"
            )
    return list(briefs), []


def make_display(console: Any, quiet: bool, ledger: Any, slots: int) -> QuietDisplay:
    """Live progress on a terminal, plain lines otherwise, nothing with --quiet."""
    if quiet:
        return QuietDisplay()
    if console.is_terminal:
        return LiveDisplay(console, ledger, slots)
    return PlainDisplay(console, ledger, slots)


class QuietDisplay:
    """Shows nothing while the batch runs; the summary at the end is all the user sees."""

    def __enter__(self) -> QuietDisplay:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def article(self, entry: Mapping[str, Any]) -> None:
        return None

    def tick(self, unfinished: int) -> None:
        return None


class PlainDisplay(QuietDisplay):
    """One line when the batch starts and one per finished article: for logs and pipes."""

    def __init__(self, console: Any, ledger: Any, slots: int) -> None:
        self.console, self.ledger, self.slots = console, ledger, slots
        self.total = len(ledger.entries) - ledger.count("skipped")

    def __enter__(self) -> PlainDisplay:
        skipped = self.ledger.count("skipped")
        note = f", {skipped} already done" if skipped else ""
        self.console.print(
            f"batch: {self.total} article(s) to write{note}, on {self.ledger.where}, "
            f"into {self.ledger.output}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        return self

    def article(self, entry: Mapping[str, Any]) -> None:
        done = f"[{self.ledger.finished()}/{self.total}]"
        self.console.print(f"{done} {line(entry)}", highlight=False, markup=False, soft_wrap=True)


class LiveDisplay(PlainDisplay):
    """A Rich progress bar: articles done, failed, running and model calls, and elapsed time."""

    def __enter__(self) -> LiveDisplay:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]articles"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            console=self.console,
        )
        self.task = self.progress.add_task("articles", total=self.total, stats="")
        self.progress.start()
        self.tick(self.total)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def article(self, entry: Mapping[str, Any]) -> None:
        self.progress.console.print(line(entry), highlight=False, markup=False, soft_wrap=True)
        self.progress.update(self.task, completed=self.ledger.finished())

    def tick(self, unfinished: int) -> None:
        ledger = self.ledger
        running = min(self.slots, unfinished)
        stats = (
            f"[green]{ledger.count('ok')} ok[/] [red]{ledger.count('failed', 'partial')} failed[/]"
            f" {running} running {unfinished - running} queued"
            f" | {ledger.totals()['requests']} model calls"
        )
        self.progress.update(self.task, stats=stats)


def line(entry: Mapping[str, Any]) -> str:
    """One finished article, for the plain log and above the live bar."""
    wall = f"{entry['wall_s']:.1f}s" if entry.get("wall_s") is not None else "-"
    detail = entry.get("error") or entry.get("article") or ""
    return (
        f"{entry['status']:<8} {entry['name']}  {wall}  {entry.get('requests') or 0} calls"
        f"  {detail}"
    )


def render_summary(ledger: Any) -> Any:
    """The end-of-batch table, one row per brief, and the totals under it."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Batch", title_justify="left", box=None, padding=(0, 1))
    for column in ("brief", "status", "time", "calls", "tokens"):
        table.add_column(
            column, justify="right" if column in ("time", "calls", "tokens") else "left"
        )
    table.add_column("article / error", overflow="fold")
    for entry in ledger.entries.values():
        table.add_row(*_row(entry))
    t = ledger.totals()
    rate = f"{t['articles_per_minute']:g} articles/min" if t["articles_per_minute"] else "-"
    totals = Text(
        f"{t['done']} ok, {t['partial']} partial, {t['failed']} failed, {t['skipped']} skipped "
        f"in {t['elapsed_s']:.1f}s ({rate}), {t['requests']} model calls "
        f"({t['rate_limited']} answered 429), cost {_dollars(t['cost'])}; "
        f"report: {ledger.output / 'batch.json'}"
    )
    if ledger.pacing.get("budget_stopped"):
        totals.append(
            f"\nStopped at --max-cost ${ledger.pacing['max_cost']:g}: calls that would pass it "
            "were not started - run the batch again with --resume (and a higher --max-cost) "
            "to finish.",
            style="bold yellow",
        )
    return Group(table, totals)


def _dollars(cost: float | None) -> str:
    return "unknown (no price for the model)" if cost is None else f"${cost:.4f}"


STATUS_STYLE = {"ok": "green", "partial": "yellow", "failed": "red", "skipped": "dim"}


def _row(entry: Mapping[str, Any]) -> list[str]:
    from rich.markup import escape

    status = entry["status"]
    style = STATUS_STYLE.get(status, "")
    wall = f"{entry['wall_s']:.1f}s" if entry.get("wall_s") is not None else "-"
    tokens = (entry.get("tokens_in") or 0) + (entry.get("tokens_out") or 0)
    article = entry.get("article")
    detail = entry.get("error") or (f"{entry['name']}/{Path(article).name}" if article else "")
    return [
        entry["name"],
        f"[{style}]{status}[/]" if style else status,
        wall,
        str(entry.get("requests") or 0),
        str(tokens),
        escape(detail),
    ]


def _finish(console: Any, ledger: Any, json_out: bool) -> None:
    console.print(render_summary(ledger))
    if json_out:
        sys.stdout.write(json.dumps(ledger.to_json(), indent=2) + "\n")
