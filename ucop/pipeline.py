"""One article run, from flags to files: prepare (all checks), execute, write.

`prepare` does every check that can fail on bad input before anything runs or is written.
`execute` runs the workflow once through the scheduler and returns the result and report.
`write_outputs` writes the article, `run.json` and `timeline.svg`, each atomically.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ucop import __version__
from ucop.brief import Brief, load_brief
from ucop.config import Settings, load_settings
from ucop.engine import EventBus, RunResult, Scheduler, Status
from ucop.errors import Interrupted, UsageError
from ucop.files import RUN_REPORT, TIMELINE, check_output_dir, write_all
from ucop.run_settings import found
from ucop.workflow.spec import Workflow, load_workflow

if TYPE_CHECKING:
    from ucop.providers.base import ProviderSpec
    from ucop.report.status import ArticleStatus


@dataclass
class Job:
    """Everything a run needs, checked: settings, brief, workflow and output folder."""

    settings: Settings
    brief: Brief
    workflow: Workflow
    output: Path | None
    env: Mapping[str, str]
    resume: bool = False
    used: list[tuple[str, str, str]] = field(default_factory=list)  # (setting, value, origin)
    record: Path | None = None  # --record: every model exchange as JSON Lines
    replayer: Any = None  # --replay: a ReplayProvider answering from a recording

    @property
    def provider_name(self) -> str:
        return self.settings.config.provider.name

    @property
    def provider(self) -> ProviderSpec | None:
        """The provider's spec (its key variable, default model...); None for a replay's."""
        from ucop.providers import find

        return find(self.provider_name)

    @property
    def drafts_only(self) -> bool:
        """Whether the provider answers with the agents' own drafts (the offline writer)."""
        spec = self.provider
        return bool(spec and spec.writes_drafts)

    @property
    def model(self) -> str:
        spec = self.provider
        return self.settings.config.provider.model or (spec.default_model if spec else "")

    @property
    def api_key(self) -> str | None:
        spec = self.provider
        return self.env.get(spec.key_env) if spec and spec.key_env else None

    @property
    def timing_key(self) -> str:
        """Measured durations are kept per workflow, provider and model: they differ a lot."""
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.model)
        return f"{self.workflow.name}.{self.provider_name}.{safe}"

    @property
    def max_parallel(self) -> int:
        workflows = self.settings.config.workflows
        return workflows.max_parallel_agents if workflows.enable_parallel_execution else 1


