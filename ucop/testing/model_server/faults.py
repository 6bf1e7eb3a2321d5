"""The fault language: one way for a request to go wrong, and the names the CLI knows.

    server.enqueue(Fault.rate_limit(retry_after="1"), Fault.server_error(503))

A `Fault` is data; the exchange (`ucop.testing.model_server.exchange`) applies it, the same
way over a socket and in process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate


@dataclass(frozen=True)
class Fault:
    """One way for a request to go wrong; build them with the class methods."""

    kind: str  # status | reset | malformed_json | empty_content | hang | trickle
    status: int = 200
    message: str = ""
    retry_after: str | None = None
    retry_after_ms: int | None = None
    retry_after_date_in_s: float | None = None
    chunk_bytes: int = 4
    delay_s: float = 0.05

    @classmethod
    def rate_limit(cls, retry_after: str | None = "1") -> Fault:
        """429 with `Retry-After` in seconds (or no header when None)."""
        return cls("status", 429, "Rate limit reached, slow down", retry_after=retry_after)

    @classmethod
    def rate_limit_date(cls, in_s: float = 1.0) -> Fault:
        """429 with `Retry-After` as an HTTP-date `in_s` seconds after the response is sent."""
        return cls("status", 429, "Rate limit reached, slow down", retry_after_date_in_s=in_s)

    @classmethod
    def rate_limit_ms(cls, ms: int = 1000) -> Fault:
        """429 with OpenAI's `retry-after-ms` header."""
        return cls("status", 429, "Rate limit reached, slow down", retry_after_ms=ms)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls("status", status, f"The server had an error ({status})")

    @classmethod
    def client_error(cls, status: int = 400, message: str = "Invalid request") -> Fault:
        return cls("status", status, message)

    @classmethod
    def reset(cls) -> Fault:
        """Read the request, then drop the connection with a TCP reset."""
        return cls("reset")

    @classmethod
    def malformed_json(cls) -> Fault:
        return cls("malformed_json")

    @classmethod
    def empty_content(cls) -> Fault:
        return cls("empty_content")

    @classmethod
    def hang(cls) -> Fault:
        """Never answer; the handler is released when the server stops."""
        return cls("hang")

    @classmethod
    def trickle(cls, chunk_bytes: int = 4, delay_s: float = 0.05) -> Fault:
        """A valid response whose body arrives `chunk_bytes` at a time, `delay_s` apart."""
        return cls("trickle", chunk_bytes=chunk_bytes, delay_s=delay_s)

    def headers(self, now: float) -> list[tuple[str, str]]:
        """The retry headers this fault sends, with any HTTP-date computed from `now`."""
        headers = []
        if self.retry_after is not None:
            headers.append(("Retry-After", self.retry_after))
        if self.retry_after_ms is not None:
            headers.append(("retry-after-ms", str(self.retry_after_ms)))
        if self.retry_after_date_in_s is not None:
            date = formatdate(now + self.retry_after_date_in_s, usegmt=True)
            headers.append(("Retry-After", date))
        return headers


# The faults `--fault-rate KIND=P` names, each with its defaults.
FAULTS: dict[str, Callable[[], Fault]] = {
    "rate_limit": Fault.rate_limit,
    "server_error": Fault.server_error,
    "reset": Fault.reset,
    "malformed_json": Fault.malformed_json,
    "empty_content": Fault.empty_content,
    "trickle": Fault.trickle,
}
