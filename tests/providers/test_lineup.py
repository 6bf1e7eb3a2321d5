"""The lineup: which waiting request a one-slot server gets next, so it can reuse its cache."""

from __future__ import annotations

import threading

from tests.helpers import wait_for
from ucop.providers.affinity import Lineup, common, follows, fresh, prefix_key
from ucop.providers.base import Message
from ucop.providers.concurrency import Sample, ThroughputLimiter
from ucop.providers.pacer import Outcome, Pacer, PacingLimits

SHARED = "Passages:\n[1] Webhooks are signed.\n\n"


def _writer(section: str) -> tuple[str, ...]:
    user = SHARED + f"Write the section {section}."
    return prefix_key(
        (Message("system", "You write sections."), Message("user", user)), len(SHARED)
    )


def _intro() -> tuple[str, ...]:
    return prefix_key((Message("system", "You write introductions."), Message("user", "Go.")))


def _follow_up(key_messages: tuple[Message, ...]) -> tuple[str, ...]:
    return prefix_key((*key_messages, Message("assistant", "Bad."), Message("user", "Again.")))


def test_prefix_keys_share_what_the_prompts_share() -> None:
    first = (Message("system", "You write sections."), Message("user", SHARED + "Write A."))
    assert common(_writer("A"), _writer("B")) == 2  # the system prompt and the shared block
    assert common(_writer("A"), _intro()) == 0
    assert follows(_follow_up(first), prefix_key(first))
    assert not follows(prefix_key(first), _follow_up(first))
    assert fresh(_follow_up(first), prefix_key(first)) < 0.5  # most of it was just read
    assert fresh(_writer("A"), _intro()) == 1.0
    assert 0.0 < fresh(_writer("B"), _writer("A")) < 1.0


def test_the_waiter_sharing_most_with_the_last_request_goes_first() -> None:
    lineup = Lineup()
    started = lineup.join(_writer("A"))
    lineup.started(started)
    lineup.leave(started)
    intro = lineup.join(_intro())  # came first
    sibling = lineup.join(_writer("B"))
    assert lineup.turn(sibling, now=0.0, last_slot=True)
    assert not lineup.turn(intro, now=0.0, last_slot=True)
    lineup.started(sibling)
    lineup.leave(sibling)
    assert lineup.turn(intro, now=0.0, last_slot=True)  # then first come
    assert lineup.snapshot()["reordered"] == 1


def test_a_freed_slot_waits_briefly_for_its_conversations_follow_up() -> None:
    lineup = Lineup(hold_s=0.5, hold_fraction=0.1)
    messages = (Message("system", "S"), Message("user", "Write A."))
    first = lineup.join(prefix_key(messages))
    lineup.started(first)
    lineup.leave(first)
    lineup.ended(prefix_key(messages), took_s=30.0, now=100.0)  # held until 100.5
    other = lineup.join(_intro())
    assert not lineup.turn(other, now=100.2, last_slot=True)
    assert lineup.turn(other, now=100.2, last_slot=False)  # a free slot besides: no hold
    follow = lineup.join(_follow_up(messages))
    assert lineup.turn(follow, now=100.2, last_slot=True)
    assert lineup.turn(other, now=100.6, last_slot=True) is False  # the follow-up still ranks
    lineup.leave(follow)
    assert lineup.turn(other, now=100.6, last_slot=True)  # the hold ran out


def test_a_short_call_holds_its_slot_for_a_fraction_of_its_own_time() -> None:
    lineup = Lineup(hold_s=0.5, hold_fraction=0.1)
    first = lineup.join(_intro())
    lineup.started(first)
    lineup.leave(first)
    lineup.ended(_intro(), took_s=0.2, now=10.0)  # 20 ms, not 0.5 s
    other = lineup.join(_writer("A"))
    assert not lineup.turn(other, now=10.01, last_slot=True)
    assert lineup.turn(other, now=10.03, last_slot=True)


def _acquire_in_thread(pacer: Pacer, key: tuple[str, ...], order: list[str], name: str):
    def run() -> None:
        grant = pacer.acquire(timeout=30.0, prefix=key)
        order.append(name)
        pacer.release(Outcome(grant.ticket))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_the_pacer_grants_a_one_slot_server_its_best_reuse_first() -> None:
    pacer = Pacer(PacingLimits(1))
    pacer.lineup = Lineup(hold_s=0.0)
    first = pacer.acquire(prefix=_writer("A"))
    order: list[str] = []
    threads = [_acquire_in_thread(pacer, _intro(), order, "intro")]
    wait_for(lambda: len(pacer.lineup._waiting) == 1)
    threads.append(_acquire_in_thread(pacer, _writer("B"), order, "writer B"))
    wait_for(lambda: len(pacer.lineup._waiting) == 2)
    pacer.release(Outcome(first.ticket))
    for thread in threads:
        thread.join(30)
    assert order == ["writer B", "intro"]


def test_the_pacer_holds_the_slot_for_the_follow_up_not_the_request_that_waited() -> None:
    pacer = Pacer(PacingLimits(1))
    pacer.lineup = Lineup(hold_s=30.0, hold_fraction=1e9)  # hold as long as it takes
    messages = (Message("system", "S"), Message("user", "Write A."))
    first = pacer.acquire(prefix=prefix_key(messages))
    order: list[str] = []
    waiting = _acquire_in_thread(pacer, _intro(), order, "intro")
    wait_for(lambda: len(pacer.lineup._waiting) == 1)
    pacer.release(Outcome(first.ticket))  # the intro is waiting, but the slot is held
    follow = pacer.acquire(timeout=5.0, prefix=_follow_up(messages))
    assert not follow.refused and order == []
    order.append("follow-up")
    pacer.lineup.hold_s = 0.0  # no hold after the follow-up: the intro may go
    pacer.release(Outcome(follow.ticket))
    waiting.join(30)
    assert order == ["follow-up", "intro"]


def test_a_new_level_is_judged_once_as_many_calls_ended_as_it_allows() -> None:
    limiter = ThroughputLimiter(5)
    limiter.observe(Sample(0.0, 1.0, 100, 100, 1.0, 1))
    limiter.observe(Sample(1.0, 1.5, 100, 50, 1.0, 1))
    assert limiter.limit == 2
    # the first answer back under limit 2 did not queue (it was served first): not evidence
    limiter.observe(Sample(1.5, 2.5, 100, 100, 1.5, 2))
    assert limiter.limit == 2 and "2" not in limiter.snapshot()["throughput_by_level"]
    limiter.observe(Sample(1.5, 3.5, 100, 100, 1.5, 2))  # the second waited behind it
    assert limiter.limit == 1 and limiter.parallelism == 1.0
