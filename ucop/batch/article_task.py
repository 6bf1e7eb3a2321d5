"""One brief, one article: the function a batch runs on a thread, a process or a Dask worker.

`run_article(spec)` takes plain, picklable values (paths as strings, flags as a dict, and the
batch's pacer) and returns the article's files as text instead of writing them: the
machine that started the batch writes every file, so workers never share an output folder and
a worker that dies leaves nothing half-written. It never raises for a bad brief or a failed
run; those come back as `status: failed` with a one-line `error`.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ucop.errors import UcopError


def article_spec(
    brief: Path,
    *,
    config: str | None,
    flags: Mapping[str, Any],
    resume: bool = False,
    pacer: Any = None,
    record: str | None = None,
    replay: str | None = None,
) -> dict[str, Any]:
    """The picklable argument of `run_article`; paths are made absolute for remote workers."""
    return {
        "brief": str(Path(brief).resolve()),
        "config": str(Path(config).resolve()) if config else None,
        "flags": dict(flags),
        "resume": resume,
        "pacer": pacer,
        "record": record,
        "replay": replay,
    }


def check_settings(
    config: str | None,
    flags: Mapping[str, Any],
    env: Mapping[str, str] | None = None,
    *,
    replaying: bool = False,
) -> tuple[str | None, str | None]:
    """Raise the `UsageError` every brief would hit (config, provider, key, workflow) up front.

    Builds the job's settings and provider as `run_article` will, minus the brief. Returns the
    config file the workers should load (the one found here: --config, UCOP_CONFIG or
    ./config/main.yaml, or None for the shipped default, which each worker finds for itself)
    and the model a custom base URL's server lists when none is configured: asked once for
    the whole batch, so the workers need not ask again. A replay (`replaying`) calls no
    model: it needs neither a key nor a server, so neither is looked for.
    """
    from ucop.agents import AGENTS
    from ucop.config import default_config_dir, load_settings
    from ucop.providers import spec
    from ucop.run.job import Job
    from ucop.run.prepare import check_model_flags, resolve_model
    from ucop.run.services import close_provider, make_services
    from ucop.workflow.spec import load_workflow

    env = dict(os.environ) if env is None else env
    settings = load_settings(config, flags, env)
    origin = settings.origin("provider.name")
    spec(settings.config.provider.name, f"provider.name (from {origin})")
    check_model_flags(settings)
    workflow = load_workflow(settings.resolve(settings.config.workflows.workflow), AGENTS)
    job = Job(settings, None, workflow, None, env)  # type: ignore[arg-type]
    configured = settings.config.provider.model
    if not replaying:
        resolve_model(job)
        close_provider(make_services(job).provider)
    discovered = None if configured else settings.config.provider.model
    path = settings.path
    if path is None or path.resolve().parent == default_config_dir().resolve():
        return None, discovered
    return str(path.resolve()), discovered


def run_article(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Write one article and return {brief, status, files, report, error, ...}; writes no file."""
    started, clock = time.time(), time.monotonic()
    result: dict[str, Any] = {"brief": spec["brief"], "worker": worker_name()}
    try:
        result.update(_generate(spec, spec.get("pacer")))
    except UcopError as exc:
        result.update(failed(str(exc)))
    except Exception as exc:  # noqa: BLE001 - one brief's bug must not stop the batch
        result.update(failed(f"internal error: {type(exc).__name__}: {exc}"))
    result.update(started=started, wall_s=round(time.monotonic() - clock, 4))
    return result


def _generate(spec: Mapping[str, Any], pacer: Any) -> dict[str, Any]:
    from ucop.report.status import ArticleStatus
    from ucop.run.execute import default_cache, execute
    from ucop.run.outputs import render_outputs
    from ucop.run.prepare import prepare
    from ucop.run.services import make_services

    job = prepare(
        Path(spec["brief"]),
        None,
        config=spec["config"],
        flags=spec["flags"],
        resume=spec["resume"],
        record=Path(spec["record"]) if spec.get("record") else None,
        replay=Path(spec["replay"]) if spec.get("replay") else None,
    )
    services = make_services(job, pacer=pacer)
    usage = services.usage
    assert usage is not None  # make_services always paces the provider
    outcome = execute(job, cache=default_cache(job.env), services=services)
    if outcome.status is ArticleStatus.INTERRUPTED:
        return failed("interrupted on the worker - run the batch again with --resume")
    report = outcome.report
    return {
        "status": outcome.status,
        "files": render_outputs(job, outcome),
        "report": report,
        "article": report.get("article"),
        # a degraded or replaced article is whole (it exits 0): its row shows the article
        "error": None if outcome.status.exit_zero else _first_error(report),
        "requests": usage.requests,
        "rate_limited": usage.rate_limited,
        "tokens_in": report.get("tokens_in", 0),
        "tokens_out": report.get("tokens_out", 0),
        "cached_tokens": usage.cached_tokens,
        "cost": usage.as_dict()["cost"],
    }


def failed(error: str) -> dict[str, Any]:
    """The result fields of an article that produced nothing."""
    message = " ".join(error.split())
    return {"status": "failed", "files": {}, "report": None, "article": None, "error": message}


def _first_error(report: Mapping[str, Any]) -> str:
    for agent in report.get("agents", []):
        if agent.get("error"):
            return f"{agent['name']}: {' '.join(str(agent['error']).split())}"
    return f"article {report.get('status')}"


def worker_name() -> str:
    """Where this task runs: the Dask worker's address, else host:pid."""
    if "distributed" in sys.modules:  # only a Dask worker has imported it
        try:
            return str(sys.modules["distributed"].get_worker().address)
        except ValueError:
            pass
    return f"{socket.gethostname()}:{os.getpid()}"
