"""What every agent shares: the base class, the run's services, and the one way to call a model.

An agent turns its dependencies' outputs (plus, for a fan-out instance, its item) into one
JSON-ready output. It never writes files and never retries a whole body: retries happen per
model call, inside `ask_model`, so a body runs exactly once per run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ucop.brief import Brief
from ucop.engine.context import TaskContext
from ucop.engine.state import thaw
from ucop.errors import UnusableOutput
from ucop.plugins import LazyRegistry
from ucop.prompts import SHARED_SEPARATOR, join_shared
from ucop.providers.base import Completion, CompletionRequest, Message, Provider

# Bump when an agent's output format changes, so old cache entries stop matching.
CACHE_VERSION = "2"  # 2: chunks carry markdown and url; contracts carry coverage


@dataclass
class RunServices:
    """Read-only things every agent of one run may use."""

    brief: Brief
    provider: Provider
    provider_name: str
    model: str
    prompts: Any  # ucop.prompts.PromptLibrary
    retry: Any  # ucop.providers.retry.RetryPolicy
    temperature: float = 0.3
    max_tokens: int = 1200
    call_timeout_s: float = 120.0
    run_code: bool = False
    allow_outside_refs: bool = False
    output_dir: Path | None = None
    site: str | None = None
    today: dt.date | None = None
    base_url: str | None = None  # part of the cache key: another server, another answer
    _digests: dict[int, tuple[Any, str]] = field(default_factory=dict, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def digest(self, value: Any) -> str:
        """A stable hash of frozen JSON-like data, computed once per object per run."""
        with self._lock:
            hit = self._digests.get(id(value))
            if hit is not None and hit[0] is value:
                return hit[1]
        text = json.dumps(thaw(value), sort_keys=True, default=str)
        digest = hashlib.sha256(text.encode()).hexdigest()[:24]
        with self._lock:
            self._digests[id(value)] = (value, digest)
        return digest

    def memo(self, key: str, build: Callable[[], Any]) -> Any:
        """Build a shared helper (a retrieval index, say) once per run, from any thread."""
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        value = build()
        with self._lock:
            return self._memo.setdefault(key, value)


class Agent:
    """Base class: subclasses set `name`, `prompt` (None when no model call) and `run`."""

    name: ClassVar[str] = ""
    prompt: ClassVar[str | None] = None
    description: ClassVar[str] = ""
    # The brief fields the output depends on: part of the cache key, so editing one re-runs
    # exactly the agents that read it.
    brief_fields: ClassVar[tuple[str, ...]] = ()
    cacheable: ClassVar[bool] = True
    # The steps whose outputs `run` reads from `ctx.inputs`: loading a workflow checks that each
    # is among the step's depends_on, so a renamed step fails at load, not mid-run.
    reads: ClassVar[tuple[str, ...]] = ()

    def run(self, ctx: TaskContext, services: RunServices) -> dict[str, Any]:
        raise NotImplementedError

    def fan_out(self, inputs: Mapping[str, Any], services: RunServices) -> Sequence[Any] | None:
        """For fan-out agents: one item per instance. Others never call this."""
        raise NotImplementedError(f"agent '{self.name}' does not fan out")

    def model_calls(self, instances: int = 1) -> int:
        """How many model calls a run makes for this agent (for `ucop plan`)."""
        return instances if self.prompt else 0

    def cache_material(self, inputs: Mapping[str, Any], item: Any, services: RunServices) -> Any:
        """Everything besides the prompt and model settings that determines the output."""
        return {name: services.digest(value) for name, value in sorted(inputs.items())} | {
            "item": services.digest(item)
        }

    def cache_key(self, inputs: Mapping[str, Any], item: Any, services: RunServices) -> str | None:
        if not self.cacheable:
            return None
        parts = {
            "version": CACHE_VERSION,
            "agent": self.name,
            "material": self.cache_material(inputs, item, services),
            "brief": services.brief.digest(*self.brief_fields) if self.brief_fields else None,
        }
        if self.prompt:
            parts |= {
                "prompt": services.prompts.fingerprint(self.prompt),
                "provider": services.provider_name,
                "model": services.model,
                "temperature": services.temperature,
                "max_tokens": services.max_tokens,
            }
            if services.base_url:
                parts["base_url"] = services.base_url
        text = json.dumps(parts, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Fallback:
    """What an agent uses when the model's answer stays unusable: `build()`, described by `note`.

    Degrade, do not drop: a part built this way still exists, and the run report lists a
    `fallback` warning for it, so the article stays `ok` rather than `partial`.
    """

    note: str
    build: Callable[[], Any]


def ask_model(
    ctx: TaskContext,
    services: RunServices,
    prompt: str,
    variables: dict[str, Any],
    *,
    task: str,
    parse: Callable[[str], Any] = lambda text: text,
    schema: Mapping[str, Any] | None = None,
    fallback: Fallback | None = None,
) -> Any:
    """Render `prompt`, call the provider with retries, and return `parse(text)`.

    `parse` raises `UnusableOutput` for an answer it cannot use; that attempt is retried like
    a 429 would be. Retries and token usage are recorded on `ctx` for the table and report.
    `schema` (the answer's JSON Schema) lets HTTP providers ask for structured output. When
    the answer is still unusable after the retries, `fallback` (if given) supplies the result
    and a warning is recorded; other failures are raised as they are.
    """
    request = _request(ctx, services, prompt, variables, task, schema)
    retries_before = len(ctx.retries)
    try:
        completion, parsed, attempts = _call(ctx, services, request, parse)
    except UnusableOutput as error:
        ctx.record_call(len(ctx.retries) - retries_before + 1)
        if fallback is None or services.provider_name == "offline":
            raise
        return _fall_back(ctx, task, fallback, error)
    except BaseException:
        ctx.record_call(len(ctx.retries) - retries_before + 1)
        raise
    _record(ctx, completion, attempts)
    if completion.finish_reason in ("length", "max_tokens"):
        ctx.warn(
            "truncated",
            f"{task}: the model stopped at the token limit; the answer may end early "
            "(raise provider.max_tokens)",
        )
    return parsed


def offline_fallback(
    services: RunServices,
    prompt: str,
    variables: dict[str, Any],
    *,
    task: str,
    parse: Callable[[str], Any] = lambda text: text,
    note: str = "the offline writer's draft was used for this part",
) -> Fallback:
    """A `Fallback` that asks the offline writer the same request: a grounded draft, no model."""

    def build() -> Any:
        return parse(offline_text(services, prompt, variables, task))

    return Fallback(note, build)


def offline_text(services: RunServices, prompt: str, variables: dict[str, Any], task: str) -> str:
    """The offline writer's answer to the request `prompt` would make with `variables`."""
    from ucop.providers.offline import OfflineProvider

    system, user = services.prompts.render(prompt, variables)
    request = CompletionRequest(
        messages=(Message("system", system), Message("user", user)), task=task, context=variables
    )
    return OfflineProvider().complete(request).text


def _request(
    ctx: TaskContext,
    services: RunServices,
    prompt: str,
    variables: dict[str, Any],
    task: str,
    schema: Mapping[str, Any] | None,
) -> CompletionRequest:
    system, shared, per_call = services.prompts.render_parts(prompt, variables)
    timeout = services.call_timeout_s
    left = ctx.time_left()
    return CompletionRequest(
        messages=(Message("system", system), Message("user", join_shared(shared, per_call))),
        model=services.model,
        max_tokens=services.max_tokens,
        temperature=services.temperature,
        timeout_s=min(timeout, left) if left is not None else timeout,
        task=task,
        context=variables,
        schema=schema,
        shared_prefix=len(shared) + len(SHARED_SEPARATOR) if shared else 0,
    )


def _call(
    ctx: TaskContext,
    services: RunServices,
    request: CompletionRequest,
    parse: Callable[[str], Any],
) -> tuple[Completion, Any, int]:
    from ucop.providers.retry import call_with_retries

    return call_with_retries(
        services.provider,
        request,
        services.retry,
        deadline=ctx.deadline,
        on_retry=ctx.record_retry,
        cancelled=ctx.cancelled,
        parse=parse,
        sleep=ctx.sleep,  # a timed-out or cancelled agent stops waiting at once
    )


def _fall_back(ctx: TaskContext, task: str, fallback: Fallback, error: UnusableOutput) -> Any:
    try:
        value = fallback.build()
    except UnusableOutput:
        raise error from None  # the fallback could not help either: report the model's answer
    ctx.warn("fallback", f"{task}: the model's answer stayed unusable ({error}); {fallback.note}")
    return value


def _record(ctx: TaskContext, completion: Completion, attempts: int) -> None:
    ctx.record_call(attempts, completion.input_tokens, completion.output_tokens)


# Plugin agents are imported when a workflow names them (`ucop.plugins.LazyRegistry`).
AGENTS: dict[str, type[Agent]] = LazyRegistry()


def register(agent: type[Agent]) -> type[Agent]:
    """Make an agent kind available to workflows by its `name` (usable as a decorator)."""
    if not agent.name:
        raise ValueError(f"{agent.__name__} has no name")
    AGENTS[agent.name] = agent
    return agent
