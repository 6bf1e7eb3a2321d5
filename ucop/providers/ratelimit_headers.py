"""Rate-limit headers: what the provider says is left of its request and token limits.

OpenAI sends `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` with resets as Go-style
durations ("20ms", "1.5s", "6m0s"); Anthropic sends `anthropic-ratelimit-{requests,tokens}-
{limit,remaining,reset}` with resets as RFC 3339 times. Both become one `RateInfo`.

`post_json` hands every response's headers to `observe()`; the limiter that wraps the call
collects them with `observing()`, in the same thread, without the providers knowing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_slot = threading.local()


@dataclass(frozen=True)
class Limit:
    """One limit as the server reported it: its size, what is left, seconds until it resets."""

    limit: int | None
    remaining: int | None
    reset_s: float | None


@dataclass(frozen=True)
class RateInfo:
    requests: Limit
    tokens: Limit

    @property
    def empty(self) -> bool:
        return all(
            value is None
            for limit in (self.requests, self.tokens)
            for value in (limit.limit, limit.remaining, limit.reset_s)
        )


def parse_rate_headers(headers: Mapping[str, str], now: float | None = None) -> RateInfo:
    """The limits in `headers` (OpenAI or Anthropic names); missing or junk values are None."""
    lowered = {key.lower(): value for key, value in headers.items()}
    now = time.time() if now is None else now
    return RateInfo(
        requests=_limit(lowered, "requests", now),
        tokens=_limit(lowered, "tokens", now),
    )


def parse_duration(text: str) -> float | None:
    """Seconds in a Go-style duration ("20ms", "1.5s", "6m0s", "1h2m"), or a bare number."""
    text = text.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


def parse_timestamp(text: str, now: float) -> float | None:
    """Seconds from `now` (epoch) until an RFC 3339 time; 0 if past, None if unparsable."""
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, when.timestamp() - now)


def _limit(headers: Mapping[str, str], kind: str, now: float) -> Limit:
    openai = [headers.get(f"x-ratelimit-{part}-{kind}") for part in ("limit", "remaining", "reset")]
    if any(value is not None for value in openai):
        limit, remaining, reset = openai
        return Limit(_count(limit), _count(remaining), parse_duration(reset) if reset else None)
    names = [f"anthropic-ratelimit-{kind}-{part}" for part in ("limit", "remaining", "reset")]
    limit, remaining, reset = (headers.get(name) for name in names)
    return Limit(_count(limit), _count(remaining), parse_timestamp(reset, now) if reset else None)


def _count(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(float(text.strip()))
    except ValueError:
        return None
    return value if value >= 0 else None


def observe(headers: Mapping[str, str]) -> None:
    """Note a response's limit headers for the limiter around this call, if there is one."""
    if getattr(_slot, "seen", None) is None:
        return
    info = parse_rate_headers(headers)
    if not info.empty:
        _slot.seen.append(info)


@contextlib.contextmanager
def observing() -> Iterator[list[RateInfo]]:
    """Collect the `RateInfo` of every response received in this thread inside the block."""
    previous = getattr(_slot, "seen", None)
    seen: list[RateInfo] = []
    _slot.seen = seen
    try:
        yield seen
    finally:
        _slot.seen = previous
