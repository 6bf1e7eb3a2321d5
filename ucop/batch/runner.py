"""The batch loop over any `concurrent.futures.Executor`, and the executors it can run on.

    with open_session("threads", workers=2, limits=PacingLimits(4)) as session:
        run_tasks(session.executor, run_article, specs, on_result=write_one)

`run_tasks` submits every task, hands each result to `on_result` in the calling thread as it
arrives, and submits a task again when the executor lost it (a Dask worker that died, a
process pool that broke): the task itself never raises, so an exception from its future means
the work was lost, not that the brief was bad.

Executors are a registry, `SESSIONS`, filled through `register()`; `dask` lives in
`ucop.batch.dask_cluster` and is imported only when asked for. `Ledger` records what came
back and keeps OUTPUT/batch.json up to date.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import multiprocessing
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ucop import __version__
from ucop.errors import UcopError, UsageError
from ucop.files import RUN_REPORT, atomic_write_text
from ucop.providers.pacer import Pacer, PacingLimits

BATCH_REPORT = "batch.json"
LEDGER_SCHEMA = 1
# What a task's result contributes to its brief's entry in batch.json.
RESULT_FIELDS = (
    "wall_s",
    "requests",
    "rate_limited",
    "tokens_in",
    "tokens_out",
    "cached_tokens",
    "cost",
    "worker",
    "started",
    "error",
)

Task = Callable[[Any], Mapping[str, Any]]
OnResult = Callable[[int, dict[str, Any]], None]


@dataclass
class Session:
    """An executor to run articles on, the pacer its tasks share, and how wide it is."""

    executor: Executor
    pacer: Any  # a Pacer (threads) or a RemotePacer (processes, Dask)
    slots: int  # articles that can run at once
    where: str  # for people: "2 threads", "Dask scheduler tcp://host:8786 (4 workers)"


SessionFactory = Callable[..., ContextManager[Session]]
SESSIONS: dict[str, SessionFactory] = {}


def register(name: str, factory: SessionFactory) -> None:
    """Make `factory(workers=, limits=, scheduler=)` the executor called `name`."""
    SESSIONS[name] = factory


def check_executor(name: str, scheduler: str | None = None) -> None:
    """Raise `UsageError` for an unknown executor, or `--scheduler` without Dask."""
    if name not in SESSIONS:
        raise UsageError(f"--executor {name!r}: unknown executor - choose one of: {names()}")
    if scheduler and name != "dask":
        raise UsageError(f"--scheduler needs --executor dask (got --executor {name})")
    if name.startswith("dask"):
        from ucop.batch.dask_cluster import require_distributed

        require_distributed()


def open_session(
    name: str, *, workers: int, limits: PacingLimits, scheduler: str | None = None
) -> ContextManager[Session]:
    """Start the executor `name`; raises `UsageError` for an unknown name or a bad flag."""
    check_executor(name, scheduler)
    return SESSIONS[name](workers=workers, limits=limits, scheduler=scheduler)


def names() -> str:
    return ", ".join(SESSIONS)


@contextlib.contextmanager
def threads_session(
    *, workers: int, limits: PacingLimits, scheduler: str | None = None
) -> Iterator[Session]:
    """`workers` articles at once on threads of this process, sharing one `Pacer`."""
    from concurrent.futures import ThreadPoolExecutor

    pacer = Pacer(limits)
    with _shut_down(ThreadPoolExecutor(workers, thread_name_prefix="ucop-article")) as executor:
        yield Session(executor, pacer, workers, f"{workers} threads")


@contextlib.contextmanager
def processes_session(
    *, workers: int, limits: PacingLimits, scheduler: str | None = None
) -> Iterator[Session]:
    """`workers` articles at once in worker processes (spawned: no forking of live threads)."""
    from concurrent.futures import ProcessPoolExecutor

    from ucop.batch.limits import served

    context = multiprocessing.get_context("spawn")
    with contextlib.ExitStack() as stack:
        pacer = stack.enter_context(served(limits))
        executor = stack.enter_context(_shut_down(ProcessPoolExecutor(workers, mp_context=context)))
        yield Session(executor, pacer, workers, f"{workers} processes")


@contextlib.contextmanager
def _shut_down(executor: Executor) -> Iterator[Executor]:
    """Wait for the executor's work on the way out, but drop what has not started on an error."""
    try:
        yield executor
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


