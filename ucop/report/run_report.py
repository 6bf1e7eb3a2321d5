"""The run report (`run.json`): what ran, when, how often, and what the parallelism bought."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from ucop.engine.metrics import expanded_deps, run_metrics
from ucop.engine.records import RunResult, Status, TaskRecord

SCHEMA_VERSION = 1


def published_model(model: str) -> str:
    """The model's name fit to publish: a local server may call its model by the weights' file
    path (llama-cpp-python: /root/.cache/.../SmolLM2-135M-Instruct.Q4_1.gguf), which names the
    writer's folders; the file name says which model it is. Hub ids (org/name) stay whole."""
    if model.startswith(("/", "~", "\\")) or re.match(r"[A-Za-z]:[\\/]", model):
        return re.split(r"[\\/]", model.rstrip("\\/"))[-1] or model
    return model


def build_report(
    result: RunResult,
    *,
    status: str,
    info: Mapping[str, Any],
    article: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The report dict: run-level figures first, then one entry per agent that did work."""
    usage = (extra or {}).get("usage") or {}
    metrics = run_metrics(result, usage.get("queued_s") or 0.0, usage.get("server_parallelism"))
    deps = expanded_deps(result)
    on_path = set(metrics.critical_path)
    # a cached agent took no time: it is on no critical path, whatever its place in the DAG
    agents = [
        _agent(r, deps[r.name], r.name in on_path and r.status is not Status.CACHED)
        for r in result.tasks()
    ]
    ended = dt.datetime.now(dt.timezone.utc)
    started = ended - dt.timedelta(seconds=metrics.wall_s)
    return {
        "schema": SCHEMA_VERSION,
        "started_at": started.isoformat(timespec="seconds"),
        "ended_at": ended.isoformat(timespec="seconds"),
        **info,
        "max_parallel": result.max_parallel,
        "status": status,
        "wall_s": _r(metrics.wall_s),
        "agent_time_s": _r(metrics.agent_time_s),
        "speedup": _r(metrics.speedup),
        "speedup_basis": metrics.speedup_basis,
        "queued_s": _r(metrics.queued_s),
        "critical_path_s": _r(metrics.critical_path_s),
        "lower_bound_s": _r(metrics.lower_bound_s),
        "efficiency": _r(metrics.efficiency),
        "critical_path": list(metrics.critical_path),
        "article": article,
        "counts": _counts(result),
        "retries": sum(len(r.retries) for r in result.tasks()),
        "tokens_in": sum(r.tokens_in for r in result.tasks()),
        "tokens_out": sum(r.tokens_out for r in result.tasks()),
        **(extra or {}),
        # what agents noted while running (fallbacks...) and what the article carries (coverage)
        "warnings": [
            *(w for r in result.tasks() for w in r.warnings),
            *(extra or {}).get("warnings", ()),
        ],
        "agents": agents,
    }


def _agent(record: TaskRecord, depends_on: tuple[str, ...], critical: bool) -> dict[str, Any]:
    return {
        "name": record.name,
        "agent": record.agent,
        "status": record.status.value,
        "attempts": record.attempts,
        "queued_s": _r(record.queued_s),
        "start_s": _r(record.start_s),
        "end_s": _r(record.end_s),
        "duration_s": _r(record.duration_s),
        "depends_on": list(depends_on),
        "tokens_in": record.tokens_in,
        "tokens_out": record.tokens_out,
        "retries": list(record.retries),
        "error": record.error,
        "on_critical_path": critical,
    }


def _counts(result: RunResult) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in result.tasks():
        counts[record.status.value] = counts.get(record.status.value, 0) + 1
    return counts


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
