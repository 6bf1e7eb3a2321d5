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
    progress: str = "auto",
    record: Path | None = None,
    replay: Path | None = None,
    console: Any = None,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Returns the exit code: 0 all ok, 1 any failed or partial (2 comes as `UsageError`).

    Like `generate`: progress and the summary on stderr, each article's path on stdout (the
    JSON summary instead with --json); -q leaves only errors and the paths.
    """
    from rich.console import Console

    from ucop.batch.article_task import article_spec, check_settings
    from ucop.batch.ledger import Ledger
    from ucop.batch.runner import check_executor, open_session
    from ucop.ui.batch import make_display
    from ucop.ui.progress import check_mode

    check_mode(progress)
    check_recordings(record, replay)
    console = console or Console(stderr=True)
    width = _count("--workers", workers) or DEFAULT_WORKERS
    cap = _count("--max-requests", max_requests)
    check_executor(executor, scheduler)
    paths = find_briefs(briefs)
    config_used, model = check_settings(config, flags, replaying=replay is not None)
    if model:  # found with GET /models on a custom base URL: every article uses it
        flags = {**flags, "model": model}
    limits = batch_limits(config_used, flags, width, cap)
    todo, done = split_finished(paths, output, force=force, resume=resume)
    ledger = Ledger(output, paths, executor=executor, max_requests=cap, clock=clock)
    for path in done:
        ledger.skip(path)
    if todo:
        with open_session(executor, workers=width, limits=limits, scheduler=scheduler) as s:
            specs = [
                article_spec(
                    p,
                    config=config_used,
                    flags=flags,
                    resume=resume,
                    pacer=s.pacer,
                    record=per_brief(record, p),
                    replay=per_brief(replay, p, existing=True),
                )
                for p in todo
            ]
            ledger.started(s.where)
            mode = "quiet" if (quiet or json_out) else progress
            calls = _pacer_calls(s.pacer)
            with make_display(console, mode, ledger, s.slots, calls) as display:
                try:
                    _run(s.executor, specs, todo, ledger, display)
                finally:
                    ledger.pacing = {**limits.__dict__, **s.pacer.snapshot()}
    ledger.save(final=True)
    _finish(console, ledger, json_out, quiet)
    return 0 if ledger.all_ok() else 1


def check_recordings(record: Path | None, replay: Path | None) -> None:
    """--record's folder must exist and --replay's file (or per-brief files) be there."""
    if record is not None and (not record.parent.is_dir() or record.is_dir()):
        raise UsageError(f"--record: {record} must be a file in an existing folder")
    if replay is not None and not replay.is_file():
        stem = f"{replay.stem}-*{replay.suffix}"
        if not any(replay.parent.glob(stem)):
            raise UsageError(f"--replay: neither {replay} nor {replay.parent / stem} exists")


def per_brief(path: Path | None, brief: Path, *, existing: bool = False) -> str | None:
    """FILE-<brief>.jsonl beside FILE: one recording per article. For a replay, FILE itself
    when no such file exists (one recording may answer every brief)."""
    if path is None:
        return None
    own = path.with_name(f"{path.stem}-{brief.stem}{path.suffix or '.jsonl'}")
    if existing and not own.is_file():
        return str(path.resolve())
    return str(own.resolve())


def _pacer_calls(pacer: Any) -> Callable[[], int]:
    """Model calls started so far across the batch, as the batch's one pacer counts them."""
    return lambda: int(pacer.snapshot().get("requests") or 0)


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
    from ucop.commands.generate import keep_history

    def on_result(index: int, result: dict[str, Any]) -> None:
        entry = ledger.record(todo[index], result)
        display.article(entry)
        if result.get("report"):
            keep_history(result["report"], "batch", todo[index], Path(entry.get("article") or ""))

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
    from ucop.batch.ledger import finished_article
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


def _finish(console: Any, ledger: Any, json_out: bool, quiet: bool) -> None:
    from ucop.ui.batch import render_summary

    if not quiet:
        console.print(render_summary(ledger))
    data = ledger.to_json()
    if quiet:  # errors still: one line per article that did not end ok (or is not the model's)
        for entry in data["articles"]:
            if entry.get("status") not in ("ok", "skipped", "degraded"):
                detail = (
                    entry.get("error") or "the offline draft: the model's answers were all rejected"
                )
                console.print(
                    f"{entry['status']}: {entry['name']}: {detail}",
                    highlight=False,
                    markup=False,
                    soft_wrap=True,
                )
    if json_out:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    for entry in data["articles"]:
        if entry.get("article"):
            sys.stdout.write(f"{entry['article']}\n")
