"""The provider seam: one method that turns a request into a completion.

Providers make exactly one attempt per call and never retry; `ucop.providers.retry` owns
retries so that every retry is visible to the engine, the live table and the run report.
A provider raises `TransientError` (or a subclass) for failures worth another attempt and
`PermanentError` for the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass(frozen=True)
class CompletionRequest:
    """What an agent asks of a model.

    `messages` is what HTTP providers send (with `schema`, when set, as structured output).
    `task` names the agent kind; `draft` is the agent's own draft of the part, written from
    the sources, which a provider that calls no model (the offline writer) answers with.
    """

    messages: tuple[Message, ...]
    model: str = ""
    max_tokens: int = 1024
    temperature: float = 0.2
    timeout_s: float = 60.0
    task: str = ""
    draft: str = ""
    # JSON Schema (top level an object) of the answer when the agent wants JSON; HTTP
    # providers ask for structured output with it where the server offers that.
    schema: Mapping[str, Any] | None = None
    # How many characters at the start of the user message every call of this kind in the
    # run shares (after the system prompt): providers with explicit cache breakpoints
    # (Anthropic's `cache_control`) put one there. 0: no shared part.
    shared_prefix: int = 0
    # A sampling seed for servers that take one (OpenAI-compatible `seed`); `ucop bench` sets
    # it with temperature 0 so both runs get the same answers where the server allows.
    seed: int | None = None


@dataclass(frozen=True)
class Completion:
    text: str
    input_tokens: int = 0
    output_tokens: int = 0
    model: str = ""
    finish_reason: str = ""  # "length" / "max_tokens" when the answer was cut short
    cached_tokens: int = 0  # of input_tokens, read from the provider's prompt cache
    usage_note: str = ""  # usage figures the server sent that are not counts (ignored)


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
    # Where HTTP providers send requests instead of the network: an httpx transport, such
    # as the loopback model server in process (`ModelServer.transport()`). None: the network.
    transport: httpx.BaseTransport | None = field(default=None, repr=False, compare=False)


ProviderFactory = Callable[[ProviderSettings], Provider]


@dataclass(frozen=True)
class ProviderSpec:
    """Every fact about one provider, declared once, in the provider's own module.

    Config, the pipeline, `verify`, the code agent and the CLI read these instead of keeping
    their own tables, so adding a provider is its module plus one entry-point line.
    """

    name: str
    create: ProviderFactory  # ProviderSettings -> Provider
    default_model: str = ""
    key_env: str | None = None  # the environment variable holding the API key
    base_url_env: str | None = None  # the environment variable that may set the base URL
    default_base_url: str = ""  # "" when the user must give one (or none is needed)
    # Request parameters: provider config fields passed on in ProviderSettings.extra, each
    # with the environment variable that may set it.
    params: Mapping[str, str | None] = field(default_factory=dict)
    # The provider's own settings: a pydantic model (extra="forbid") that validates the
    # config's `provider.options` (and the variables in `params` for its fields); the
    # validated values reach the factory in ProviderSettings.extra. None: it takes none.
    options: type[Any] | None = None
    # With a custom base URL and no model, ask the server's GET /models (OpenAI-compatible).
    lists_models: bool = False
    description: str = ""
    network: bool = True  # False: answers without any network (no key, no server)
    # True: answers each request with the draft its agent attached (the offline writer), so
    # there is nothing to fall back to when that answer is unusable.
    writes_drafts: bool = False
