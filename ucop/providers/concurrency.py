"""How many model requests the server really runs at once, learnt from the answers' timing.

A hosted API runs every request it accepts in parallel; a local llama.cpp server runs one
(or `-np N`) and queues the rest inside itself. Against a queue, more requests in flight only
make each one slower: latency grows with the requests in flight while the server's output
tokens per second do not. Sending them anyway gains nothing and hides the queue in every
agent's time, which then inflates "agent time / wall time".

`ThroughputLimiter` is a gradient limiter in the spirit of Netflix's concurrency-limits
(Vegas, Gradient2). Its "no-load RTT" is a service-time model, `latency = a + p x input
tokens + d x output tokens`, fitted to the answers that had the server to themselves (the
first `SOLO_PROBES` calls go one at a time to get them), because answers differ in length.
The calls that shared the server under a given limit needed, by the model, so many seconds
alone; divided by the time the server was busy with them, that is its *throughput factor* at
that limit: 1.0 at one request, N for N requests served truly in parallel, still 1.0 at any
limit for a one-slot queue (it finishes one call's worth of work per call's time), measured
once `level` calls under that limit have ended (the first one back never waited). The limit
climbs one request at a time while each step kept up with what it offered (`KEPT_UP`: no
queue formed, as on a hosted API) or raised throughput by at least `GAIN` over two rounds
of calls, and stays at the last level that did. A single round's gain is not enough: on a
machine whose load changes, a one-slot llama-cpp-python server looked 1.3-1.5x faster for
a round and the limit climbed to 2 and 3 (session 6's corpus runs). The pacer's AIMD on
429s still cuts its own window; the smaller of the two applies. A server that reports its
slots (llama-server's `/props`) caps it.

`served_time` turns the calls' intervals into the time a sequential run would have spent in
them: at most `parallelism` calls count at any moment, so time queued behind another call of
the same run counts once, not twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GAIN = 0.25  # a level must raise throughput by this fraction to be worth its extra request
KEPT_UP = 0.9  # ... or serve this share of what it offered (no queue: a hosted API)
SOLO = 1.1  # a call whose average requests in flight stay below this had the server alone
SOLO_PROBES = 2  # answers sent one at a time at the start, to fit the service-time model
GAIN_ROUNDS = 2  # a gain (not a kept pace) must hold over this many rounds of `level` calls
MAX_SAMPLES = 512
TERMS = ((0,), (0, 2), (0, 1), (1, 2), (0, 1, 2), (2,), (1,))  # 1, input, output tokens


@dataclass(frozen=True)
class Sample:
    """One answered call, as the pacer saw it (times on its clock)."""

    start: float
    end: float
    tokens_in: int
    tokens_out: int
    in_flight: float  # average requests in flight while it ran, itself included
    level: int  # the limit it was granted under

    @property
    def latency(self) -> float:
        return self.end - self.start


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
        self.calls: dict[int, int] = {}  # level -> answers that shared the server under it
        self.samples = 0

    def observe(self, sample: Sample) -> None:
        """One answered call."""
        if not (sample.latency > 0 and sample.in_flight > 0 and math.isfinite(sample.latency)):
            return
        self.samples += 1
        (self.solo if sample.in_flight < SOLO else self.shared).append(sample)
        del self.solo[:-MAX_SAMPLES], self.shared[:-MAX_SAMPLES]
        self.factors, self.offered = level_factors(self.solo, self.shared, self.max_limit)
        if sample.in_flight >= SOLO and sample.level > 1:
            level = min(sample.level, self.max_limit)
            self.calls[level] = self.calls.get(level, 0) + 1

    @property
    def limit(self) -> int:
        """Requests to allow in flight: the last level whose step paid, plus one to probe."""
        if not self.samples:
            return self.max_limit  # no answer timed yet (the pacer sends its first alone)
        if len(self.solo) < SOLO_PROBES and self.samples < 2 * SOLO_PROBES:
            return 1  # fitting the service-time model first
        level, paid = self._settled()
        return level + 1 if paid and level < self.max_limit else level

    def _settled(self) -> tuple[int, bool]:
        """The last level whose step paid, and whether the next one is still unmeasured."""
        level = 1
        while level < self.max_limit:
            verdict = self._paid(level + 1) if level + 1 in self.factors else None
            if verdict is None:  # not measured yet, or a gain still to be confirmed
                return level, True
            if not verdict:
                return level, False
            level += 1
        return level, False

    @property
    def parallelism(self) -> float:
        """The throughput factor at the last level that paid: requests the server serves at
        once (>= 1). Infinite (or the reported slots) while every step measured paid, as on a
        hosted API, so no call's time is discounted without evidence of a queue."""
        cap = float(self.slots) if self.slots else math.inf
        level, probing = self._settled()
        if probing or level == self.max_limit:
            return cap  # every step measured so far paid: no sign of a queue
        return max(1.0, min(self.factors[level], cap))

    def _paid(self, level: int) -> bool | None:
        """True when the server kept up with what `level` offered (no queue formed), or
        its throughput rose by `GAIN` over the level below over `GAIN_ROUNDS` rounds of calls;
        None while such a gain awaits its second round.

        Keeping up is plain after one round (a queue halves it); a partial gain (batched
        decoding's 1.4x) is within the noise of a machine whose load changes, or of a
        service-time model fitted to a few large prompts, until more calls confirm it."""
        factor = self.factors[level]
        kept_up = factor >= KEPT_UP * self.offered[level]
        if kept_up:
            return True
        if factor < self.factors[level - 1] * (1 + GAIN):
            return False
        return True if self.calls.get(level, 0) >= GAIN_ROUNDS * level else None

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


