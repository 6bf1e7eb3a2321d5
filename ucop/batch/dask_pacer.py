"""The batch pacer on a Dask cluster, reached through Dask itself.

Workers on other machines do not connect back to a port of the batch machine: the batch
registers a `PacerPlugin` on the scheduler, the plugin holds the batch's `Pacer`, and each
model call of a task asks it through the worker's own connection to the scheduler (an RPC
handler, as `distributed.Semaphore` does). Those connections already carry the cluster's
security settings (TLS, authentication) and cross the network its users set up.

    on the scheduler   PacerPlugin: the Pacer, the tickets each worker holds, a thread pool
                       for calls that wait for a slot (the event loop never blocks)
    in each task       DaskPacer: the plugin's name; acquire/release/snapshot become
                       `worker.scheduler.ucop_pacer(...)` round trips

A worker that leaves the cluster (killed, lost) gives back the slots it held: the scheduler
tells the plugin (`remove_worker`). Its calls still waiting for a slot on the scheduler's pool
are granted later, to nobody: such a grant is given back at once, or every slot would leak
one by one and the rest of the batch wait forever. When the batch's client leaves (the batch
ended, or was killed), the plugin removes itself (`remove_client`). Grants and outcomes cross
as plain data (msgpack), so the scheduler unpickles nothing but the plugin itself, at
registration; it needs ucop installed.

On a local cluster whose workers are threads of this process, none of this is needed:
`shared()` hands the tasks the `Pacer` itself (by a name they look up), at no cost per call.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from distributed.diagnostics.plugin import SchedulerPlugin

from ucop.errors import UsageError
from ucop.providers.pacer import Grant, Outcome, Pacer, PacingLimits
from ucop.providers.ratelimit_headers import Limit, RateInfo

HANDLER = "ucop_pacer"
WAITERS = 64  # calls that may wait for a slot at once; more queue behind them


class PacerPlugin(SchedulerPlugin):
    """The batch's `Pacer`, held by the scheduler; tasks reach it through `DaskPacer`."""

    def __init__(self, limits: PacingLimits, name: str, owner: str = "") -> None:
        self.limits = limits
        self.name = name
        self.owner = owner  # the batch's client id: when it goes, so does this plugin

    async def start(self, scheduler: Any) -> None:
        self.pacer = Pacer(self.limits)
        self.held: dict[str, set[int]] = {}
        self.gone: set[str] = set()  # workers that left: what they are granted goes back
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(WAITERS, thread_name_prefix="ucop-pacer")
        if HANDLER not in scheduler.handlers:  # one handler for every batch's plugin

            async def ucop_pacer(**message: Any) -> dict[str, Any]:
                return await _dispatch(scheduler, **message)

            scheduler.handlers[HANDLER] = ucop_pacer

    def remove_client(self, scheduler: Any, client: str) -> None:
        """The batch's client left (the batch ended, or was killed): nothing will call again."""
        if client == self.owner and scheduler.plugins.get(self.name) is self:
            scheduler.remove_plugin(self.name)
            self._pool.shutdown(wait=False, cancel_futures=True)

    def remove_worker(self, scheduler: Any, worker: str, **kwargs: Any) -> None:
        """A worker left: the slots its calls held will never be released by them."""
        with self._lock:
            self.gone.add(worker)
            tickets = self.held.pop(worker, set())
        for ticket in tickets:
            self.pacer.release(Outcome(ticket))

    def add_worker(self, scheduler: Any, worker: str) -> None:
        """A worker (re)joined: an address that comes back is served again."""
        with self._lock:
            self.gone.discard(worker)

    async def call(self, method: str, args: list[Any], worker: str | None) -> Any:
        if method == "acquire":
            loop = asyncio.get_running_loop()
            grant = await loop.run_in_executor(self._pool, self.pacer.acquire, *args)
            if worker and not grant.refused:
                with self._lock:
                    orphan = worker in self.gone
                    if not orphan:
                        self.held.setdefault(worker, set()).add(grant.ticket)
                if orphan:  # the worker left while this call waited: nobody will release it
                    self.pacer.release(Outcome(grant.ticket))
                    return dataclasses.asdict(Grant(refused="timeout", detail="worker left"))
            return dataclasses.asdict(grant)
        if method == "release":
            outcome = outcome_from(args[0])
            with self._lock:
                self.held.get(worker or "", set()).discard(outcome.ticket)
            self.pacer.release(outcome)
            return None
        if method == "snapshot":
            return self.pacer.snapshot()
        if method == "close":
            self._pool.shutdown(wait=False, cancel_futures=True)
            return None
        raise ValueError(f"unknown pacer method {method!r}")