def prepare(
    brief_path: Path,
    output: Path | None,
    *,
    config: str | None = None,
    flags: Mapping[str, Any] | None = None,
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


def settings_used(job: Job) -> list[tuple[str, str, str]]:
    """The values that shape this run and where each came from, for the start-of-run block."""
    cfg, origin = job.settings.config, job.settings.origin
    mode = "parallel" if cfg.workflows.enable_parallel_execution else "sequential"
    spec = job.provider
    key = spec.key_env if spec else None
    rows = [
        ("config", str(job.settings.path), "--config, UCOP_CONFIG or ./config/main.yaml"),
        ("mode", mode, origin("workflows.enable_parallel_execution")),
        ("max parallel agents", str(job.max_parallel), origin("workflows.max_parallel_agents")),
        ("provider", job.provider_name, origin("provider.name")),
        ("model", job.model, _or_default(cfg.provider.model, origin("provider.model"))),
        (
            "base url",
            cfg.provider.base_url or (spec.default_base_url if spec else None) or "none",
            _or_default(cfg.provider.base_url, origin("provider.base_url")),
        ),
        (
            "max requests in flight",
            str(cfg.provider.max_concurrent_requests),
            origin("provider.max_concurrent_requests"),
        ),
        ("agent timeout", f"{cfg.agents.timeout_s:g}s", origin("agents.timeout_s")),
        ("retries", str(cfg.agents.retries), origin("agents.retries")),
        ("fail fast", str(cfg.workflows.fail_fast).lower(), origin("workflows.fail_fast")),
        (
            "run deadline",
            f"{cfg.workflows.deadline_s:g}s" if cfg.workflows.deadline_s else "none",
            origin("workflows.deadline_s"),
        ),
        ("site", cfg.output.site or "plain", origin("output.site")),
    ]
    if key:
        rows.append(("api key", "set" if job.env.get(key) else "not set", f"environment {key}"))
    return rows


def _or_default(value: Any, origin: str) -> str:
    """A value left null (in the file or not at all) is the provider's default."""
    return origin if value is not None else "provider default"


def check_provider(job: Job) -> None:
    """Build the provider once and close it: a missing key or endpoint fails here, before the
    run prints anything (a replay needs neither)."""
    from ucop.providers import create_provider

    if job.replayer is not None:
        return
    provider = create_provider(provider_settings(job.settings, job.env))
    close = getattr(provider, "close", None)
    if callable(close):
        close()


def make_services(job: Job, *, today: dt.date | None = None, pacer: Any = None) -> Any:
    """The provider (paced by `pacer`, or one of its own), prompts and retry policy."""
    from ucop.agents.base import RunServices
    from ucop.prompts import PromptLibrary
    from ucop.providers import create_provider, paced
    from ucop.providers.retry import RetryPolicy

    cfg = job.settings.config
    api_key = job.api_key
    provider = job.replayer or create_provider(provider_settings(job.settings, job.env))
    if job.record is not None:
        from ucop.providers.record import RecordingProvider

        provider = RecordingProvider(provider, job.record, secrets=[api_key or ""])
    folders = job.settings.prompt_folders()
    return RunServices(
        brief=job.brief,
        provider=paced(provider, cfg.provider, job.model, pacer),
        provider_name=job.provider_name,
        model=job.model,
        prompts=PromptLibrary(folders),
        retry=RetryPolicy(
            max_attempts=cfg.agents.retries + 1,
            base_s=cfg.retry.base_s,
            max_backoff_s=cfg.retry.max_backoff_s,
            retry_after_cap_s=cfg.retry.retry_after_cap_s,
        ),
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
    )


def provider_settings(settings: Settings, env: Mapping[str, str]) -> Any:
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


@dataclass
class Outcome:
    result: RunResult
    report: dict[str, Any]
    article: Mapping[str, Any] | None
    status: ArticleStatus


def execute(
    job: Job,
    *,
    max_parallel: int | None = None,
    cache: Any = None,
    subscribers: Sequence[Callable[[Any], None]] = (),
    services: Any = None,
    executor: Any = None,
) -> Outcome:
    """Run the workflow once; never writes the article (see `write_outputs`)."""
    from ucop.workflow.build import build_graph

    services = services or make_services(job)
    graph = build_graph(job.workflow, services, job.settings.config.agents)
    bus = EventBus()
    for subscriber in subscribers:
        bus.subscribe(subscriber)
    cap = max_parallel or job.max_parallel
    workflows = job.settings.config.workflows
    scheduler = Scheduler(
        graph,
        max_parallel=cap,
        executor=executor,
        bus=bus,
        fail_fast=workflows.fail_fast,
        deadline_s=workflows.deadline_s,
        durations=cache.durations(job.timing_key) if cache is not None else None,
        cache=cache if (cache is not None and job.resume) else _WriteOnly(cache),
    )
    info = run_info(job, cap)
    try:
        result = scheduler.run(info)
    finally:
        close = getattr(services.provider, "close", None)  # wrappers pass it on to the client
        if close:
            close()
    _raise_input_errors(result)
    if cache is not None:
        cache.save_durations(job.timing_key, measured_durations(result))
    return _outcome(job, result, info, usage_report(services.provider, job))


def usage_report(provider: Any, job: Job) -> dict[str, Any] | None:
    """What the run's calls used and cost, from the pacing wrapper (None without one)."""
    from ucop.providers.cost import prices_taken

    usage = getattr(provider, "usage", None)
    if usage is None or (job.provider is not None and not job.provider.network):
        return None  # no model was called: no cost, no rate limits
    limits = job.settings.config.provider
    return {
        **usage.as_dict(),
        "currency": "USD",
        "prices": f"estimates taken {prices_taken()}" if usage.priced else "no price for model",
        "max_cost": limits.max_cost,
        "budget_stopped": usage.budget_refused > 0,
    }


class _WriteOnly:
    """Without --resume results are still stored (so a later --resume can use them), never read."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache

    def load(self, key: str) -> tuple[bool, Any]:
        return False, None

    def store(self, key: str, value: Any) -> None:
        if self._cache is not None:
            self._cache.store(key, value)


def run_info(job: Job, cap: int) -> dict[str, Any]:
    return {
        "ucop_version": __version__,
        "mode": "parallel" if cap > 1 else "sequential",
        "provider": job.provider_name,
        "model": job.model,
        "offline": job.drafts_only,
        "workflow": job.workflow.name,
        "brief": str(job.brief.path),
    }


def _raise_input_errors(result: RunResult) -> None:
    """A source that turned out unusable mid-run is still bad input: exit 2, write nothing."""
    for record in result.tasks():
        if isinstance(record.exception, UsageError):
            raise record.exception


def measured_durations(result: RunResult) -> dict[str, float]:
    return {
        r.name: round(r.duration_s, 4)
        for r in result.tasks()
        if r.status is Status.DONE and r.duration_s is not None
    }


def _outcome(
    job: Job, result: RunResult, info: dict[str, Any], usage: dict[str, Any] | None = None
) -> Outcome:
    from ucop.engine.state import thaw
    from ucop.report.run_report import build_report
    from ucop.report.status import model_answers, run_status

    article = result.outputs.get("assembly")
    answers = model_answers(result, _prompted(job))
    status = run_status(result, article, answers)
    extra: dict[str, Any] = {"model_answers": answers}
    if article is not None:
        extra |= {
            "failed_parts": list(article["failed_parts"]),
            "words": article["words"],
            "warnings": thaw(article.get("warnings", ())),
        }
    if usage is not None:
        extra["usage"] = usage
    name = article["filename"] if article is not None and status != "interrupted" else None
    report = build_report(result, status=status, info=info, article=name, extra=extra)
    return Outcome(result, report, article, status)


def _prompted(job: Job) -> set[str]:
    """The agent kinds of the workflow that ask the model."""
    from ucop.agents import AGENTS

    kinds = {step.kind for step in job.workflow.agents}
    return {k for k in kinds if k in AGENTS and AGENTS[k].prompt}


def render_outputs(job: Job, outcome: Outcome) -> dict[str, str]:
    """File name -> content for everything a run writes (the article, run.json, timeline.svg).

    Kept apart from writing so a remote worker (see `ucop batch`) can return the contents
    and the machine that started the batch writes them.
    """
    import json

    from ucop.report.timeline import render_timeline

    files: dict[str, str] = {}
    if outcome.article is not None:
        text = _stamp(outcome.article["text"], job, outcome.report.get("model_answers"))
        files[outcome.article["filename"]] = text
    files[RUN_REPORT] = json.dumps(outcome.report, indent=2) + "\n"
    files[TIMELINE] = render_timeline(outcome.report)
    return files


def write_files(folder: Path, files: Mapping[str, str]) -> dict[str, Path]:
    """Write the files inside `folder`, all or none; returns article/report/timeline paths."""
    written = write_all(folder, files)  # all or none: a full disk leaves no half a set
    labels = {RUN_REPORT: "report", TIMELINE: "timeline"}
    return {labels.get(name, "article"): path for name, path in written.items()}


def write_outputs(job: Job, outcome: Outcome) -> dict[str, Path]:
    """Write the article (unless interrupted), run.json and timeline.svg, each atomically."""
    if job.output is None:
        return {}
    if outcome.status == "interrupted":
        raise Interrupted("interrupted - nothing written; run again with --resume to continue")
    return write_files(job.output, render_outputs(job, outcome))


def _stamp(text: str, job: Job, answers: Mapping[str, int] | None = None) -> str:
    """Say in the file itself who wrote it (the offline writer above all, even in part)."""
    who = (
        "offline writer, extractive draft"
        if job.drafts_only
        else f"{job.provider_name}, {job.model}"
    )
    if answers and answers.get("replaced") and not job.drafts_only:
        total = answers["replaced"] + answers.get("kept", 0)
        who += f"; {answers['replaced']} of {total} parts by the offline writer"
    return text.replace("---\n", f"---\ngenerated_by: ucop {__version__} ({who})\n", 1)


def default_cache(env: Mapping[str, str]) -> Any:
    from ucop.cache import DiskCache, default_cache_dir

    return DiskCache(default_cache_dir(dict(env)))


def elapsed_clock() -> Callable[[], float]:
    start = time.monotonic()
    return lambda: time.monotonic() - start
