"""What a batch runs on: a `Session` (an executor and the pacer its tasks share), and the
two local kinds, threads and processes.

`ucop.batch.dask_cluster` makes the Dask kind; `ucop.batch.runner` keeps the registry of all
of them (`open_session`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import AbstractContextManager as ContextManager
from dataclasses import dataclass
from typing import Any

from ucop.batch.lifeline import die_with_parent, stop_workers
from ucop.providers.pacer import Pacer, PacingLimits


@dataclass
class Session:
    """An executor to run articles on, the pacer its tasks share, and how wide it is."""

    executor: Executor
    pacer: Any  # a Pacer (threads) or a RemotePacer (processes, Dask)
    slots: int  # articles that can run at once
    where: str  # for people: "2 threads", "Dask scheduler tcp://host:8786 (4 workers)"


SessionFactory = Callable[..., ContextManager[Session]]


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
    from ucop.batch.limits import served

    context = multiprocessing.get_context("spawn")
    with contextlib.ExitStack() as stack:
        pacer = stack.enter_context(served(limits))
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent)
        executor = stack.enter_context(_shut_down_processes(pool))
        yield Session(executor, pacer, workers, f"{workers} processes")


@contextlib.contextmanager
def _shut_down_processes(pool: ProcessPoolExecutor) -> Iterator[Executor]:
    """`_shut_down`, then the workers get `GRACE_S` to exit before they are killed: a thread
    stuck in one (an abandoned agent's call) must not keep the batch from ending."""
    processes = getattr(pool, "_processes", None) or {}  # private, but stable since 3.2
    try:
        with _shut_down(pool, wait=False) as executor:
            yield executor
    finally:
        stop_workers(dict(processes).values())


@contextlib.contextmanager
def _shut_down(executor: Executor, *, wait: bool = True) -> Iterator[Executor]:
    """Wait for the executor's work on the way out, but drop what has not started on an error."""
    try:
        yield executor
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=wait)


@dataclass(frozen=True)
class SessionKind:
    """One executor `--executor` may name: how to open it, and what it needs."""

    name: str
    open: SessionFactory  # (workers=, limits=, scheduler=) -> ContextManager[Session]
    distributed: bool = False  # needs Dask's `distributed` (the dask extra)
    takes_scheduler: bool = False  # --scheduler ADDRESS means something to it
    description: str = ""


THREADS = SessionKind("threads", threads_session, description="threads of this process")
PROCESSES = SessionKind("processes", processes_session, description="spawned worker processes")
