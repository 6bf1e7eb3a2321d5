"""A model server's parallel slots: N requests generate at a time, the rest wait in line.

A local llama.cpp server runs a fixed number of sequences at once (`-np`, one by default;
llama-cpp-python's server one); a request that arrives while every slot is busy waits inside
the server, so its latency grows with the requests in flight while the output tokens per
second do not. `ModelServer(slots=1, token_rate=200)` plays that: each answer takes
`latency_s + words / token_rate` of a slot's time, and `GET /props` and `GET /slots` report
the slots the way llama-server does.

With `prompt_rate`, reading the prompt takes time too, and like llama.cpp each slot keeps its
last prompt and answer (its KV cache): only the words past the prefix a new prompt shares
with them are read, at `prompt_rate` words per second. A request is served by the free slot
that has most of its prompt. So the order in which a one-slot server gets its requests
matters, as it does for the real one: an agent's follow-up right after its answer costs a few
words; the same follow-up after another agent's call costs its whole prompt again.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from ucop.providers.affinity import common


class SlotQueue:
    """`slots` requests served at once, first come first served; the others queue."""

    def __init__(
        self,
        slots: int,
        latency_s: float,
        token_rate: float | None,
        prompt_rate: float | None = None,
    ) -> None:
        if slots < 1:
            raise ValueError("a model server needs at least one slot")
        if (token_rate is not None and token_rate <= 0) or (
            prompt_rate is not None and prompt_rate <= 0
        ):
            raise ValueError("token_rate and prompt_rate must be positive")
        self.slots = slots
        self.latency_s = latency_s
        self.token_rate = token_rate
        self.prompt_rate = prompt_rate
        self.kv: list[tuple[str, ...]] = [() for _ in range(slots)]  # each slot's cache
        self._free = list(range(slots))
        self.prompt_words_read = 0  # prompt words read past the cached prefix, all requests
        self._cond = threading.Condition()
        self._busy = 0
        self._next = 0  # the ticket to serve next: arrivals are served in order
        self._issued = 0
        self.peak_busy = 0

    def service_s(self, words: int, prompt_words: int = 0) -> float:
        """A slot's time for an answer of `words` words after reading `prompt_words`."""
        per_word = 1.0 / self.token_rate if self.token_rate else 0.0
        per_prompt_word = 1.0 / self.prompt_rate if self.prompt_rate else 0.0
        return self.latency_s + words * per_word + prompt_words * per_prompt_word

    def serve(
        self, words: int, stopping: threading.Event, prompt: Sequence[str] = (), answer: str = ""
    ) -> bool:
        """Wait for a slot, then read what of `prompt` (words) it lacks and generate;
        False when the server stopped meanwhile."""
        with self._cond:
            ticket = self._issued
            self._issued += 1
            while (self._busy >= self.slots or ticket != self._next) and not stopping.is_set():
                self._cond.wait(0.05)
            self._next += 1
            self._busy += 1
            self.peak_busy = max(self.peak_busy, self._busy)
            slot = max(self._free, key=lambda s: (common(self.kv[s], prompt), -s))
            self._free.remove(slot)
            unread = len(prompt) - common(self.kv[slot], prompt)
            self.prompt_words_read += unread
            self.kv[slot] = (*prompt, "<assistant>", *answer.split())
            self._cond.notify_all()
        try:
            return not stopping.wait(self.service_s(words, unread))
        finally:
            with self._cond:
                self._busy -= 1
                self._free.append(slot)
                self._cond.notify_all()

    def props(self) -> dict[str, Any]:
        """llama-server's `GET /props` (the fields ucop reads)."""
        return {"total_slots": self.slots, "default_generation_settings": {"n_ctx": 8192}}

    def slot_list(self) -> list[dict[str, Any]]:
        """llama-server's `GET /slots`: one entry per slot."""
        with self._cond:
            busy = self._busy
        return [{"id": i, "is_processing": i < busy} for i in range(self.slots)]


def prompt_words(body: Mapping[str, Any]) -> tuple[str, ...]:
    """A chat request's prompt as the words a slot reads: each message's role, then its text."""
    words: list[str] = []
    if isinstance(body.get("system"), str):  # Anthropic's separate system prompt
        words += ["<system>", *body["system"].split()]
    for message in body.get("messages") or ():
        if isinstance(message, Mapping):
            words += [f"<{message.get('role')}>", *str(message.get("content") or "").split()]
    return tuple(words)
