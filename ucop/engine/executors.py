"""The default executor: a thread pool whose threads never keep the process alive.

`ThreadPoolExecutor` joins its workers at interpreter exit, so one agent stuck in a call
that never returns would hang `ucop` after the run has already timed it out. This pool uses
daemon threads and grows on demand: the scheduler, not the pool, caps concurrency, so a
thread abandoned at its deadline does not take a slot from the agents still to run.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

_Item = tuple[Future, Callable[..., Any], tuple, dict]


class DaemonThreadPool(Executor):
    """A growing pool of daemon threads; idle threads are reused before new ones start."""

    def __init__(self, thread_name_prefix: str = "ucop-agent") -> None:
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._idle = 0  # threads waiting for work; guarded by _lock
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._shutdown = False
        self._prefix = thread_name_prefix

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot submit to a pool that has been shut down")
            self._queue.put((future, fn, args, kwargs))
            if self._idle:
                self._idle -= 1
            else:
                self._start_thread()
        return future

    def _start_thread(self) -> None:
        name = f"{self._prefix}-{len(self._threads) + 1}"
        thread = threading.Thread(target=self._work, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, fn, args, kwargs = item
            del item
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:  # noqa: BLE001 - handed to the future's owner
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            del future, fn, args, kwargs
            with self._lock:  # a plain counter: cheaper than a Semaphore's Condition
                self._idle += 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True
            if cancel_futures:
                self._cancel_queued()
            for _ in self._threads:
                self._queue.put(None)
        if wait:
            for thread in self._threads:
                thread.join()

    def _cancel_queued(self) -> None:
        pending: list[None] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                pending.append(None)
            else:
                item[0].cancel()
        for sentinel in pending:
            self._queue.put(sentinel)
