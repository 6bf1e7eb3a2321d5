"""The batch pacer held by the Dask scheduler: slots of a lost worker, plain data across."""

from __future__ import annotations

import asyncio
import pickle

import pytest

pytest.importorskip("distributed")

from ucop.batch.dask_pacer import HANDLER, DaskPacer, PacerPlugin, outcome_from  # noqa: E402
from ucop.providers.pacer import Outcome, PacingLimits  # noqa: E402
from ucop.providers.ratelimit_headers import Limit, RateInfo  # noqa: E402

pytestmark = pytest.mark.dask


class FakeScheduler:
    """What a `PacerPlugin` uses of a scheduler: its handlers and its plugins by name."""

    def __init__(self) -> None:
        self.handlers: dict = {}
        self.plugins: dict = {}

    def remove_plugin(self, name: str) -> None:
        del self.plugins[name]


def _started(limits: PacingLimits) -> tuple[FakeScheduler, PacerPlugin]:
    scheduler, plugin = FakeScheduler(), PacerPlugin(limits, "ucop-pacer-test", owner="batch")
    asyncio.run(plugin.start(scheduler))
    scheduler.plugins[plugin.name] = plugin
    return scheduler, plugin


def _ask(scheduler: FakeScheduler, method: str, *args, worker: str | None = None) -> dict:
    handler = scheduler.handlers[HANDLER]
    return asyncio.run(
        handler(batch="ucop-pacer-test", method=method, args=list(args), worker=worker)
    )


def test_slots_held_by_a_worker_that_leaves_are_given_back():
    scheduler, plugin = _started(PacingLimits(2, adaptive=False))
    first = _ask(scheduler, "acquire", 0, 0.0, 5, worker="tcp://w1")["answer"]
    second = _ask(scheduler, "acquire", 0, 0.0, 5, worker="tcp://w2")["answer"]
    assert (first["ticket"], second["ticket"]) == (1, 2)
    assert _ask(scheduler, "acquire", 0, 0.0, 0, worker="tcp://w2")["answer"]["refused"]
    plugin.remove_worker(scheduler, "tcp://w1", stimulus_id="test")
    assert plugin.pacer.in_flight == 1
    third = _ask(scheduler, "acquire", 0, 0.0, 5, worker="tcp://w2")["answer"]
    assert third["ticket"] == 3 and not third["refused"]
    assert plugin.held == {"tcp://w2": {2, 3}}


def test_a_call_still_waiting_when_its_worker_leaves_does_not_keep_the_slot():
    """The worker was killed while its call waited on the scheduler: the slot it is granted
    later must come back, or each such call leaks one and the batch stops (CI, session 4)."""
    scheduler, plugin = _started(PacingLimits(1, adaptive=False))
    handler = scheduler.handlers[HANDLER]

    async def scenario() -> tuple[dict, dict]:
        held = await handler(batch=plugin.name, method="acquire", args=[0, 0.0, 5], worker="w2")
        waiting = asyncio.ensure_future(
            handler(batch=plugin.name, method="acquire", args=[0, 0.0, 30], worker="w1")
        )
        while not plugin.pacer.lineup._waiting:
            await asyncio.sleep(0.01)  # w1's call waits for w2's slot
        plugin.remove_worker(scheduler, "w1", stimulus_id="test")
        ticket = held["answer"]["ticket"]
        await handler(batch=plugin.name, method="release", args=[{"ticket": ticket}], worker="w2")
        late = await asyncio.wait_for(waiting, 10)
        after = await handler(batch=plugin.name, method="acquire", args=[0, 0.0, 1], worker="w3")
        return late, after

    late, after = asyncio.run(scenario())
    assert late["answer"]["refused"] and late["answer"]["detail"] == "worker left"
    assert not after["answer"]["refused"]  # the slot came back
    assert plugin.pacer.in_flight == 1 and "w1" not in plugin.held
    plugin.add_worker(scheduler, "w1")  # an address that rejoins is served again
    assert _ask(scheduler, "release", {"ticket": after["answer"]["ticket"]}, worker="w3") == {
        "answer": None
    }
    assert not _ask(scheduler, "acquire", 0, 0.0, 1, worker="w1")["answer"]["refused"]


def test_an_unknown_batch_or_method_is_an_error_reply_not_a_crash():
    scheduler, _ = _started(PacingLimits(1))
    handler = scheduler.handlers[HANDLER]
    gone = asyncio.run(handler(batch="ucop-pacer-other", method="snapshot", args=[]))
    assert "no ucop batch pacer 'ucop-pacer-other'" in gone["error"]
    assert "unknown pacer method 'exec'" in _ask(scheduler, "exec")["error"]


def test_an_outcome_crosses_as_plain_data_headers_included():
    info = RateInfo(requests=Limit(100, 7, 1.5), tokens=Limit(None, None, None))
    outcome = Outcome(4, estimated_tokens=10, used_tokens=12, rate_limited=True, info=info)
    import dataclasses

    assert outcome_from(dataclasses.asdict(outcome)) == outcome
    assert pickle.loads(pickle.dumps(DaskPacer("ucop-pacer-x", client=object()))).batch == (
        "ucop-pacer-x"
    )


def test_the_plugin_goes_when_the_batch_client_goes_and_not_before():
    scheduler, plugin = _started(PacingLimits(1))
    plugin.remove_client(scheduler, "someone-else")
    assert scheduler.plugins == {"ucop-pacer-test": plugin}
    plugin.remove_client(scheduler, "batch")  # the batch ended, or was killed
    assert scheduler.plugins == {}
    assert "no ucop batch pacer" in _ask(scheduler, "snapshot")["error"]
