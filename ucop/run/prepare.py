"""Every check that can fail on bad input, made before anything runs or is written.

`prepare` loads the config (flags > environment > file > defaults), the workflow and the
brief, checks the output folder and --record/--replay, and returns the `Job`; each problem
is a `UsageError` (exit 2). `check_provider` and `resolve_model` are the two checks that
may reach the network or a key, kept apart so `ucop plan` can skip them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ucop.brief import load_brief
from ucop.config import Settings, load_settings
from ucop.errors import UsageError
from ucop.files import check_output_dir
from ucop.run.job import Job, settings_used
from ucop.run_settings import found
from ucop.workflow.spec import load_workflow


def prepare(
    brief_path: Path,
    output: Path | None,
    *,
    config: str | None = None,
    flags: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    force: bool = False,
    resume: bool = False,
    record: Path | None = None,
    replay: Path | None = None,
) -> Job:
    """Load and check everything; raises a `UsageError` (exit 2) before anything is written."""
    from ucop.agents import AGENTS

    env = dict(os.environ) if env is None else env
    settings = load_settings(config, flags, env)
    _check_provider_name(settings)
    workflow = load_workflow(settings.workflow_path(), AGENTS)
    brief = load_brief(brief_path)
    if output is not None:
        check_output_dir(output, force=force, resume=resume)
    job = Job(settings, brief, workflow, output, env, resume)
    _recording(job, record, replay)
    check_model_flags(settings)
    job.used = settings_used(job)
    return job


def _recording(job: Job, record: Path | None, replay: Path | None) -> None:
    """Check --record's folder and load --replay's file, so a bad one fails before the run."""
    from ucop.providers.record import ReplayProvider

    if record is not None:
        if not record.parent.is_dir() or record.is_dir():
            raise UsageError(f"--record: {record} must be a file in an existing folder")
        job.record = record
    if replay is not None:
        # The recording's provider and model, unless a flag names others (whose requests the
        # recording will then not hold: useful to check that a change matters).
        job.replayer = replayer = ReplayProvider(replay)
        provider, settings = job.settings.config.provider, job.settings
        if not settings.source("provider.name").from_flag and replayer.providers:
            provider.name = replayer.providers[0]
            settings.origins["provider.name"] = found(f"the recording {replay.name}")
        if not settings.source("provider.model").from_flag and replayer.models:
            provider.model = replayer.models[0]
            settings.origins["provider.model"] = found(f"the recording {replay.name}")
        replayer.name = job.provider_name


def resolve_model(job: Job) -> None:
    """With a custom base URL and no model, use the only model the server lists (see models.py).

    Raises a ConfigError (exit 2) that names the models when there are several, and when the
    list is empty or unreachable. Replays and OpenAI's own API are left alone.
    """
    from urllib.parse import urlsplit

    from ucop.providers.models import choose_model, list_models

    provider, spec = job.settings.config.provider, job.provider
    if provider.model or spec is None or not spec.lists_models or not provider.base_url:
        return
    official = urlsplit(spec.default_base_url).hostname
    if job.replayer is not None or urlsplit(provider.base_url).hostname == official:
        return
    models = list_models(provider.base_url, job.api_key)
    provider.model = choose_model(models, provider.base_url)
    job.settings.origins["provider.model"] = found("the server's model list (GET /models)")
    job.used = settings_used(job)


def _check_provider_name(settings: Settings) -> None:
    from ucop.providers import spec

    origin = settings.origin("provider.name")
    spec(settings.config.provider.name, f"provider.name (from {origin})")


def check_model_flags(settings: Settings) -> None:
    """--model or --base-url for a provider that calls no model is a usage error.

    Otherwise `--model gpt-4o` alone runs the offline writer and labels the run with a model
    that never wrote a word.
    """
    from ucop.providers import find

    spec = find(settings.config.provider.name)
    if spec is None or spec.network:
        return
    for location, flag in (("provider.model", "--model"), ("provider.base_url", "--base-url")):
        if settings.source(location).from_flag:
            raise UsageError(
                f"{flag} needs a provider that calls a model: the {spec.name} writer calls "
                "none - add --provider openai (or anthropic, azure; `ucop plugins` lists more)"
            )


def check_provider(job: Job) -> None:
    """Build the provider once and close it: a missing key or endpoint fails here, before the
    run prints anything (a replay needs neither)."""
    from ucop.providers import create_provider
    from ucop.run.services import close_provider, provider_settings

    if job.replayer is not None:
        return
    close_provider(create_provider(provider_settings(job.settings, job.env)))
