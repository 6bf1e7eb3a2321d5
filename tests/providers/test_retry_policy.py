"""call_with_retries: what is retried, how long it waits, and when it stops.

Waits are recorded by an injected `sleep`, so no test here sleeps for real except the
deadline test against a server that never answers.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

import pytest

from ucop.errors import ConfigError, PermanentError, RateLimited, TransientError, UnusableOutput
from ucop.providers.base import Completion, CompletionRequest, Message
from ucop.providers.retry import RetryPolicy, call_with_retries
from ucop.testing.model_server import Fault, ModelServer

REQUEST = CompletionRequest(messages=(Message("user", "hi"),), timeout_s=60.0)


@dataclass
class FlakyProvider:
    """Raises the given errors in order, then answers "ok"; records every request."""

    errors: list[BaseException]
    name: str = "flaky"
    seen: list[CompletionRequest] = field(default_factory=list)

    def complete(self, request: CompletionRequest) -> Completion:
        self.seen.append(request)
        if self.errors:
            raise self.errors.pop(0)
        return Completion(text="ok", input_tokens=1, output_tokens=1)


@dataclass
class FakeTime:
    """A clock that only moves when `sleep` is called; records the waits."""

    now: float = 1000.0
    waits: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def test_success_first_time_is_one_attempt() -> None:
    provider = FlakyProvider([])
    completion, attempts = call_with_retries(provider, REQUEST, sleep=FakeTime().sleep)
    assert (completion.text, attempts) == ("ok", 1)


def test_503_then_success_takes_exactly_two_requests(make_openai, model_server, request_for):
    model_server.enqueue(Fault.server_error(503))
    fake = FakeTime()
    completion, attempts = call_with_retries(make_openai(), request_for(), sleep=fake.sleep)
    assert attempts == 2
    assert model_server.count == 2
    assert completion.text.startswith("**Answer.**")
    assert len(fake.waits) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_4xx_fails_after_exactly_one_request(make_openai, model_server, request_for, status):
    model_server.enqueue(Fault.client_error(status, f"the server explains {status}"))
    fake = FakeTime()
    with pytest.raises(PermanentError) as caught:
        call_with_retries(make_openai(), request_for(), sleep=fake.sleep)
    assert model_server.count == 1
    assert fake.waits == []
    assert f"the server explains {status}" in str(caught.value)


def test_retry_after_one_second_waits_at_least_one_second(make_openai, model_server, request_for):
    model_server.enqueue(Fault.rate_limit(retry_after="1"))
    fake = FakeTime()
    _, attempts = call_with_retries(make_openai(), request_for(), sleep=fake.sleep)
    assert attempts == 2
    [wait] = fake.waits
    assert 1.0 <= wait <= 1.0 + RetryPolicy().base_s


def test_parallel_callers_told_the_same_retry_after_spread_out(
    make_openai, model_server: ModelServer, request_for
) -> None:
    callers = 20
    model_server.enqueue(*[Fault.rate_limit(retry_after="1")] * callers)
    provider = make_openai(max_concurrent_requests=callers)
    waits: list[float] = []
    lock = threading.Lock()
    everyone_failed_once = threading.Barrier(callers, timeout=10)

    def recorded_sleep(seconds: float) -> None:
        with lock:
            waits.append(seconds)
        everyone_failed_once.wait()  # nobody retries before all first attempts are served

    attempts: list[int] = []

    def call() -> None:
        _, used = call_with_retries(provider, request_for(), sleep=recorded_sleep)
        with lock:
            attempts.append(used)

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    assert attempts == [2] * callers
    assert len(waits) == callers
    assert model_server.count == 2 * callers
    assert min(waits) >= 1.0
    assert max(waits) - min(waits) > 0.1  # full jitter: not a thundering herd


def test_gives_up_after_max_attempts_raising_the_last_error_itself() -> None:
    errors = [TransientError(f"failure {n}", provider="flaky") for n in range(1, 6)]
    provider = FlakyProvider(list(errors))
    with pytest.raises(TransientError) as caught:
        call_with_retries(provider, REQUEST, RetryPolicy(max_attempts=4), sleep=FakeTime().sleep)
    assert caught.value is errors[3]
    assert len(provider.seen) == 4


def test_on_retry_reports_each_failed_attempt_and_its_wait() -> None:
    errors = [TransientError("a"), RateLimited("b", retry_after=2.0)]
    fake = FakeTime()
    reports: list[tuple[int, float, BaseException]] = []
    _, attempts = call_with_retries(
        FlakyProvider(list(errors)),
        REQUEST,
        sleep=fake.sleep,
        on_retry=lambda n, wait, error: reports.append((n, wait, error)),
    )
    assert attempts == 3
    assert [(n, error) for n, _, error in reports] == [(1, errors[0]), (2, errors[1])]
    assert [wait for _, wait, _ in reports] == fake.waits
    assert reports[1][1] >= 2.0


def test_waits_are_full_jitter_within_the_exponential_window() -> None:
    policy = RetryPolicy(max_attempts=6, base_s=0.5, max_backoff_s=3.0)
    fake = FakeTime()
    call_with_retries(
        FlakyProvider([TransientError("x")] * 5),
        REQUEST,
        policy,
        sleep=fake.sleep,
        rng=random.Random(3),
    )
    windows = [0.5, 1.0, 2.0, 3.0, 3.0]
    assert len(fake.waits) == 5
    assert all(0.0 <= wait <= window for wait, window in zip(fake.waits, windows, strict=True))
    assert fake.waits != windows  # drawn from the window, not its edge


def test_a_seeded_rng_gives_repeatable_waits() -> None:
    def waits(seed: int) -> list[float]:
        fake = FakeTime()
        call_with_retries(
            FlakyProvider([TransientError("x")] * 3),
            REQUEST,
            sleep=fake.sleep,
            rng=random.Random(seed),
        )
        return fake.waits

    assert waits(11) == waits(11)
    assert waits(11) != waits(12)


def test_retry_after_is_capped() -> None:
    fake = FakeTime()
    policy = RetryPolicy(retry_after_cap_s=5.0, base_s=0.5)
    call_with_retries(
        FlakyProvider([RateLimited("slow down", retry_after=3600.0)]),
        REQUEST,
        policy,
        sleep=fake.sleep,
    )
    [wait] = fake.waits
    assert 5.0 <= wait <= 5.5


def test_unusable_output_from_parse_is_retried(make_openai, model_server, request_for) -> None:
    verdicts = iter([UnusableOutput("no heading in the answer"), None])

    def parse(text: str) -> int:
        verdict = next(verdicts)
        if verdict is not None:
            raise verdict
        return len(text.split())

    completion, parsed, attempts = call_with_retries(
        make_openai(), request_for(), parse=parse, sleep=FakeTime().sleep
    )
    assert attempts == 2
    assert model_server.count == 2
    assert parsed == len(completion.text.split())


def test_empty_model_output_is_retried(make_openai, model_server, request_for) -> None:
    model_server.enqueue(Fault.empty_content(), Fault.malformed_json())
    _, attempts = call_with_retries(make_openai(), request_for(), sleep=FakeTime().sleep)
    assert attempts == 3


def test_other_parse_errors_are_not_retried() -> None:
    provider = FlakyProvider([])

    def parse(_text: str) -> None:
        raise KeyError("a bug in the parser")

    with pytest.raises(KeyError):
        call_with_retries(provider, REQUEST, parse=parse, sleep=FakeTime().sleep)
    assert len(provider.seen) == 1


def test_cancellation_stops_retrying() -> None:
    provider = FlakyProvider([TransientError("first"), TransientError("second")])
    fake = FakeTime()
    with pytest.raises(TransientError, match="first"):
        call_with_retries(provider, REQUEST, sleep=fake.sleep, cancelled=lambda: True)
    assert len(provider.seen) == 1
    assert fake.waits == []


def test_cancellation_during_a_wait_stops_before_the_next_attempt() -> None:
    provider = FlakyProvider([TransientError("first"), TransientError("second")])
    cancelled = threading.Event()

    def sleep(_seconds: float) -> None:
        cancelled.set()  # e.g. Ctrl-C arrived while we were waiting

    with pytest.raises(TransientError, match="first"):
        call_with_retries(provider, REQUEST, sleep=sleep, cancelled=cancelled.is_set)
    assert len(provider.seen) == 1


def test_each_attempt_timeout_is_cut_to_the_deadline() -> None:
    fake = FakeTime()
    provider = FlakyProvider([TransientError("x")])
    policy = RetryPolicy(base_s=0.5)
    call_with_retries(
        provider, REQUEST, policy, deadline=fake.now + 10.0, sleep=fake.sleep, clock=fake.clock
    )
    first, second = (request.timeout_s for request in provider.seen)
    assert first == 10.0
    assert second == pytest.approx(10.0 - fake.waits[0])


def test_no_retry_when_the_wait_would_pass_the_deadline() -> None:
    fake = FakeTime()
    provider = FlakyProvider([RateLimited("slow down", retry_after=30.0)])
    with pytest.raises(RateLimited):
        call_with_retries(
            provider, REQUEST, deadline=fake.now + 5.0, sleep=fake.sleep, clock=fake.clock
        )
    assert len(provider.seen) == 1
    assert fake.waits == []


def test_a_passed_deadline_makes_no_call() -> None:
    fake = FakeTime()
    provider = FlakyProvider([])
    with pytest.raises(TransientError, match="deadline passed"):
        call_with_retries(provider, REQUEST, deadline=fake.now - 1.0, clock=fake.clock)
    assert provider.seen == []


def test_never_answering_server_is_abandoned_by_the_deadline(
    make_openai, model_server: ModelServer, request_for
) -> None:
    model_server.fault_rate(Fault.hang(), p=1.0)
    started = time.monotonic()
    with pytest.raises(TransientError):
        provider = make_openai(transport=None)  # over the socket: httpx's own timeout
        call_with_retries(provider, request_for(timeout_s=30.0), deadline=started + 1.0)
    assert time.monotonic() - started < 1.0 + 1.0
    assert model_server.count == 1


def test_policy_rejects_zero_attempts() -> None:
    with pytest.raises(ConfigError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
