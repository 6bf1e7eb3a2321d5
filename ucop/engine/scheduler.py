"""The one execution loop: dependency-driven, longest-remaining-path first, exactly once.

Each task starts the moment its last dependency finishes and a slot is free; there are no
levels and no barriers. Among ready tasks the one with the longest remaining path (its own
estimate plus the longest chain of dependents after it) starts first, which keeps the
critical path moving when slots are scarce. Sequential mode is this same loop with one slot.

The loop runs in the calling thread. Task bodies run on any `concurrent.futures.Executor`;
their futures report back through a queue, so the loop wakes only for a completion, a
deadline or Ctrl-C. A task that passes its deadline is marked timed out, its thread is
abandoned (its late result is ignored) and the run goes on without waiting for it.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any, Protocol

from ucop.engine.context import TaskContext
from ucop.engine.events import Event, EventBus, EventKind
from ucop.engine.executors import DaemonThreadPool
from ucop.engine.graph import Task, TaskGraph, instance_name
from ucop.engine.records import RunResult, RunStatus, Status, TaskRecord
from ucop.engine.state import SharedState
from ucop.errors import first_line

_FAILED = (Status.FAILED, Status.TIMED_OUT, Status.SKIPPED, Status.CANCELLED)


class ResultCache(Protocol):
    """Where successful outputs are kept between runs (see `ucop.cache`)."""

    def load(self, key: str) -> tuple[bool, Any]: ...

    def store(self, key: str, value: Any) -> None: ...


@dataclass
class _Running:
    token: int
    ctx: TaskContext
    deadline: float | None


class Scheduler:
    """Runs a `TaskGraph` once. Create a new scheduler for every run."""

    def __init__(
        self,
        graph: TaskGraph,
        *,
        max_parallel: int = 5,
        executor: Executor | None = None,
        bus: EventBus | None = None,
        fail_fast: bool = False,
        deadline_s: float | None = None,
        durations: Mapping[str, float] | None = None,
        cache: ResultCache | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_parallel < 1:
            raise ValueError("max_parallel must be at least 1")
        self.graph = graph
        self.max_parallel = max_parallel
        self.bus = bus if bus is not None else EventBus()
        self.fail_fast = fail_fast
        self.deadline_s = deadline_s
        self.cache = cache
        self.clock = clock
        self._executor = executor
        self._own_executor = executor is None
        self._durations = dict(durations or {})
        self._rank = graph.remaining_path(self._durations)
        self._tasks: dict[str, Task] = dict(graph.tasks)
        self._dependents: dict[str, list[str]] = {n: list(d) for n, d in graph.dependents.items()}
        self._waiting = {name: len(task.deps) for name, task in graph.tasks.items()}
        self._instances: dict[str, list[str]] = {}
        self.records = {
            name: TaskRecord(name, task.agent, task.deps) for name, task in graph.tasks.items()
        }
        self.order: list[str] = list(graph.order)
        self.state = SharedState()
        self._ready: list[tuple[float, int, str]] = []
        self._running: dict[str, _Running] = {}
        self._deadlines: list[tuple[float, str, int]] = []
        self._done_queue: queue.SimpleQueue[tuple[str, int, Future]] = queue.SimpleQueue()
        self._seq = itertools.count()
        self._started: set[str] = set()
        self._cache_keys: dict[str, str] = {}
        self._stop_status: RunStatus | None = None
        self._t0 = 0.0

    # -- public ---------------------------------------------------------------------------

    def run(self, info: Mapping[str, Any] | None = None) -> RunResult:
        """Run every task once and return what happened; never raises for task failures."""
        executor = self._executor or DaemonThreadPool()
        self._t0 = self.clock()
        run_deadline = None if self.deadline_s is None else self._t0 + self.deadline_s
        data = {"max_parallel": self.max_parallel, "agents": list(self.order), **(info or {})}
        self._emit(EventKind.RUN_STARTED, None, data=data)
        try:
            for name in self.graph.roots():
                self._make_ready(name)
            self._loop(executor, run_deadline)
        except KeyboardInterrupt:
            self._stop(RunStatus.INTERRUPTED, "interrupted by the user")
        finally:
            if self._own_executor:
                executor.shutdown(wait=False, cancel_futures=True)
        status = self._final_status()
        wall = self._now()
        self._emit(EventKind.RUN_FINISHED, None, data={"status": status.value, "wall_s": wall})
        outputs = {n: self.state.get(n) for n in self.order if self.state.has(n)}
        return RunResult(status, self.records, outputs, wall, self.max_parallel, self.order)

    # -- the loop -------------------------------------------------------------------------

    def _loop(self, executor: Executor, run_deadline: float | None) -> None:
        while True:
            self._launch(executor)
            if not self._running:
                return
            timeout = self._next_timeout(run_deadline)
            try:
                name, token, future = self._done_queue.get(timeout=timeout)
            except queue.Empty:
                pass
            else:
                self._complete(name, token, future)
                self._drain_completions()
            if run_deadline is not None and self.clock() >= run_deadline:
                reason = f"run deadline of {self.deadline_s:g}s passed"
                self._stop(RunStatus.FAILED, reason, Status.TIMED_OUT)
            self._expire_deadlines()

    def _drain_completions(self) -> None:
        """Take every completion already queued, so one wake-up serves a burst of them."""
        while True:
            try:
                name, token, future = self._done_queue.get_nowait()
            except queue.Empty:
                return
            self._complete(name, token, future)

    def _launch(self, executor: Executor) -> None:
        while self._ready and len(self._running) < self.max_parallel and not self._stop_status:
            _, _, name = heapq.heappop(self._ready)
            self._start(name, executor)

    def _next_timeout(self, run_deadline: float | None) -> float | None:
        while self._deadlines and self._is_stale(self._deadlines[0][1], self._deadlines[0][2]):
            heapq.heappop(self._deadlines)
        soonest = [
            d for d in (run_deadline, self._deadlines[0][0] if self._deadlines else None) if d
        ]
        if not soonest:
            return None
        return max(0.0, min(soonest) - self.clock())

    def _is_stale(self, name: str, token: int) -> bool:
        running = self._running.get(name)
        return running is None or running.token != token

    # -- state changes --------------------------------------------------------------------

    def _make_ready(self, name: str) -> None:
        task = self._tasks[name]
        if task.fan_out is not None and self.records[name].template is None:
            self._expand(name, task)
            return
        record = self.records[name]
        record.status = Status.QUEUED
        record.queued_s = self._now()
        self._emit(EventKind.QUEUED, name)
        priority = self._priority(name, record.template)
        heapq.heappush(self._ready, (-priority, next(self._seq), name))

    def _priority(self, name: str, template: str | None) -> float:
        if template is None:
            return self._rank[name]
        base = self._tasks[template].estimate_s
        return self._rank[template] - base + self._durations.get(name, base)

    def _expand(self, name: str, task: Task) -> None:
        """Turn a fan-out template into one instance per item; it finishes when they do."""
        record = self.records[name]
        record.is_group = True
        record.start_s = record.queued_s = self._now()
        record.status = Status.RUNNING
        try:
            items = list(task.fan_out(self._inputs(task)))  # type: ignore[misc]
        except Exception as exc:  # noqa: BLE001 - reported as the template's failure
            self._fail(name, Status.FAILED, f"could not fan out: {exc}")
            return
        names = [instance_name(name, i) for i in range(1, len(items) + 1)]
        self._instances[name] = names
        self._waiting[name] = len(names)
        self._emit(EventKind.EXPANDED, name, data={"instances": names})
        insert_at = self.order.index(name) + 1
        self.order[insert_at:insert_at] = names
        for index, (child, item) in enumerate(zip(names, items), start=1):
            self._add_instance(name, task, child, item, index)
        if not names:
            self._finish_group(name)

    def _add_instance(self, template: str, task: Task, child: str, item: Any, index: int) -> None:
        meta = {**task.meta, "item": item, "index": index}
        self._tasks[child] = Task(
            child,
            task.body,
            task.deps,
            task.estimate_s,
            task.timeout_s,
            None,
            task.agent,
            task.cache_key,
            meta,
            task.reads,
        )
        self.records[child] = TaskRecord(child, task.agent, task.deps, template=template)
        self._dependents[child] = [template]
        self._make_ready(child)

    def _start(self, name: str, executor: Executor) -> None:
        task = self._tasks[name]
        inputs = self._inputs(task)
        if self._try_cache(name, task, inputs):
            return
        if name in self._started:  # exactly once: a second start is a scheduler bug
            raise RuntimeError(f"task '{name}' started twice")
        self._started.add(name)
        record = self.records[name]
        now = self.clock()
        deadline = None if task.timeout_s is None else now + task.timeout_s
        ctx = self._context(name, task, inputs, deadline)
        token = next(self._seq)
        self._running[name] = _Running(token, ctx, deadline)
        if deadline is not None:
            heapq.heappush(self._deadlines, (deadline, name, token))
        record.status = Status.RUNNING
        record.start_s = now - self._t0
        self._emit(EventKind.STARTED, name, attempt=1, max_attempts=ctx.max_attempts)
        future = executor.submit(task.body, ctx)
        future.add_done_callback(lambda f: self._done_queue.put((name, token, f)))

    def _inputs(self, task: Task) -> Mapping[str, Any]:
        """What the task reads: its dependencies' outputs, under the names it gives them."""
        if task.reads is None:
            return self.state.view(task.deps)
        return self.state.view_as(task.reads)

    def _context(
        self, name: str, task: Task, inputs: Mapping[str, Any], deadline: float | None
    ) -> TaskContext:
        return TaskContext(
            name=name,
            agent=task.agent,
            inputs=inputs,
            deadline=deadline,
            item=task.meta.get("item"),
            index=task.meta.get("index"),
            max_attempts=int(task.meta.get("max_attempts", 1)),
            emit=self.bus.emit,
            elapsed=self._now,
            clock=self.clock,
        )

    def _try_cache(self, name: str, task: Task, inputs: Mapping[str, Any]) -> bool:
        if self.cache is None or task.cache_key is None:
            return False
        key = task.cache_key(inputs, task.meta.get("item"))
        if key is None:
            return False
        self._cache_keys[name] = key
        found, value = self.cache.load(key)
        if not found:
            return False
        record = self.records[name]
        record.start_s = record.end_s = self._now()
        record.status = Status.CACHED
        self._emit(EventKind.CACHED, name)
        self._succeed(name, value)
        return True

    def _complete(self, name: str, token: int, future: Future) -> None:
        if self._is_stale(name, token):
            return  # timed out or cancelled earlier: its late result is discarded
        running = self._running.pop(name)
        record = self.records[name]
        record.end_s = self._now()
        ctx = running.ctx
        record.attempts = max(ctx.attempts, 1)
        record.tokens_in, record.tokens_out = ctx.tokens_in, ctx.tokens_out
        record.retries = list(ctx.retries)
        record.warnings = list(ctx.warnings)
        record.answers_kept, record.answers_replaced = ctx.answers_kept, ctx.answers_replaced
        if future.cancelled():
            self._fail(name, Status.CANCELLED, "cancelled by the executor")
        elif (error := future.exception()) is not None:
            record.exception = error
            self._fail(name, Status.FAILED, first_line(error))
        else:
            record.status = Status.DONE
            self._emit(
                EventKind.FINISHED,
                name,
                tokens_in=ctx.tokens_in,
                tokens_out=ctx.tokens_out,
                attempt=record.attempts,
                max_attempts=ctx.max_attempts,
            )
            value = future.result()
            if not ctx.answers_replaced:  # a replaced answer is asked for again on --resume
                self._store_in_cache(name, value)
            self._succeed(name, value)

    def _store_in_cache(self, name: str, value: Any) -> None:
        key = self._cache_keys.get(name)
        if self.cache is not None and key:
            try:
                self.cache.store(key, value)
            except OSError as exc:  # a full disk must not fail a run with its result
                self.records[name].warnings.append(cache_write_warning(name, exc))

    def _succeed(self, name: str, value: Any) -> None:
        self.state.write(name, value)
        self._release_dependents(name)

    def _release_dependents(self, name: str) -> None:
        for child in self._dependents[name]:
            self._waiting[child] -= 1
            if self._waiting[child] > 0:
                continue
            if self.records[child].is_group:
                self._finish_group(child)
            elif self.records[child].status is Status.PENDING:
                self._make_ready(child)

    def _finish_group(self, name: str) -> None:
        """All instances of a fan-out template are final: it succeeds or fails with them."""
        record = self.records[name]
        record.end_s = self._now()
        children = self._instances.get(name, [])
        bad = [c for c in children if not self.records[c].status.succeeded]
        outputs = tuple(self.state.get(c) if self.state.has(c) else None for c in children)
        self.state.write(name, outputs)
        if bad:
            self._fail(name, Status.FAILED, f"{len(bad)} of {len(children)} instances failed")
        else:
            record.status = Status.DONE
            self._release_dependents(name)

    def _fail(self, name: str, status: Status, error: str) -> None:
        """Mark `name` failed and skip what depends on it (unless it tolerates the failure)."""
        record = self.records[name]
        record.status = status
        record.error = error
        if record.end_s is None and record.start_s is not None:
            record.end_s = self._now()
        kind = {
            Status.FAILED: EventKind.FAILED,
            Status.TIMED_OUT: EventKind.TIMED_OUT,
            Status.SKIPPED: EventKind.SKIPPED,
            Status.CANCELLED: EventKind.CANCELLED,
        }[status]
        self._emit(kind, name, error=error, attempt=record.attempts)
        for child in self._dependents[name]:
            self._on_dependency_failed(child, name)
        if self.fail_fast and status in (Status.FAILED, Status.TIMED_OUT) and not self._stop_status:
            self._stop(RunStatus.FAILED, f"fail-fast: '{name}' {status.value.replace('_', ' ')}")

    def _on_dependency_failed(self, child: str, failed: str) -> None:
        record = self.records[child]
        if record.is_group and record.status is Status.RUNNING:
            self._waiting[child] -= 1  # an instance failed; the template waits for the rest
            if self._waiting[child] == 0:
                self._finish_group(child)
            return
        if record.status is not Status.PENDING:
            return
        if failed in self._tasks[child].meta.get("optional_deps", ()):
            self._release_one(child)
            return
        self._fail(child, Status.SKIPPED, f"dependency '{failed}' did not succeed")

    def _release_one(self, child: str) -> None:
        self._waiting[child] -= 1
        if self._waiting[child] == 0:
            self._make_ready(child)

    def _expire_deadlines(self) -> None:
        now = self.clock()
        while self._deadlines and self._deadlines[0][0] <= now:
            _, name, token = heapq.heappop(self._deadlines)
            if self._is_stale(name, token):
                continue
            running = self._running.pop(name)
            running.ctx.cancel_event.set()
            timeout = self._tasks[name].timeout_s
            self._copy_progress(name, running.ctx)
            self.records[name].end_s = self._now()
            self._fail(name, Status.TIMED_OUT, f"no result within its {timeout:g}s timeout")

    def _copy_progress(self, name: str, ctx: TaskContext) -> None:
        record = self.records[name]
        record.attempts = max(ctx.attempts, 1)
        record.retries = list(ctx.retries)
        record.warnings = list(ctx.warnings)

    def _stop(self, status: RunStatus, reason: str, stopped: Status = Status.CANCELLED) -> None:
        """Fail-fast, deadline or Ctrl-C: start nothing more and abandon what is running."""
        if self._stop_status is None:
            self._stop_status = status
        self._ready.clear()
        for name, running in self._running.items():
            running.ctx.cancel_event.set()
            self._copy_progress(name, running.ctx)
            self.records[name].status = stopped
        self._running.clear()
        for name in self.order:
            record = self.records[name]
            waiting = record.status in (Status.PENDING, Status.QUEUED)
            if waiting or (record.is_group and not record.status.final):
                record.status = Status.CANCELLED
            elif record.status is not stopped or record.error is not None:
                continue
            self._mark_stopped(record, reason)

    def _mark_stopped(self, record: TaskRecord, reason: str) -> None:
        """Record a stop without skipping dependents: everything not final stops with it."""
        record.error = reason
        if record.start_s is not None and record.end_s is None:
            record.end_s = self._now()
        kind = EventKind.TIMED_OUT if record.status is Status.TIMED_OUT else EventKind.CANCELLED
        if not record.is_group:
            self._emit(kind, record.name, error=reason, attempt=record.attempts)

    def _final_status(self) -> RunStatus:
        if self._stop_status is not None:
            return self._stop_status
        if any(r.status in _FAILED for r in self.records.values()):
            return RunStatus.PARTIAL
        return RunStatus.OK

    # -- helpers --------------------------------------------------------------------------

    def _now(self) -> float:
        return self.clock() - self._t0

    def _emit(self, kind: EventKind, name: str | None, **fields: Any) -> None:
        if self.bus:  # three events per agent: not built when nobody listens (a bare engine)
            self.bus.emit(Event(kind, name, self._now(), **fields))


def cache_write_warning(name: str, exc: OSError) -> dict[str, Any]:
    """The run warning for a result the cache could not keep: --resume will run it again."""
    reason = exc.strerror or type(exc).__name__
    return {
        "kind": "cache_write_failed",
        "agent": name,
        "message": f"the cache could not keep {name}'s result ({reason}):"
        f" --resume will run {name} again - free space in or move the cache (UCOP_CACHE_DIR)",
    }
