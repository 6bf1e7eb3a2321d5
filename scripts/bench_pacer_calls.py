"""What one batch-pacer call costs, per kind of pacer, and how it scales with callers.

    .venv/bin/python scripts/bench_pacer_calls.py                 # 1, 4 and 16 callers
    .venv/bin/python scripts/bench_pacer_calls.py --calls 200 --callers 1 8

A "call" is what a model call costs the pacer: one `acquire` and one `release`. Each kind is
measured where its callers really are:

    threads        the `Pacer` object, from threads of this process
    dask           `SharedPacer` (a local cluster of in-process workers), same
    processes      `RemotePacer` over the authenticated loopback socket, from a worker process
    dask-processes `DaskPacer` through the scheduler, from a Dask worker process

Prints microseconds per call (mean over all callers' calls, wall time / calls x callers) and
calls per second through the one pacer. The cap is set above the number of callers, so the
figures are the round trips, not waiting for a slot.
"""

from __future__ import annotations

import argparse
import logging
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from ucop.batch.dask_pacer import on_scheduler, shared
from ucop.batch.limits import served
from ucop.providers.pacer import Outcome, Pacer, PacingLimits


def hammer(pacer: Any, calls: int, callers: int) -> float:
    """Wall seconds for `callers` threads to make `calls` acquire+release pairs each."""

    def one() -> None:
        for _ in range(calls):
            grant = pacer.acquire(1, 0.0, 30.0)
            pacer.release(Outcome(grant.ticket, estimated_tokens=1, used_tokens=1))

    threads = [threading.Thread(target=one) for _ in range(callers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def limits(callers: int) -> PacingLimits:
    return PacingLimits.cap_only(callers * 2)


def in_process(kind: str, calls: int, callers: int) -> float:
    if kind == "threads":
        return hammer(Pacer(limits(callers)), calls, callers)
    with shared(limits(callers)) as pacer:
        return hammer(pacer, calls, callers)


def in_worker_process(calls: int, callers: int) -> float:
    with served(limits(callers)) as pacer, ProcessPoolExecutor(1) as pool:
        pool.submit(hammer, pacer, 1, 1).result()  # start-up and connection out of the figure
        return pool.submit(hammer, pacer, calls, callers).result()


def in_dask_worker(calls: int, callers: int) -> float:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
        on_scheduler(client, limits(callers)) as pacer,
    ):
        client.submit(hammer, pacer, 1, 1, pure=False).result()
        return float(client.submit(hammer, pacer, calls, callers, pure=False).result())


def measure(kind: str, calls: int, callers: int) -> float:
    if kind in ("threads", "dask"):
        return in_process(kind, calls, callers)
    if kind == "processes":
        return in_worker_process(calls, callers)
    return in_dask_worker(calls, callers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per caller")
    parser.add_argument("--callers", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument(
        "--kinds", nargs="+", default=["threads", "dask", "processes", "dask-processes"]
    )
    args = parser.parse_args()
    print(f"{'pacer':<16}{'callers':>8}{'us/call':>10}{'calls/s':>10}")
    for kind in args.kinds:
        for callers in args.callers:
            elapsed = measure(kind, args.calls, callers)
            total = args.calls * callers
            print(f"{kind:<16}{callers:>8}{elapsed / total * 1e6:>10.0f}{total / elapsed:>10.0f}")


if __name__ == "__main__":
    main()
