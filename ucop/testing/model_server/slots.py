"""A model server's parallel slots: N requests generate at a time, the rest wait in line.

A local llama.cpp server runs a fixed number of sequences at once (`-np`, one by default;
llama-cpp-python's server one); a request that arrives while every slot is busy waits inside
the server, so its latency grows with the requests in flight while the output tokens per
second do not. `ModelServer(slots=1, token_rate=200)` plays that: each answer takes
`latency_s + words / token_rate` of a slot's time, and `GET /props` and `GET /slots` report
the slots the way llama-server does.
"""

from __future__ import annotations

import threading
from typing import Any


class SlotQueue:
    """`slots` requests served at once, first come first served; the others queue."""

    def __init__(self, slots: int, latency_s: float, token_rate: float | None) -> None:
        if slots < 1:
            raise ValueError("a model server needs at least one slot")
        if token_rate is not None and token_rate <= 0:
            raise ValueError("token_rate must be positive")
        self.slots = slots
        self.latency_s = latency_s
        self.token_rate = token_rate
        self._cond = threading.Condition()
        self._busy = 0
        self._next = 0  # the ticket to serve next: arrivals are served in order
        self._issued = 0
        self.peak_busy = 0

    def service_s(self, words: int) -> float:
        """A slot's time for an answer of `words` words."""
        per_word = 1.0 / self.token_rate if self.token_rate else 0.0
        return self.latency_s + words * per_word

    def serve(self, words: int, stopping: threading.Event) -> bool:
        """Wait for a slot, then generate; False when the server stopped meanwhile."""
        with self._cond:
            ticket = self._issued
            self._issued += 1
            while (self._busy >= self.slots or ticket != self._next) and not stopping.is_set():
                self._cond.wait(0.05)
            self._next += 1
            self._busy += 1
            self.peak_busy = max(self.peak_busy, self._busy)
            self._cond.notify_all()
        try:
            return not stopping.wait(self.service_s(words))
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()

    def props(self) -> dict[str, Any]:
        """llama-server's `GET /props` (the fields ucop reads)."""
        return {"total_slots": self.slots, "default_generation_settings": {"n_ctx": 8192}}

    def slot_list(self) -> list[dict[str, Any]]:
        """llama-server's `GET /slots`: one entry per slot."""
        with self._cond:
            busy = self._busy
        return [{"id": i, "is_processing": i < busy} for i in range(self.slots)]