def _dask_session(**options: Any) -> ContextManager[Session]:
    from ucop.batch.dask_cluster import dask_session

    return dask_session(**options)


def _dask_processes_session(**options: Any) -> ContextManager[Session]:
    """A local Dask cluster of worker processes: a rehearsal of a real cluster (pickling)."""
    from ucop.batch.dask_cluster import dask_session

    return dask_session(processes=True, **options)


register("threads", threads_session)
register("processes", processes_session)
register("dask", _dask_session)
register("dask-processes", _dask_processes_session)


def run_tasks(
    executor: Executor,
    task: Task,
    specs: Sequence[Any],
    *,
    on_result: OnResult,
    on_tick: Callable[[int], None] | None = None,
    resubmits: int = 2,
    tick_s: float = 0.25,
) -> None:
    """Run `task(spec)` for every spec; `on_result(index, result)` runs here as each finishes.

    A future that raises (its task was lost with its worker) is submitted again up to
    `resubmits` times, then reported as a failed result. `on_tick(unfinished)` runs about
    every `tick_s` seconds. On any exception (Ctrl-C included) the unstarted tasks are
    cancelled before it propagates.
    """
    pending: dict[Future[Any], tuple[int, int]] = {}
    for index, spec in enumerate(specs):
        pending[executor.submit(task, spec)] = (index, 0)
    try:
        while pending:
            done, _ = wait(pending, timeout=tick_s, return_when=FIRST_COMPLETED)
            for future in done:
                index, attempt = pending.pop(future)
                if _collect(future, index, attempt, on_result, resubmits):
                    try:
                        pending[executor.submit(task, specs[index])] = (index, attempt + 1)
                    except Exception as exc:  # noqa: BLE001 - a broken pool takes no more work
                        on_result(index, lost(exc, attempt + 1))
            if on_tick is not None:
                on_tick(len(pending))
    except BaseException:
        for future in pending:
            future.cancel()
        raise


def _collect(
    future: Future[Any], index: int, attempt: int, on_result: OnResult, resubmits: int
) -> bool:
    """Pass the future's result on; True when it was lost and should be submitted again."""
    try:
        result = dict(future.result())
    except BaseException as exc:  # noqa: BLE001 - a lost task, whatever the executor says
        if attempt < resubmits and not isinstance(exc, KeyboardInterrupt):
            return True
        result = lost(exc, attempt + 1)
    on_result(index, result)
    return False


def lost(exc: BaseException, attempts: int) -> dict[str, Any]:
    """The result of a task the executor lost `attempts` times."""
    what = " ".join(str(exc).split()) or type(exc).__name__
    return {
        "status": "failed",
        "files": {},
        "report": None,
        "article": None,
        "error": f"lost by the executor after {attempts} attempt(s) ({type(exc).__name__}: "
        f"{what}) - run the batch again with --resume",
    }


