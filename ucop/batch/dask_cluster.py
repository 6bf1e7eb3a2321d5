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
import sys
from collections.abc import Iterator
from typing import Any

from ucop.batch.session import Session
from ucop.errors import UsageError, one_line
from ucop.providers.pacer import PacingLimits

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # the extra is not installed; require_distributed() says how to fix it
    WorkerPlugin = object  # type: ignore[assignment,misc]

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
    limits: PacingLimits,
    scheduler: str | None = None,
    processes: bool = False,
) -> Iterator[Session]:
    """A `Session` on the cluster at `scheduler`, or on a local cluster of `workers` workers.

    A local cluster's workers are threads of this process unless `processes`: on one machine
    an article waits on the model, and worker processes only add start-up, imports in every
    process and CPU contention (docs/BATCH.md has the figures).

    The batch's pacer is the object itself for in-process workers, and is held by the
    scheduler otherwise (`ucop.batch.dask_pacer`): no worker connects back to this machine.
    """
    require_distributed()
    from ucop.batch.dask_pacer import on_scheduler, shared

    with contextlib.ExitStack() as stack:
        client = stack.enter_context(_client(scheduler, workers, processes))
        client.register_plugin(NoProfilerOnAffectedPython())
        in_process = not scheduler and not processes
        pacer = stack.enter_context(shared(limits) if in_process else on_scheduler(client, limits))
        executor = client.get_executor(retries=TASK_RETRIES, pure=False)
        stack.callback(executor.shutdown, wait=False)  # cancels what is left on error
        slots = sum(client.nthreads().values())
        where = (
            f"Dask scheduler {scheduler} ({len(client.nthreads())} workers)"
            if scheduler
            else f"local Dask cluster ({workers} {'worker processes' if processes else 'workers'})"
        )
        yield Session(executor, pacer, slots, where)


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
            f"--scheduler {address}: cannot reach the Dask scheduler ({one_line(exc)}) - check "
            "the address, that `dask scheduler` is running there and that its port (8786 by "
            "default) is open"
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
    """`workers` single-threaded workers on 127.0.0.1; closed on exit.

    The scheduler always serves HTTP (the dashboard, when bokeh is installed); a free port on
    127.0.0.1 keeps it off the network and clear of a cluster already using 8787.
    """
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=processes,
        host="127.0.0.1" if processes else None,  # in-process workers talk over inproc://
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.ERROR,
    )
    try:
        yield cluster
    finally:
        cluster.close()


class NoProfilerOnAffectedPython(WorkerPlugin):
    """Stop a worker's statistical profiler on Pythons where it can deadlock the worker.

    The profiler calls `sys._current_frames()` every 10 ms; before CPython 3.11.9 that call can
    deadlock against a thread that is exiting (CPython gh-106883), and an article starts and
    ends many threads. The stuck worker holds its articles until it is killed. Registered as a
    plugin, so workers that join (or are restarted) later get it too.
    """

    name = "ucop-no-profiler-gh106883"

    def setup(self, worker: Any) -> None:
        if sys.version_info >= (3, 11, 9):
            return
        for name in ("profile", "profile-cycle"):
            callback = worker.periodic_callbacks.pop(name, None)
            if callback is not None:
                callback.stop()
