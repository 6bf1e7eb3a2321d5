"""What the agents of one run share: the provider (paced and counted), prompts and retries.

`make_services` builds the `RunServices` every agent receives. Its provider is the configured
one (or the --replay recording), wrapped in `RecordingProvider` for --record and always in a
`PacedProvider`, whose `usage` becomes `RunServices.usage`. A batch passes one `SharedPacer`
for all its articles; a single run gets a pacer of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from ucop.config import Settings
from ucop.run.job import Job

if TYPE_CHECKING:
    from ucop.agents.base import RunServices
    from ucop.providers.base import Provider, ProviderSettings
    from ucop.providers.pacer import Grant, Outcome
    from ucop.providers.retry import RetryPolicy


class SharedPacer(Protocol):
    """What `PacedProvider` asks of a pacer: a `Pacer`, or a batch's `RemotePacer` proxy."""

    def acquire(self, tokens: int = 0, cost: float = 0.0, timeout: float = 60.0) -> Grant: ...

    def release(self, outcome: Outcome) -> None: ...


def make_services(
    job: Job, *, today: dt.date | None = None, pacer: SharedPacer | None = None
) -> RunServices:
    """The provider (paced by `pacer`, or one of its own), prompts and retry policy."""
    from ucop.agents.base import RunServices
    from ucop.prompts import PromptLibrary
    from ucop.providers import paced

    cfg = job.settings.config
    provider = paced(_provider(job), cfg.provider, job.model, pacer)
    return RunServices(
        brief=job.brief,
        provider=provider,
        provider_name=job.provider_name,
        model=job.model,
        prompts=PromptLibrary(job.settings.prompt_folders()),
        retry=_retry_policy(job.settings),
        temperature=cfg.provider.temperature,
        max_tokens=cfg.provider.max_tokens,
        call_timeout_s=cfg.agents.timeout_s,
        run_code=cfg.output.run_code,
        allow_outside_refs=cfg.sources.allow_outside_refs,
        output_dir=job.output,
        site=cfg.output.site,
        today=today,
        base_url=cfg.provider.base_url,
        drafts_only=job.drafts_only,
        usage=provider.usage,
    )


def _provider(job: Job) -> Provider:
    """The configured provider, or the replay; wrapped to record every exchange with --record."""
    from ucop.providers import create_provider

    provider: Provider
    if job.replayer is not None:
        provider = job.replayer
    else:
        provider = create_provider(provider_settings(job.settings, job.env))
    if job.record is not None:
        from ucop.providers.record import RecordingProvider

        provider = RecordingProvider(provider, job.record, secrets=[job.api_key or ""])
    return provider


def _retry_policy(settings: Settings) -> RetryPolicy:
    from ucop.providers.retry import RetryPolicy

    cfg = settings.config
    return RetryPolicy(
        max_attempts=cfg.agents.retries + 1,
        base_s=cfg.retry.base_s,
        max_backoff_s=cfg.retry.max_backoff_s,
        retry_after_cap_s=cfg.retry.retry_after_cap_s,
    )


def provider_settings(settings: Settings, env: Mapping[str, str]) -> ProviderSettings:
    """The `ProviderSettings` for the configured provider, as its spec describes them."""
    from ucop.providers import spec as provider_spec
    from ucop.providers.base import ProviderSettings

    cfg = settings.config
    spec = provider_spec(cfg.provider.name)
    extra = {name: getattr(cfg.provider, name, None) for name in spec.params}
    extra |= cfg.provider.options  # validated against the provider's own options model
    return ProviderSettings(
        name=cfg.provider.name,
        model=cfg.provider.model or spec.default_model,
        base_url=cfg.provider.base_url,
        api_key=env.get(spec.key_env) if spec.key_env else None,
        timeout_s=cfg.agents.timeout_s,
        max_concurrent_requests=cfg.provider.max_concurrent_requests,
        extra={name: value for name, value in extra.items() if value is not None},
    )


def close_provider(provider: object) -> None:
    """Close a provider that holds a client (wrappers pass `close` on to the one they wrap)."""
    close = getattr(provider, "close", None)
    if callable(close):
        close()
