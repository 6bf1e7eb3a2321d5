"""Which waiting model request goes next: the one the server can answer with the least work.

A local llama.cpp server keeps each slot's last prompt (and answer) in its KV cache and only
reads the part of a new prompt past the prefix they share. In a sequential run that prefix is
long: an agent's follow-up (the judge's "answer again", a retry) comes straight after its
answer, and calls of one kind (the section writers: one system prompt, one shared block of
material) come one after another. A parallel run against a one-slot server sends the same
calls interleaved: each switch between agents makes the server read a whole prompt again, and
the parallel run can end up slower than the sequential one (0.86x measured before this).

`Lineup` gives the one-slot server the sequential run's order back without giving up the
overlap of everything else:

- among the requests waiting for a slot, the one sharing the longest prefix with the request
  started last goes first (ties: first come, first served);
- when a call ends and the next start would take the last free slot, that slot is held for a
  moment (`HOLD_S`, at most `HOLD_FRACTION` of the call's own time) for the same
  conversation's follow-up. This is anticipatory scheduling (Iyer and Druschel, 2001; Linux's
  anticipatory I/O scheduler): after a read, wait briefly for the same process's next nearby
  read instead of seeking away at once.

Prompts are compared by `prefix_key`: digests of the prompt's successive prefixes (the system
prompt, its shared block, each message) with their lengths, so a key crosses a socket as a
few short strings. `fresh` says what fraction of a prompt the server had not read just
before (the concurrency limiter times a call by the prompt the server really read: a
follow-up that reuses its cache is not "served faster than alone").
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ucop.providers.base import Message

PrefixKey = tuple[str, ...]
HOLD_S = 0.5  # the longest a freed slot waits for its conversation's follow-up
HOLD_FRACTION = 0.1  # ... and at most this fraction of the call that freed it


def prefix_key(messages: Sequence[Message], shared_prefix: int = 0) -> PrefixKey:
    """Digests of the prompt's successive prefixes: after each message, and after the first
    user message's shared block (`shared_prefix` characters) when it has one."""
    digest = hashlib.blake2b(digest_size=8)
    key: list[str] = []
    shared_left, size = shared_prefix, 0
    for message in messages:
        digest.update(f"\x1e{message.role}\x1f".encode())
        if message.role == "user" and 0 < shared_left < len(message.content):
            digest.update(message.content[:shared_left].encode())
            key.append(f"{digest.hexdigest()}/{size + shared_left}")
            digest.update(message.content[shared_left:].encode())
            shared_left = 0
        else:
            digest.update(message.content.encode())
        size += len(message.content)
        key.append(f"{digest.hexdigest()}/{size}")
    return tuple(key)


def fresh(key: PrefixKey, before: PrefixKey) -> float:
    """The fraction of `key`'s prompt not shared with `before` (1.0: all of it, or unknown)."""
    total, shared = _size(key[-1]) if key else 0, common(key, before)
    if total <= 0:
        return 1.0
    return max(0.0, 1.0 - (_size(key[shared - 1]) if shared else 0) / total)


def _size(element: str) -> int:
    """The characters a key element covers (its `/n` suffix; 0 if it has none)."""
    head, _, size = element.rpartition("/")
    return int(size) if head and size.isdigit() else 0


def common(a: Sequence[str], b: Sequence[str]) -> int:
    """How many leading prefixes `a` and `b` share."""
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return shared


def follows(key: PrefixKey, earlier: PrefixKey) -> bool:
    """True when `key`'s prompt starts with all of `earlier`'s (a follow-up or a retry)."""
    return bool(earlier) and len(key) >= len(earlier) and key[: len(earlier)] == earlier


@dataclass(frozen=True)
class Waiter:
    """A request waiting for a slot: its arrival order and prompt key."""

    seq: int
    key: PrefixKey


class Lineup:
    """The order in which waiting requests get a free slot. Not thread-safe: the caller
    (the pacer) holds its own lock around every call."""

    def __init__(self, hold_s: float = HOLD_S, hold_fraction: float = HOLD_FRACTION) -> None:
        self.hold_s = hold_s
        self.hold_fraction = hold_fraction
        self.last: PrefixKey = ()  # the request started last: what the server holds
        self._waiting: list[Waiter] = []
        self._seq = 0
        self._held_for: PrefixKey = ()
        self._held_until = -math.inf
        self.holds = 0  # slots held for a follow-up
        self.followed = 0  # follow-ups that started within their hold
        self.reordered = 0  # grants that passed over a request that came earlier

    def join(self, key: Sequence[str]) -> Waiter:
        self._seq += 1
        waiter = Waiter(self._seq, tuple(key))
        self._waiting.append(waiter)
        return waiter

    def leave(self, waiter: Waiter) -> None:
        if waiter in self._waiting:
            self._waiting.remove(waiter)

    def turn(self, waiter: Waiter, now: float, last_slot: bool) -> bool:
        """True when `waiter` may take a free slot now. `last_slot`: it is the only free one
        (a held slot only binds then)."""
        held = last_slot and self.holding(now)
        eligible = [w for w in self._waiting if not held or follows(w.key, self._held_for)]
        return waiter in eligible and waiter == max(eligible, key=self._rank)

    def holding(self, now: float) -> bool:
        return now < self._held_until

    def wait_s(self, left: float, now: float) -> float:
        """How long a waiter may sleep: until its deadline, or until a hold runs out."""
        return min(left, self._held_until - now) if self.holding(now) else left

    def started(self, waiter: Waiter) -> float:
        """`waiter` got a slot; the fraction of its prompt the server had not just read."""
        unread = fresh(waiter.key, self.last)
        if waiter.seq > min(w.seq for w in self._waiting):
            self.reordered += 1
        if self._held_for and follows(waiter.key, self._held_for):
            self.followed += 1
        self._held_for, self._held_until = (), -math.inf
        self.last = waiter.key
        return unread

    def ended(self, key: PrefixKey, took_s: float, now: float) -> None:
        """A call with prompt `key` ended after `took_s`: hold its slot for a follow-up."""
        hold = min(self.hold_s, self.hold_fraction * max(took_s, 0.0))
        if key and hold > 0 and key == self.last:  # still what the server holds
            self._held_for, self._held_until = key, now + hold
            self.holds += 1

    def snapshot(self) -> dict[str, int]:
        return {"held": self.holds, "followed": self.followed, "reordered": self.reordered}

    def _rank(self, waiter: Waiter) -> tuple[int, int]:
        return (common(waiter.key, self.last), -waiter.seq)
