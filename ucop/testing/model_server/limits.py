"""Rate limits the way the real APIs keep them: fixed windows of requests and tokens.

`ModelServer(limits=RateLimits(requests=3, window_s=1))` admits three requests a second and
refuses the rest with a 429, Retry-After and the OpenAI- or Anthropic-style rate-limit
headers a real API sends with every answer.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ucop.testing.model_server.wire import ANTHROPIC_PATH


@dataclass(frozen=True)
class RateLimits:
    """What the server allows per fixed window: requests and tokens (None: no limit)."""

    requests: int | None = None
    tokens: int | None = None
    window_s: float = 60.0


@dataclass(frozen=True)
class Verdict:
    """One request's admission, with the figures its rate-limit headers report."""

    ok: bool
    exceeded: str  # "requests" | "tokens" | ""
    limits: RateLimits
    requests_left: int | None
    tokens_left: int | None
    reset_s: float  # until the window ends

    def headers(self, path: str, now: float) -> list[tuple[str, str]]:
        """OpenAI- or Anthropic-style limit headers, plus Retry-After on a refusal."""
        style = anthropic_headers if path == ANTHROPIC_PATH else openai_headers
        headers = style(self, now)
        if not self.ok:
            headers.append(("Retry-After", str(max(1, math.ceil(self.reset_s)))))
            headers.append(("retry-after-ms", str(max(1, math.ceil(self.reset_s * 1000)))))
        return headers


class RateWindow:
    """Fixed-window request and token counting, like a provider's per-minute limits.

    Tokens are charged as the prompt's words when a request arrives and its answer's words
    when it is sent. A refused request is not counted against the window.
    """

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._start = clock()
        self._lock = threading.Lock()
        self._index = 0
        self._requests = 0
        self._tokens = 0
        self.admitted = 0
        self.refused = 0
        self.tokens_charged = 0  # over every window: what the admitted requests used

    def admit(self, prompt_tokens: int, now: float) -> Verdict:
        with self._lock:
            reset = self._roll(now)
            exceeded = self._exceeded()
            if not exceeded:
                self._requests += 1
                self._tokens += prompt_tokens
                self.tokens_charged += prompt_tokens
                self.admitted += 1
            else:
                self.refused += 1
            return self._verdict(not exceeded, exceeded, reset)

    def charge(self, output_tokens: int, verdict: Verdict) -> None:
        with self._lock:
            self._tokens += output_tokens
            self.tokens_charged += output_tokens

    def _roll(self, now: float) -> float:
        """Move to the window `now` falls in; the seconds until it ends."""
        window = self.limits.window_s
        index = int((now - self._start) // window)
        if index != self._index:
            self._index, self._requests, self._tokens = index, 0, 0
        return self._start + (index + 1) * window - now

    def _exceeded(self) -> str:
        if self.limits.requests is not None and self._requests >= self.limits.requests:
            return "requests"
        if self.limits.tokens is not None and self._tokens >= self.limits.tokens:
            return "tokens"
        return ""

    def _verdict(self, ok: bool, exceeded: str, reset: float) -> Verdict:
        requests = self.limits.requests
        tokens = self.limits.tokens
        return Verdict(
            ok=ok,
            exceeded=exceeded,
            limits=self.limits,
            requests_left=None if requests is None else max(0, requests - self._requests),
            tokens_left=None if tokens is None else max(0, tokens - self._tokens),
            reset_s=reset,
        )


def go_duration(seconds: float) -> str:
    """OpenAI's reset format: "20ms", "1.5s", "6m0s"."""
    if seconds < 1:
        return f"{max(1, round(seconds * 1000))}ms"
    if seconds < 60:
        return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:.0f}s"


def openai_headers(verdict: Verdict, now: float) -> list[tuple[str, str]]:
    headers = []
    for kind, left, limit in _kinds(verdict):
        headers += [
            (f"x-ratelimit-limit-{kind}", str(limit)),
            (f"x-ratelimit-remaining-{kind}", str(left)),
            (f"x-ratelimit-reset-{kind}", go_duration(verdict.reset_s)),
        ]
    return headers


def anthropic_headers(verdict: Verdict, now: float) -> list[tuple[str, str]]:
    reset = dt.datetime.fromtimestamp(now + verdict.reset_s, dt.timezone.utc)
    stamp = reset.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    headers = []
    for kind, left, limit in _kinds(verdict):
        headers += [
            (f"anthropic-ratelimit-{kind}-limit", str(limit)),
            (f"anthropic-ratelimit-{kind}-remaining", str(left)),
            (f"anthropic-ratelimit-{kind}-reset", stamp),
        ]
    return headers


def _kinds(verdict: Verdict) -> list[tuple[str, int, int]]:
    pairs = [
        ("requests", verdict.requests_left, verdict.limits.requests),
        ("tokens", verdict.tokens_left, verdict.limits.tokens),
    ]
    return [(k, left, limit) for k, left, limit in pairs if left is not None and limit is not None]
