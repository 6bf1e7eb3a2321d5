"""How many model requests the server really runs at once, learnt from its tokens per second.

A hosted API runs every request it accepts in parallel; a local llama.cpp server runs one
(or `-np N`) and queues the rest inside itself. Against a queue, more requests in flight only
make each one slower: latency grows with the requests in flight while the server's output
tokens per second do not. Sending them anyway gains nothing and hides the queue in every
agent's time, which then inflates "agent time / wall time".

`ThroughputLimiter` is a gradient limiter in the spirit of Netflix's concurrency-limits
(Vegas, Gradient2), measured in output tokens per second rather than round-trip time, since
answers differ in length. Each answer is a sample: its tokens per second, relative to the
rate of answers that had the server to themselves, times the average number of requests in
flight while it ran, is the server's *throughput factor* at that level (1.0 at one request; N
for N requests served truly in parallel; still 1.0 at any level for a one-slot queue). The
limit climbs one request at a time while each step raised throughput by at least `GAIN`, and
stays at the last level that did. The pacer's AIMD on 429s still cuts its own window; the
smaller of the two applies.

`served_time` turns the calls' intervals into the time a sequential run would have spent in
them: at most `parallelism` calls count at any moment, so time queued behind another call of
the same run counts once, not twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

GAIN = 0.15  # a level must raise throughput by this fraction to be worth its extra request
SMOOTH = 0.5  # weight of a new sample in a level's running average
SOLO = 1.1  # a call whose average requests in flight stay below this had the server alone


class ThroughputLimiter:
    """The requests in flight worth sending, from each answer's tokens/s and requests in flight.

    Thread-safe only under the caller's lock (the pacer's).
    """

    def __init__(self, max_limit: int, slots: int | None = None) -> None:
        self.max_limit = max(1, min(max_limit, slots or max_limit))
        self.slots = slots  # what the server reported, if it did
        self.solo_rate: float | None = None  # tokens/s of a call with the server to itself
        self.factors: dict[int, float] = {1: 1.0}  # level -> throughput factor
        self.samples = 0

    def observe(self, latency_s: float, tokens: int, in_flight: float) -> None:
        """One answered call: its latency, output tokens and average requests in flight."""
        if latency_s <= 0 or in_flight <= 0 or not math.isfinite(latency_s):
            return
        rate = max(tokens, 1) / latency_s
        self.samples += 1
        if in_flight < SOLO:
            self.solo_rate = _mix(self.solo_rate, rate)
            return
        if self.solo_rate is None:
            return
        level = min(max(2, round(in_flight)), self.max_limit)
        factor = in_flight * rate / self.solo_rate
        self.factors[level] = _mix(self.factors.get(level), factor)

    @property
    def limit(self) -> int:
        """Requests to allow in flight: the last level whose step paid, plus one to probe."""
        if self.solo_rate is None:
            return self.max_limit  # nothing measured yet: the pacer's own window decides
        level = 1
        while level < self.max_limit:
            upper = self.factors.get(level + 1)
            if upper is None:
                return level + 1  # not measured yet: try it
            if upper < self.factors[level] * (1 + GAIN):
                return level
            level += 1
        return level

    @property
    def parallelism(self) -> float:
        """The best throughput factor measured: requests the server serves at once (>= 1).

        Infinite when nothing says otherwise (no solo answer yet, or only one level seen on a
        server that may take more), so no call's time is discounted without evidence.
        """
        cap = float(self.slots) if self.slots else math.inf
        if self.solo_rate is None or not self._queue_seen():
            return cap
        return max(1.0, min(max(self.factors.values()), cap))

    def _queue_seen(self) -> bool:
        """True when some level added a request and not the throughput to go with it."""
        levels = sorted(self.factors)
        return any(
            self.factors[upper] < self.factors[lower] * (1 + GAIN)
            for lower, upper in zip(levels, levels[1:], strict=False)
            if upper == lower + 1
        )

    def snapshot(self) -> dict[str, object]:
        """For run.json: the limit, the server's parallelism and each level's factor."""
        parallel = self.parallelism
        return {
            "limit": self.limit,
            "server_parallelism": None if math.isinf(parallel) else round(parallel, 2),
            "server_slots": self.slots,
            "throughput_by_level": {str(k): round(v, 2) for k, v in sorted(self.factors.items())},
            "samples": self.samples,
        }


def served_time(intervals: Iterable[tuple[float, float]], parallelism: float) -> float:
    """Seconds of model work in `intervals` (start, end) counting at most `parallelism`
    calls at any moment: the integral of min(calls in flight, parallelism) over time."""
    events: list[tuple[float, int]] = []
    for start, end in intervals:
        if end > start:
            events += [(start, 1), (end, -1)]
    events.sort()
    total, in_flight, last = 0.0, 0, 0.0
    for when, change in events:
        if in_flight:
            total += (when - last) * min(in_flight, parallelism)
        in_flight += change
        last = when
    return total


def _mix(old: float | None, new: float) -> float:
    return new if old is None else (1 - SMOOTH) * old + SMOOTH * new
