"""Worker processes that die with the batch that started them, however it dies.

A batch's worker processes hold sockets, files and the multiprocessing resource tracker's
pipe. If the batch is killed (`kill -9`, the OOM killer, a closed terminal), nothing tells
them, and they would wait for work forever. Each worker runs `die_with_parent()` first: a
daemon thread waits on the pipe multiprocessing keeps from the parent
(`multiprocessing.parent_process().sentinel`), which the kernel closes when the parent dies,
and ends the worker at once. That works on every platform and for every start method; once
the workers are gone, the resource tracker sees its last writer go and exits too.

Why not `prctl(PR_SET_PDEATHSIG)` on Linux: it fires when the *thread* that started the worker
ends, not the process, so a batch driven from a short-lived thread would kill its own
workers mid-article. `stop_workers` is the other half: a batch that ends normally waits a
bounded time for its workers, then kills the ones that do not exit (a thread stuck inside
one would otherwise keep it, and the batch, alive).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Iterable
from typing import Any

ORPHAN_EXIT = 70  # a worker whose batch died; nobody reads it, but a trace names the cause
GRACE_S = 10.0


def die_with_parent() -> None:
    """In a worker process: exit at once when the process that started it dies."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    watcher = threading.Thread(
        target=_watch, args=(parent.sentinel,), name="ucop-lifeline", daemon=True
    )
    watcher.start()


def _watch(sentinel: Any) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(ORPHAN_EXIT)  # no clean-up: threads of this worker may be stuck anywhere


def stop_workers(processes: Iterable[Any], grace_s: float = GRACE_S) -> int:
    """Join `processes` within `grace_s` in all; kill the ones still alive; how many were."""
    import time

    deadline = time.monotonic() + grace_s
    killed = 0
    for process in list(processes):
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(1.0)
            killed += 1
    return killed
