"""The provider seam: one method that turns a request into a completion.

Providers make exactly one attempt per call and never retry; `ucop.providers.retry` owns
retries so that every retry is visible to the engine, the live table and the run report.
A provider raises `TransientError` (or a subclass) for failures worth another attempt and
`PermanentError` for the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(frozen=True)
class CompletionRequest:
    """What an agent asks of a model.

    `messages` is what HTTP providers send. `task` and `context` carry the same request in
    structured form (the agent kind, its contract, the retrieved passages) for providers that
    do not read prose, such as the offline writer.
    """

    messages: tuple[Message, ...]
    model: str = ""
    max_tokens: int = 1024
    temperature: float = 0.2
    timeout_s: float = 60.0
    task: str = ""
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Completion:
    text: str
    input_tokens: int = 0
    output_tokens: int = 0
    model: str = ""
    cached_tokens: int = 0  # of input_tokens, read from the provider's prompt cache


class Provider(Protocol):
    """Anything that can answer a `CompletionRequest` with one attempt."""

    name: str

    def complete(self, request: CompletionRequest) -> Completion: ...


@dataclass(frozen=True)
class ProviderSettings:
    """Everything a provider factory needs; built from flags, environment and config."""

    name: str
    model: str = ""
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)  # never printed
    timeout_s: float = 60.0
    max_concurrent_requests: int = 4
    extra: Mapping[str, Any] = field(default_factory=dict)
