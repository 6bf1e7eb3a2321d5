"""parse_retry_after, is_local_url and redact: the pure helpers in ucop.providers.http."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from ucop.providers.http import is_local_url, parse_retry_after, redact

NOW = 1_700_000_000.0  # a fixed wall clock, epoch seconds


def test_seconds() -> None:
    assert parse_retry_after({"Retry-After": "7"}, NOW) == 7.0


def test_header_names_are_case_insensitive() -> None:
    assert parse_retry_after({"retry-after": "3"}, NOW) == 3.0
    assert parse_retry_after({"RETRY-AFTER-MS": "250"}, NOW) == 0.25


def test_http_date_against_a_fixed_clock() -> None:
    date = formatdate(NOW + 42, usegmt=True)
    assert parse_retry_after({"Retry-After": date}, NOW) == pytest.approx(42.0)


def test_http_date_in_the_past_means_no_wait() -> None:
    date = formatdate(NOW - 600, usegmt=True)
    assert parse_retry_after({"Retry-After": date}, NOW) == 0.0


def test_milliseconds_win_over_seconds() -> None:
    headers = {"retry-after-ms": "1500", "Retry-After": "2"}
    assert parse_retry_after(headers, NOW) == 1.5


def test_bad_milliseconds_fall_back_to_seconds() -> None:
    assert parse_retry_after({"retry-after-ms": "soon", "Retry-After": "2"}, NOW) == 2.0


@pytest.mark.parametrize("value", ["soon", "", "-5", "nan", "inf", "Mon, 99 Foo 2024"])
def test_garbage_gives_none(value: str) -> None:
    assert parse_retry_after({"Retry-After": value}, NOW) is None


def test_no_header_gives_none() -> None:
    assert parse_retry_after({"Content-Type": "application/json"}, NOW) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:11434/v1",
        "http://127.0.0.1:8000/v1",
        "http://[::1]:8080/v1",
        "http://10.0.0.7/v1",
        "http://192.168.1.20:8000/v1",
        "http://172.16.4.2/v1",
        "http://gpu-box.local:8000/v1",
        "http://ollama.localhost/v1",
    ],
)
def test_local_servers(url: str) -> None:
    assert is_local_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.openai.com/v1",
        "https://api.anthropic.com",
        "http://8.8.8.8/v1",
        "http://localhost.example.com/v1",
        "http://local/v1",
    ],
)
def test_remote_servers(url: str) -> None:
    assert not is_local_url(url)


def test_redact_removes_known_secrets_and_key_shapes() -> None:
    text = "bad key hunter2-value; also sk-proj-abcdefghijklmnop and Bearer xyz.123"
    cleaned = redact(text, secrets=["hunter2-value"])
    assert "hunter2-value" not in cleaned
    assert "sk-proj-abcdefghijklmnop" not in cleaned
    assert "xyz.123" not in cleaned
    assert cleaned.count("[redacted]") == 3
