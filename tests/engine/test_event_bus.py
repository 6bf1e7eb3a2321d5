"""Events are built only for listeners, and a bus handed to the scheduler is the one it uses."""

from __future__ import annotations

from tests.engine.helpers import Probe, article_graph
from ucop.engine import EventBus, EventKind, Scheduler


def test_a_bus_without_subscribers_is_false_and_one_with_them_true():
    bus = EventBus()
    assert not bus
    bus.subscribe(lambda event: None)
    assert bus


def test_subscribing_after_the_scheduler_is_made_still_receives_every_event():
    """An empty bus is falsy: the scheduler must keep the bus it was given, not make its own."""
    bus = EventBus()
    probe = Probe()
    scheduler = Scheduler(article_graph(probe, scale=0.0), max_parallel=3, bus=bus)
    seen = []
    bus.subscribe(seen.append)
    scheduler.run()
    started = {e.agent for e in seen if e.kind is EventKind.STARTED}
    assert started >= set(probe.calls)  # every agent that ran was announced
    assert len(seen) >= 3 * len(probe.calls)


def test_a_bare_engine_runs_the_same_without_listeners():
    probe = Probe()
    result = Scheduler(article_graph(probe, scale=0.0), max_parallel=3).run()
    assert result.status.value == "ok"
    assert all(count == 1 for count in probe.calls.values()) and probe.calls
