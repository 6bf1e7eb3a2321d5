"""Run a batch on Dask: connect to a cluster (`--scheduler`) or start a local one.

Each brief is one Dask task submitted through `client.get_executor()`, a standard
`concurrent.futures.Executor`, with `retries=` so a task that fails on a worker is run again
elsewhere. When a worker dies, the scheduler itself reschedules the tasks it was running
(up to `distributed.scheduler.allowed-failures` times); `run_tasks` submits again whatever
still comes back lost. Dask is an optional extra, imported only here and only when used.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from ucop.batch.limits import DaskRequestCap
from ucop.batch.runner import Session
from ucop.errors import UsageError

INSTALL_HINT = "install the dask extra: pip install 'ucop[dask]'"
CONNECT_TIMEOUT_S = 10.0
WORKERS_TIMEOUT_S = 30.0
TASK_RETRIES = 2


def require_distributed() -> Any:
    """The `distributed` module, or a one-line `UsageError` saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise UsageError(f"--executor dask needs Dask - {INSTALL_HINT}") from None
    return distributed


@contextlib.contextmanager
def dask_session(
    *,
    workers: int,
    max_requests: int | None,
    scheduler: str | None = None,
    processes: bool = True,
) -> Iterator[Session]:
    """A `Session` on the cluster at `scheduler`, or on a local cluster of `workers` workers."""
    require_distributed()
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(_client(scheduler, workers, processes))
        cap = None
        if max_requests:
            cap = DaskRequestCap(max_requests).bind(client)
            stack.callback(cap.close)
        executor = client.get_executor(retries=TASK_RETRIES, pure=False)
        stack.callback(executor.shutdown, wait=False)  # cancels what is left on error
        slots = sum(client.nthreads().values())
        where = (
            f"Dask scheduler {scheduler} ({len(client.nthreads())} workers)"
            if scheduler
            else f"local Dask cluster ({workers} workers)"
        )
        yield Session(executor, cap, slots, where)


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int, processes: bool) -> Iterator[Any]:
    from distributed import Client

    if scheduler:
        client = connect(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    with local_cluster(workers, processes=processes) as cluster:
        client = Client(cluster, set_as_default=False)
        try:
            yield client
        finally:
            client.close()


def connect(address: str) -> Any:
    """A client of the scheduler at `address`, once at least one worker has joined it."""
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(
            f"--scheduler {address}: cannot reach the Dask scheduler ({_one_line(exc)}) - check "
            "the address, that `dask scheduler` is running there and that port 8786 is open"
        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
    except TimeoutError:
        client.close()
        raise UsageError(
            f"--scheduler {address}: no Dask worker joined within {WORKERS_TIMEOUT_S:g}s - "
            f"start some with `dask worker {address}`"
        ) from None
    return client


@contextlib.contextmanager
def local_cluster(workers: int, *, processes: bool = True) -> Iterator[Any]:
    """`workers` single-threaded workers on 127.0.0.1, no dashboard; closed on exit."""
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=processes,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    try:
        yield cluster
    finally:
        cluster.close()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
