"""What one run's model calls used, and how much of their time was spent queued.

`PacedProvider` counts every call here: tokens, cost, time paced, each call's interval. The
intervals and the server's measured parallelism (`ucop.providers.concurrency`) say how long a
sequential run would have spent in the same calls; the rest of the calls' time was queuing,
at ucop's pacer or inside the server, and the run's speedup leaves it out.

Usage figures come from the server and are checked before they count: a figure that is not a
count (negative, fractional, text) or that no answer could have (more output tokens than the
answer has bytes and than twice `max_tokens`; more input tokens than the prompt has bytes,
plus room for a chat template) is ignored, with a warning in the run report, and the
estimate from the text stands in for it.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ucop.providers.base import Completion, CompletionRequest
from ucop.providers.concurrency import served_time
from ucop.providers.cost import CHARS_PER_TOKEN

TEMPLATE_TOKENS = 4096  # a chat template and tool definitions add at most this much input
MAX_WARNINGS = 5


@dataclass
class Usage:
    """What one run's calls used, counted where the answers arrive."""

    requests: int = 0
    rate_limited: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cached_tokens: int = 0
    cost: float = 0.0
    priced: bool = True  # False once a call's model had no price
    waited_s: float = 0.0
    budget_refused: int = 0
    figures_ignored: int = 0  # answers whose usage figures were absurd and replaced
    notes: list[str] = field(default_factory=list)  # the first few, for the report
    calls: list[tuple[float, float]] = field(default_factory=list, repr=False)
    # Read when the report is built: the server's parallelism (pacer), the structured-output
    # form it took and the concurrency limiter's figures.
    parallelism: Callable[[], float] | None = field(default=None, repr=False)
    structured: Callable[[], dict[str, Any] | None] | None = field(default=None, repr=False)
    concurrency: Callable[[], Any] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def note_call(self, start: float, end: float) -> None:
        with self._lock:
            self.calls.append((start, end))

    def note_ignored(self, note: str) -> None:
        with self._lock:
            self.figures_ignored += 1
            if len(self.notes) < MAX_WARNINGS:
                self.notes.append(note)

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            figures: dict[str, Any] = {
                "requests": self.requests,
                "rate_limited": self.rate_limited,
                "tokens_in": self.tokens_in,
                "tokens_out": self.tokens_out,
                "cached_tokens": self.cached_tokens,
                "cost": round(self.cost, 6) if self.priced else None,
                "paced_s": round(self.waited_s, 3),
            }
            calls, waited = list(self.calls), self.waited_s
            ignored, notes = self.figures_ignored, list(self.notes)
        figures.update(self._timing(calls, waited))
        if ignored:
            figures["usage_ignored"] = ignored
            figures["usage_warnings"] = notes
        if self.structured is not None and (form := self.structured()) is not None:
            figures["structured_output"] = form
        if self.concurrency is not None and (limiter := self.concurrency()) is not None:
            figures["concurrency"] = limiter
        return figures

    def _timing(self, calls: list[tuple[float, float]], waited: float) -> dict[str, Any]:
        """Model time, the part a sequential run would spend too, and the queued rest."""
        parallel = self.parallelism() if self.parallelism is not None else math.inf
        in_calls = sum(end - start for start, end in calls)
        served = served_time(calls, parallel)
        return {
            "model_s": round(in_calls, 3),
            "served_s": round(served, 3),
            "queued_s": round(waited + in_calls - served, 3),
            "server_parallelism": None if math.isinf(parallel) else round(parallel, 2),
        }


def checked(completion: Completion, request: CompletionRequest) -> tuple[Completion, str]:
    """`completion` with usage figures an answer could have; what was wrong, or ""."""
    text_tokens = estimate_tokens(completion.text)
    prompt_bytes = sum(len(m.content.encode()) for m in request.messages)
    problem = completion.usage_note
    most_out = max(len(completion.text.encode()), 2 * request.max_tokens) + 64
    if not problem and completion.output_tokens > most_out:
        size = len(completion.text)
        problem = f"{completion.output_tokens} output tokens for a {size}-character answer"
    if not problem and completion.input_tokens > prompt_bytes + TEMPLATE_TOKENS:
        problem = f"{completion.input_tokens} input tokens for a {prompt_bytes}-byte prompt"
    if problem:
        prompt_tokens = round(prompt_bytes / CHARS_PER_TOKEN)
        fixed = dataclasses.replace(
            completion, input_tokens=prompt_tokens, output_tokens=text_tokens, cached_tokens=0
        )
        return fixed, problem
    return completion, ""


def estimate_tokens(text: str) -> int:
    """Tokens in `text` by the usual rule of thumb (four characters each), at least one."""
    return max(1, round(len(text) / CHARS_PER_TOKEN)) if text else 0
