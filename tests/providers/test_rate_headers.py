"""Rate-limit headers from OpenAI and Anthropic, parsed into one shape."""

from __future__ import annotations

import datetime as dt

import pytest

from ucop.providers.ratelimit_headers import (
    observe,
    observing,
    parse_duration,
    parse_rate_headers,
    parse_timestamp,
)

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc).timestamp()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1s", 1.0),
        ("6m0s", 360.0),
        ("20ms", 0.02),
        ("1.5s", 1.5),
        ("1h2m3s", 3723.0),
        ("2", 2.0),
        ("0.25", 0.25),
    ],
)
def test_go_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "1x", "s1", "1s later"])
def test_junk_durations_are_none(text):
    assert parse_duration(text) is None


def test_openai_headers():
    info = parse_rate_headers(
        {
            "X-RateLimit-Limit-Requests": "500",
            "x-ratelimit-remaining-requests": "499",
            "x-ratelimit-reset-requests": "120ms",
            "x-ratelimit-limit-tokens": "30000",
            "x-ratelimit-remaining-tokens": "29000",
            "x-ratelimit-reset-tokens": "2s",
        },
        NOW,
    )
    assert (info.requests.limit, info.requests.remaining) == (500, 499)
    assert info.requests.reset_s == pytest.approx(0.12)
    assert (info.tokens.limit, info.tokens.remaining, info.tokens.reset_s) == (30000, 29000, 2.0)


def test_anthropic_headers_reset_is_a_time():
    info = parse_rate_headers(
        {
            "anthropic-ratelimit-requests-limit": "50",
            "anthropic-ratelimit-requests-remaining": "0",
            "anthropic-ratelimit-requests-reset": "2026-01-02T03:04:35Z",
            "anthropic-ratelimit-tokens-remaining": "12",
        },
        NOW,
    )
    assert (info.requests.limit, info.requests.remaining) == (50, 0)
    assert info.requests.reset_s == pytest.approx(30.0)
    assert (info.tokens.limit, info.tokens.remaining, info.tokens.reset_s) == (None, 12, None)


def test_a_reset_in_the_past_is_zero_and_junk_is_none():
    assert parse_timestamp("2026-01-02T03:00:00+00:00", NOW) == 0.0
    assert parse_timestamp("tomorrow", NOW) is None
    info = parse_rate_headers({"x-ratelimit-remaining-requests": "many"}, NOW)
    assert info.requests.remaining is None
    assert parse_rate_headers({"content-type": "application/json"}, NOW).empty


def test_observing_collects_only_inside_the_block():
    observe({"x-ratelimit-remaining-requests": "3"})  # nobody listening: dropped
    with observing() as seen:
        observe({"x-ratelimit-remaining-requests": "2"})
        observe({"content-type": "text/plain"})  # no limit headers: not recorded
    observe({"x-ratelimit-remaining-requests": "1"})
    assert [info.requests.remaining for info in seen] == [2]
