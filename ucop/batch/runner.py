"""The batch loop over any `concurrent.futures.Executor`, and the registry of executors.

    with open_session("threads", workers=2, limits=PacingLimits(4)) as session:
        run_tasks(session.executor, run_article, specs, on_result=write_one)

`run_tasks` submits every task, hands each result to `on_result` in the calling thread as it
arrives, and submits a task again when the executor lost it (a Dask worker that died, a
process pool that broke): the task itself never raises, so an exception from its future means
the work was lost, not that the brief was bad.

Executors are `SessionKind`s in a `ucop.registry.Registry`, `SESSIONS`: the `ucop.executors`
entry points (pyproject.toml) plus what `register()` adds. Threads and processes come from
`ucop.batch.session`; `dask` lives in `ucop.batch.dask_cluster` and is imported only when
asked for (through the two kinds below). A kind says what it needs (`distributed`) and whether
`--scheduler` means anything to it: nothing here compares an executor's name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import AbstractContextManager as ContextManager
from typing import Any

from ucop.batch.session import Session, SessionKind
from ucop.errors import UsageError, one_line
from ucop.providers.pacer import PacingLimits
from ucop.registry import Registry, of_type

Task = Callable[[Any], Mapping[str, Any]]
OnResult = Callable[[int, dict[str, Any]], None]


SESSIONS: Registry[SessionKind] = Registry(
    "ucop.executors",
    "executor",
    of_type(SessionKind, "a ucop SessionKind"),
    first=("threads", "processes", "dask"),
)


def register(kind: SessionKind) -> SessionKind:
    """Make `kind` an executor `--executor` may name."""
    return SESSIONS.register(kind.name, kind)


def check_executor(name: str, scheduler: str | None = None) -> SessionKind:
    """The executor `name`; `UsageError` for an unknown one, or `--scheduler` it cannot use."""
    kind = SESSIONS.choose(name)
    if scheduler and not kind.takes_scheduler:
        raise UsageError(f"--scheduler needs --executor dask (got --executor {name})")
    if kind.distributed:
        from ucop.batch.dask_cluster import require_distributed

        require_distributed()
    return kind


def open_session(
    name: str, *, workers: int, limits: PacingLimits, scheduler: str | None = None
) -> ContextManager[Session]:
    """Start the executor `name`; raises `UsageError` for an unknown name or a bad flag."""
    kind = check_executor(name, scheduler)
    return kind.open(workers=workers, limits=limits, scheduler=scheduler)


def names() -> str:
    return ", ".join(SESSIONS)


def _dask_session(**options: Any) -> ContextManager[Session]:
    from ucop.batch.dask_cluster import dask_session

    return dask_session(**options)


def _dask_processes_session(**options: Any) -> ContextManager[Session]:
    """A local Dask cluster of worker processes: a rehearsal of a real cluster (pickling)."""
    from ucop.batch.dask_cluster import dask_session

    return dask_session(processes=True, **options)


# Dask is imported only when one of these is opened (or checked), never to list them.
DASK = SessionKind(
    "dask",
    _dask_session,
    distributed=True,
    takes_scheduler=True,
    description="a Dask cluster: --scheduler ADDRESS, or a local one of threads",
)
DASK_PROCESSES = SessionKind(
    "dask-processes",
    _dask_processes_session,
    distributed=True,
    description="a local Dask cluster of worker processes",
)


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
    what = one_line(exc)
    return {
        "status": "failed",
        "files": {},
        "report": None,
        "article": None,
        "error": f"lost by the executor after {attempts} attempt(s) ({type(exc).__name__}: "
        f"{what}) - run the batch again with --resume",
    }
