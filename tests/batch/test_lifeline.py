"""Worker processes that end with their batch: the bounded wait, and the parent's death."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from tests.helpers import wait_for
from tests.security.processes import alive
from ucop.batch.lifeline import die_with_parent, stop_workers

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals")


def _sleep_forever() -> None:
    time.sleep(3600)


def _orphan_maker(queue) -> None:
    """A 'batch': starts a worker that runs `die_with_parent`, says its pid, then waits."""
    context = multiprocessing.get_context("spawn")
    worker = context.Process(target=_worker)
    worker.start()
    queue.put(worker.pid)
    time.sleep(3600)


def _worker() -> None:
    die_with_parent()
    time.sleep(3600)


def test_workers_that_do_not_exit_are_killed_after_the_grace_period():
    context = multiprocessing.get_context("spawn")
    stuck = [context.Process(target=_sleep_forever) for _ in range(2)]
    for process in stuck:
        process.start()
    assert stop_workers(stuck, grace_s=0.5) == 2
    assert [p.is_alive() for p in stuck] == [False, False]
    assert [p.exitcode for p in stuck] == [-signal.SIGKILL] * 2


def test_a_worker_exits_when_its_parent_is_killed():
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    parent = context.Process(target=_orphan_maker, args=(queue,))
    parent.start()
    worker = queue.get(timeout=120)
    os.kill(parent.pid, signal.SIGKILL)
    parent.join(30)
    try:
        wait_for(lambda: not alive(worker), timeout=60)
    finally:
        if alive(worker):  # do not leave it behind when the test fails
            os.kill(worker, signal.SIGKILL)
