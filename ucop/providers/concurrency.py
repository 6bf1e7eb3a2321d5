"""How many model requests the server really runs at once, learnt from the answers' timing.

A hosted API runs every request it accepts in parallel; a local llama.cpp server runs one
(or `-np N`) and queues the rest inside itself. Against a queue, more requests in flight only
make each one slower: latency grows with the requests in flight while the server's output
tokens per second do not. Sending them anyway gains nothing and hides the queue in every
agent's time, which then inflates "agent time / wall time".

`ThroughputLimiter` is a gradient limiter in the spirit of Netflix's concurrency-limits
(Vegas, Gradient2). Its "no-load RTT" is a service-time model, `latency = a + b x output
tokens`, fitted to the answers that had the server to themselves (the first `SOLO_PROBES`
calls go one at a time to get them), because answers differ in length. The calls that shared
the server under a given limit needed, by the model, so many seconds alone; divided by the
time the server was busy with them, that is its *throughput factor* at that limit: 1.0 at
one request, N for N requests served truly in parallel, still 1.0 at any limit for a
one-slot queue (it finishes one call's worth of work per call's time). The limit climbs one
request at a time while each step raised throughput by at least `GAIN` and stays at the last
level that did. The pacer's AIMD on 429s still cuts its own window; the
smaller of the two applies. A server that reports its slots (llama-server's `/props`) caps it.

`served_time` turns the calls' intervals into the time a sequential run would have spent in
them: at most `parallelism` calls count at any moment, so time queued behind another call of
the same run counts once, not twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

GAIN = 0.15  # a level must raise throughput by this fraction to be worth its extra request
SOLO = 1.1  # a call whose average requests in flight stay below this had the server alone
SOLO_PROBES = 2  # answers sent one at a time at the start, to fit the service-time model
MAX_SAMPLES = 512

# start, end (the pacer's clock), output tokens, average requests in flight, limit at grant
Sample = tuple[float, float, int, float, int]


class ThroughputLimiter:
    """The requests in flight worth sending, learnt from each answer's latency and size.

    Thread-safe only under the caller's lock (the pacer's).
    """

    def __init__(self, max_limit: int, slots: int | None = None) -> None:
        self.max_limit = max(1, min(max_limit, slots or max_limit))
        self.slots = slots  # what the server reported, if it did
        self.solo: list[Sample] = []
        self.shared: list[Sample] = []
        self.factors: dict[int, float] = {1: 1.0}  # level -> throughput factor
        self.offered: dict[int, float] = {1: 1.0}  # level -> average requests in flight
        self.samples = 0

    def observe(self, start: float, end: float, tokens: int, in_flight: float, level: int) -> None:
        """One answered call: when it ran, its output tokens, the average requests in flight
        while it ran and the limit it was granted under."""
        if not (end > start and in_flight > 0 and math.isfinite(end - start)):
            return
        self.samples += 1
        sample = (start, end, max(tokens, 0), in_flight, level)
        (self.solo if in_flight < SOLO else self.shared).append(sample)
        del self.solo[:-MAX_SAMPLES], self.shared[:-MAX_SAMPLES]
        self.factors, self.offered = level_factors(self.solo, self.shared, self.max_limit)

    @property
    def limit(self) -> int:
        """Requests to allow in flight: the last level whose step paid, plus one to probe."""
        if len(self.solo) < SOLO_PROBES and self.samples < 2 * SOLO_PROBES:
            return 1  # fitting the service-time model first
        level, paid = self._settled()
        return level + 1 if paid and level < self.max_limit else level

    def _settled(self) -> tuple[int, bool]:
        """The last level whose step paid, and whether the next one is still unmeasured."""
        level = 1
        while level < self.max_limit:
            upper = self.factors.get(level + 1)
            if upper is None:
                return level, True
            if not self._paid(level + 1):
                return level, False
            level += 1
        return level, False

    @property
    def parallelism(self) -> float:
        """The throughput factor at the last level that paid: requests the server serves at
        once (>= 1). Infinite (or the reported slots) while every step measured paid, as on a
        hosted API, so no call's time is discounted without evidence of a queue.
        """
        cap = float(self.slots) if self.slots else math.inf
        level, probing = self._settled()
        if probing or level == self.max_limit:
            return cap  # every step measured so far paid: no sign of a queue
        return max(1.0, min(self.factors[level], cap))

    def _paid(self, level: int) -> bool:
        """True when the server kept up with what `level` offered (no queue formed), or
        its throughput rose by `GAIN` over the level below."""
        factor = self.factors[level]
        kept_up = factor >= (1 - GAIN) * self.offered[level]
        return kept_up or factor >= self.factors[level - 1] * (1 + GAIN)

    def snapshot(self) -> dict[str, object]:
        """For run.json: the limit, the server's parallelism and each level's factor."""
        parallel = self.parallelism
        return {
            "limit": self.limit,
            "server_parallelism": None if math.isinf(parallel) else round(parallel, 2),
            "server_slots": self.slots,
            "throughput_by_level": {str(k): round(v, 2) for k, v in sorted(self.factors.items())},
            "offered_by_level": {str(k): round(v, 2) for k, v in sorted(self.offered.items())},
            "samples": self.samples,
        }


def service_model(solo: Sequence[Sample]) -> tuple[float, float] | None:
    """`(a, b)` for `latency = a + b x tokens`, fitted to answers served alone (a, b >= 0).

    Least squares where the sizes differ enough to tell a fixed cost from a per-token one;
    otherwise all fixed cost (a server whose latency does not depend on the answer).
    """
    if not solo:
        return None
    points = [(end - start, tokens) for start, end, tokens, _, _ in solo]
    n = len(points)
    mean_t = sum(t for _, t in points) / n
    mean_l = sum(latency for latency, _ in points) / n
    spread = sum((t - mean_t) ** 2 for _, t in points)
    if spread <= (0.15 * mean_t) ** 2 * n:
        return mean_l, 0.0
    b = sum((t - mean_t) * (latency - mean_l) for latency, t in points) / spread
    a = mean_l - b * mean_t
    if b < 0:
        return mean_l, 0.0
    if a < 0:
        return 0.0, mean_l / max(mean_t, 1e-9)
    return a, b


def level_factors(
    solo: Sequence[Sample], shared: Sequence[Sample], max_limit: int
) -> tuple[dict[int, float], dict[int, float]]:
    """Throughput factor per limit (1 is 1.0 by definition): the seconds the calls that
    shared the server under that limit needed alone, over the time it was busy with them;
    and the requests in flight they offered (their time, over the same busy time)."""
    model = service_model(solo)
    factors: dict[int, float] = {1: 1.0}
    offered: dict[int, float] = {1: 1.0}
    if model is None:
        return factors, offered
    a, b = model
    groups: dict[int, list[Sample]] = {}
    for sample in shared:
        if sample[4] > 1:
            groups.setdefault(min(sample[4], max_limit), []).append(sample)
    for level, calls in groups.items():
        busy = served_time(((start, end) for start, end, *_ in calls), 1.0)
        alone = sum(a + b * tokens for _, _, tokens, _, _ in calls)
        took = sum(end - start for start, end, *_ in calls)
        factors[level] = alone / busy if busy > 0 else float(level)
        offered[level] = took / busy if busy > 0 else float(level)
    return factors, offered


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