class Ledger:
    """What the batch did, brief by brief: the source of `batch.json` and of the summary.

    Entries keep the order of the briefs; `save()` rewrites OUTPUT/batch.json atomically after
    every article, so the ledger on disk always matches the articles on disk.
    """

    def __init__(
        self,
        output: Path,
        briefs: Sequence[Path],
        *,
        executor: str,
        max_requests: int | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.output = output
        self.executor = executor
        self.max_requests = max_requests
        self.where = executor
        self.started_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        self._clock = clock
        self._start = clock()
        self._final_elapsed: float | None = None
        self.startup_s: float | None = None
        self.pacing: dict[str, Any] = {}  # the batch pacer's limits and figures
        self.entries: dict[Path, dict[str, Any]] = {b: _entry(b, "pending") for b in briefs}

    def started(self, where: str) -> None:
        """The executor is up and tasks are about to go: note where and how long that took."""
        self.where = where
        self.startup_s = round(self._clock() - self._start, 3)
        self.save()

    def skip(self, brief: Path) -> dict[str, Any]:
        """Record a brief whose article a previous run finished (`--resume`)."""
        entry = self.entries[brief]
        report = finished_article(self.output / brief.stem) or {}
        entry.update(status="skipped", article=_article_path(self.output / brief.stem, report))
        entry["wall_s"] = report.get("wall_s")
        return entry

    def record(self, brief: Path, result: Mapping[str, Any]) -> dict[str, Any]:
        """Write the article's files into OUTPUT/<stem>/, note the result, save the ledger."""
        from ucop.pipeline import write_files

        entry = self.entries[brief]
        folder = self.output / brief.stem
        entry.update({k: result.get(k) for k in RESULT_FIELDS if k in result})
        entry["status"] = result.get("status", "failed")
        try:
            if result.get("files"):
                write_files(folder, result["files"])
        except (OSError, UcopError) as exc:
            entry.update(status="failed", error=f"could not write {folder}: {exc}")
        article = result.get("article")
        entry["article"] = (
            str(folder / article) if article and entry["status"] != "failed" else None
        )
        self.save()
        return entry

    def count(self, *statuses: str) -> int:
        return sum(1 for e in self.entries.values() if e["status"] in statuses)

    def finished(self) -> int:
        return self.count("ok", "partial", "failed")

    def all_ok(self) -> bool:
        return self.count("ok", "skipped") == len(self.entries)

    def elapsed(self) -> float:
        if self._final_elapsed is not None:
            return self._final_elapsed
        return self._clock() - self._start

    def totals(self) -> dict[str, Any]:
        entries = list(self.entries.values())
        elapsed = self.elapsed()
        done = self.count("ok")
        return {
            "briefs": len(entries),
            "done": done,
            "partial": self.count("partial"),
            "failed": self.count("failed"),
            "skipped": self.count("skipped"),
            "requests": sum(e["requests"] or 0 for e in entries),
            "rate_limited": sum(e.get("rate_limited") or 0 for e in entries),
            "tokens_in": sum(e["tokens_in"] or 0 for e in entries),
            "tokens_out": sum(e["tokens_out"] or 0 for e in entries),
            "cached_tokens": sum(e.get("cached_tokens") or 0 for e in entries),
            "cost": _total_cost(entries),
            "elapsed_s": round(elapsed, 3),
            "startup_s": self.startup_s,
            "articles_per_minute": round(done * 60 / elapsed, 2) if elapsed > 0 else None,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": LEDGER_SCHEMA,
            "ucop_version": __version__,
            "executor": self.executor,
            "where": self.where,
            "max_requests": self.max_requests,
            "pacing": self.pacing,
            "started_at": self.started_at,
            "totals": self.totals(),
            "articles": list(self.entries.values()),
        }

    def save(self, *, final: bool = False) -> Path:
        """Rewrite OUTPUT/batch.json atomically; `final` freezes the elapsed time."""
        if final and self._final_elapsed is None:
            self._final_elapsed = self._clock() - self._start
        path = self.output / BATCH_REPORT
        atomic_write_text(path, json.dumps(self.to_json(), indent=2) + "\n")
        return path


def _total_cost(entries: Sequence[Mapping[str, Any]]) -> float | None:
    """Dollars over the articles that ran; None when no model had a price."""
    costs = [e.get("cost") for e in entries if e["status"] not in ("pending", "skipped")]
    known = [c for c in costs if c is not None]
    return round(sum(known), 6) if known else None


def _entry(brief: Path, status: str) -> dict[str, Any]:
    return {
        "brief": str(brief),
        "name": brief.stem,
        "status": status,
        "article": None,
        "wall_s": None,
        "requests": 0,
        "rate_limited": 0,
        "tokens_in": 0,
        "tokens_out": 0,
        "cached_tokens": 0,
        "cost": None,
        "worker": None,
        "started": None,
        "error": None,
    }


def finished_article(folder: Path) -> dict[str, Any] | None:
    """The run report of the finished article in `folder` (run.json status ok), else None."""
    try:
        report = json.loads((folder / RUN_REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(report, dict) or report.get("status") != "ok":
        return None
    article = report.get("article")
    return report if isinstance(article, str) and (folder / article).is_file() else None


def _article_path(folder: Path, report: Mapping[str, Any]) -> str | None:
    article = report.get("article")
    return str(folder / article) if article else None