def service_model(solo: Sequence[Sample]) -> tuple[float, float, float] | None:
    """`(a, p, d)` for `latency = a + p x input tokens + d x output tokens`, fitted to the
    answers served alone: the least-squares fit with no negative term, over the subsets of
    terms the samples can tell apart (a fixed cost, prompt processing, generation)."""
    if not solo:
        return None
    rows = [((1.0, float(s.tokens_in), float(s.tokens_out)), s.latency) for s in solo]
    best: tuple[float, tuple[float, float, float]] | None = None
    for terms in TERMS:
        if len(terms) > len(rows):
            continue
        fit = _least_squares([[x[t] for t in terms] for x, _ in rows], [y for _, y in rows])
        if fit is None or min(fit) < 0:
            continue
        coef = [0.0, 0.0, 0.0]
        for term, value in zip(terms, fit, strict=True):
            coef[term] = value
        error = sum((y - sum(c * v for c, v in zip(coef, x, strict=True))) ** 2 for x, y in rows)
        if best is None or error < best[0] * 0.999:
            best = (error, (coef[0], coef[1], coef[2]))
    return best[1] if best else None


def _least_squares(xs: list[list[float]], ys: list[float]) -> list[float] | None:
    """Coefficients minimising the squared error (normal equations); None if singular."""
    k = len(xs[0])
    matrix = [[sum(r[i] * r[j] for r in xs) for j in range(k)] for i in range(k)]
    vector = [sum(r[i] * y for r, y in zip(xs, ys, strict=True)) for i in range(k)]
    for col in range(k):  # Gaussian elimination with partial pivoting
        pivot = max(range(col, k), key=lambda r: abs(matrix[r][col]))
        if abs(matrix[pivot][col]) < 1e-9 * max(1.0, abs(matrix[col][col])):
            return None
        matrix[col], matrix[pivot] = matrix[pivot], matrix[col]
        vector[col], vector[pivot] = vector[pivot], vector[col]
        for row in range(col + 1, k):
            ratio = matrix[row][col] / matrix[col][col]
            matrix[row] = [a - ratio * b for a, b in zip(matrix[row], matrix[col], strict=True)]
            vector[row] -= ratio * vector[col]
    solution = [0.0] * k
    for row in reversed(range(k)):
        rest = sum(matrix[row][j] * solution[j] for j in range(row + 1, k))
        solution[row] = (vector[row] - rest) / matrix[row][row]
    return solution


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
    a, p, d = model
    groups: dict[int, list[Sample]] = {}
    for sample in shared:
        if sample.level > 1:
            groups.setdefault(min(sample.level, max_limit), []).append(sample)
    for level, calls in groups.items():
        if len(calls) < level:
            # The first answers back under a new limit did not wait behind the others yet:
            # a one-slot queue looks like no queue until `level` of its calls have ended.
            continue
        busy = served_time(((c.start, c.end) for c in calls), 1.0)
        alone = sum(a + p * c.tokens_in + d * c.tokens_out for c in calls)
        took = sum(c.latency for c in calls)
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