async def _dispatch(
    scheduler: Any, batch: str, method: str, args: list[Any], worker: str | None = None
) -> dict[str, Any]:
    plugin = scheduler.plugins.get(batch)
    if not isinstance(plugin, PacerPlugin):
        return {"error": f"no ucop batch pacer {batch!r} on this scheduler (the batch ended?)"}
    try:
        return {"answer": await plugin.call(method, args, worker)}
    except Exception as exc:  # noqa: BLE001 - goes back to the caller as one line
        return {"error": f"{type(exc).__name__}: {exc}"}


class DaskPacer:
    """The `Pacer` interface of a batch's `PacerPlugin`; pickles as the plugin's name."""

    def __init__(self, batch: str, client: Any = None) -> None:
        self.batch = batch
        self._client = client  # the batch's own client, for calls outside a task

    def __getstate__(self) -> str:
        return self.batch

    def __setstate__(self, state: str) -> None:
        self.batch, self._client = state, None

    def acquire(
        self, tokens: int = 0, cost: float = 0.0, timeout: float = 60.0, prefix: Any = ()
    ) -> Grant:
        return Grant(**self._call("acquire", tokens, cost, timeout, list(prefix)))

    def release(self, outcome: Outcome) -> None:
        self._call("release", dataclasses.asdict(outcome))

    def snapshot(self) -> dict[str, Any]:
        return dict(self._call("snapshot"))

    def close(self) -> None:
        self._call("close")

    def _call(self, method: str, *args: Any) -> Any:
        from distributed.utils import sync

        rpc, loop, address = self._route()
        reply = sync(
            loop,
            getattr(rpc, HANDLER),
            batch=self.batch,
            method=method,
            args=list(args),
            worker=address,
        )
        if "error" in reply:
            raise RuntimeError(f"batch pacer: {reply['error']}")
        return reply["answer"]

    def _route(self) -> tuple[Any, Any, str | None]:
        """The scheduler's RPC, the loop to call it on, and the worker calling (if any).

        The calls come from an article's agent threads, not the Dask task's thread, so
        `get_worker()` does not know them: they use this process's worker (a worker process
        has one; in-process workers all share one scheduler).
        """
        from distributed import Worker, get_worker

        if self._client is not None:
            return self._client.scheduler, self._client.loop, None
        worker: Worker | None
        try:
            worker = get_worker()
        except ValueError:
            worker = next(iter(Worker._instances), None)
        if worker is None:
            raise RuntimeError("batch pacer: not in a Dask worker, and no client to call with")
        return worker.scheduler, worker.loop, worker.address

    def __repr__(self) -> str:
        return f"DaskPacer({self.batch})"


def outcome_from(data: dict[str, Any]) -> Outcome:
    """An `Outcome` back from `dataclasses.asdict`, rate-limit headers included."""
    info = data.get("info")
    if info is not None:
        info = RateInfo(requests=Limit(**info["requests"]), tokens=Limit(**info["tokens"]))
    return Outcome(**{**data, "info": info})


@contextlib.contextmanager
def on_scheduler(client: Any, limits: PacingLimits) -> Iterator[DaskPacer]:
    """A pacer held by the scheduler of `client` until the block ends."""
    name = f"ucop-pacer-{secrets.token_hex(8)}"
    try:
        client.register_plugin(PacerPlugin(limits, name, owner=client.id), name=name)
    except Exception as exc:  # noqa: BLE001 - a scheduler that refuses plugins, or lacks ucop
        raise UsageError(
            f"the Dask scheduler did not take the batch pacer ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())}) - install ucop on the scheduler's machine too, and "
            "allow pickled plugins (distributed.scheduler.pickle: true, the default)"
        ) from None
    pacer = DaskPacer(name, client)
    try:
        yield pacer
    finally:
        with contextlib.suppress(Exception):
            pacer.close()
            client.unregister_scheduler_plugin(name)


_SHARED: dict[str, Pacer] = {}


class SharedPacer:
    """A `Pacer` for tasks on threads of this process that pickles as a name to look up."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pacer = _SHARED[name]

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (SharedPacer, (self.name,))

    def acquire(
        self, tokens: int = 0, cost: float = 0.0, timeout: float = 60.0, prefix: Any = ()
    ) -> Grant:
        return self.pacer.acquire(tokens, cost, timeout, prefix)

    def release(self, outcome: Outcome) -> None:
        self.pacer.release(outcome)

    def snapshot(self) -> dict[str, Any]:
        return dict(self.pacer.snapshot())


@contextlib.contextmanager
def shared(limits: PacingLimits) -> Iterator[SharedPacer]:
    """A pacer for an in-process cluster: the tasks share the object itself."""
    name = secrets.token_hex(8)
    _SHARED[name] = Pacer(limits)
    try:
        yield SharedPacer(name)
    finally:
        del _SHARED[name]
