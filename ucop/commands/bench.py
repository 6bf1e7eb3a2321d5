"""`ucop bench`: the same workflow sequentially, then in parallel, no cache; the A/B table.

With the offline provider (or `--latency`), a loopback model server with that latency stands
in for the model, so the figures show what parallelism does to a run that waits on a model,
through the real HTTP path. With openai or anthropic configured, it calls that provider.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ucop.report.status import EXIT_ZERO, exit_code

DEFAULT_LATENCY_S = 0.2
BENCH_SEED = 1234  # with temperature 0, both runs get the same answers where servers allow


def run_bench(
    brief: Path,
    *,
    config: str | None,
    flags: Mapping[str, Any],
    latency: float | None,
    json_out: bool,
    console: Any = None,
) -> int:
    from rich.console import Console

    from ucop.run.prepare import prepare, resolve_model

    console = console or Console(stderr=True)
    job = prepare(brief, None, config=config, flags=flags)
    resolve_model(job)  # a custom base URL and no --model: the server's only model
    _warn_twice(job, console, hosted=latency is None and not job.drafts_only)
    if latency is None and not job.drafts_only:
        rows = compare(job, server=None)
    else:
        rows = _with_loopback(job, latency if latency is not None else DEFAULT_LATENCY_S, console)
    return _print(rows, console, json_out)


def _with_loopback(job: Any, latency: float, console: Any) -> list[dict[str, Any]]:
    from ucop.testing.model_server import loopback_server

    with loopback_server(latency) as server:
        provider = job.settings.config.provider
        provider.name, provider.base_url = "openai", server.base_url
        provider.max_concurrent_requests = max(provider.max_concurrent_requests, job.max_parallel)
        console.print(
            f"[dim]Model: loopback server at {server.base_url}, {latency:g}s per request[/]"
        )
        return compare(job, server=server)


def _warn_twice(job: Any, console: Any, hosted: bool) -> None:
    """Say up front that every model request is made twice (once per mode)."""
    from ucop.agents import AGENTS
    from ucop.workflow.plan import make_plan

    calls = make_plan(job.workflow, job.brief.sections, {}, AGENTS).model_calls
    where = f"{job.provider_name} ({job.model})" if hosted else "a loopback model server"
    console.print(
        f"[yellow]ucop bench runs the workflow twice without the cache[/] (sequential, then "
        f"parallel): each of its {calls} model requests is made twice, {2 * calls} in all, "
        f"to {where}.",
        highlight=False,
        soft_wrap=True,
    )


class _Counting:
    """A provider that counts the requests passing through it (retries included) and asks
    each at temperature 0 with a fixed seed, so both runs do the same work; a server that
    refuses the seed (a 4xx naming it) is asked again without it, for the rest of the run."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.count = 0
        self.seeded = True
        self._lock = threading.Lock()

    def complete(self, request: Any) -> Any:
        from dataclasses import replace

        from ucop.errors import PermanentError

        with self._lock:
            self.count += 1
        if not self.seeded:
            return self.inner.complete(replace(request, temperature=0.0))
        try:
            return self.inner.complete(replace(request, temperature=0.0, seed=BENCH_SEED))
        except PermanentError as error:
            if "seed" not in str(error).lower():
                raise
            self.seeded = False
            return self.inner.complete(replace(request, temperature=0.0))

    def __getattr__(self, name: str) -> Any:  # name, close, ...: the wrapped provider's
        return getattr(self.inner, name)


def _durations(agents: Any) -> dict[str, float | None]:
    """Each agent's seconds, by name, from run.json's `agents`."""
    return {str(agent["name"]): agent.get("duration_s") for agent in agents}


def _build_index(job: Any) -> None:
    """Bring the knowledge base's index up to date before either run: else the sequential
    run, going first, builds it alone and the A/B overstates the speedup (0.4 s of a 5 s
    loopback run)."""
    from ucop.sources.index.shared import refresh_for_run

    brief = job.brief
    kb = brief.sources.get("kb")
    if kb is not None:  # as `ucop plan` does: refresh_for_run finds the folder from the brief
        refresh_for_run(kb, brief.base, brief.source_urls.get("kb"))


def compare(job: Any, server: Any) -> list[dict[str, Any]]:
    """Run sequentially then in parallel; one row per run with its figures."""
    from dataclasses import replace

    from ucop.run.execute import execute
    from ucop.run.services import make_services

    rows: list[dict[str, Any]] = []
    _build_index(job)
    for cap in (1, job.max_parallel):
        if server is not None:
            server.reset_stats()
        services = make_services(job)
        counter = _Counting(services.provider)
        outcome = execute(
            job, max_parallel=cap, cache=None, services=replace(services, provider=counter)
        )
        report, usage = outcome.report, outcome.report.get("usage")
        rows.append(
            {
                "mode": "sequential" if cap == 1 else "parallel",
                "max_parallel": cap,
                "status": outcome.status,
                "wall_s": report["wall_s"],
                "agent_time_s": report["agent_time_s"],
                "speedup": report["speedup"],
                "speedup_basis": report.get("speedup_basis"),
                "queued_s": report.get("queued_s"),
                "server_parallelism": (
                    usage.get("server_parallelism") if isinstance(usage, dict) else None
                ),
                # the limiter's levels and the lineup's holds: why the figures came out so
                "concurrency": usage.get("concurrency") if isinstance(usage, dict) else None,
                "model_s": usage.get("model_s") if isinstance(usage, dict) else None,
                "served_s": usage.get("served_s") if isinstance(usage, dict) else None,
                "critical_path_s": report["critical_path_s"],
                "efficiency": report["efficiency"],
                "requests": counter.count,
                "peak_concurrency": server.peak_concurrency if server is not None else None,
                # each agent's seconds: where the two runs' times differ
                "agents": _durations(report["agents"]),
            }
        )
    # a degraded run (some model answers replaced by drafts) is still a whole article, timed
    not_ok = [
        f"the {r['mode']} run ended {r['status']}" for r in rows if r["status"] not in EXIT_ZERO
    ]
    if not_ok:
        rows[1]["ab_note"] = "no speedup: " + " and ".join(not_ok) + " - see its agents in run.json"
    elif rows[1]["wall_s"]:
        rows[1]["ab_speedup"] = round(rows[0]["wall_s"] / rows[1]["wall_s"], 3)
        if rows[1]["speedup"]:
            # how far the parallel run's own estimate (its summary) is from the measurement
            gap = rows[1]["speedup"] / rows[1]["ab_speedup"] - 1
            rows[1]["estimate_gap"] = round(gap, 3)
    return rows


def _print(rows: list[dict[str, Any]], console: Any, json_out: bool) -> int:
    from rich.console import Console

    from ucop.ui.summary import render_ab_table

    console = Console()  # the table is the command's output: stdout
    if json_out:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        console.print(render_ab_table(rows))
        if "ab_note" in rows[1]:
            console.print(f"[yellow]{rows[1]['ab_note']}[/]", highlight=False)
        if "ab_speedup" in rows[1]:
            console.print(
                f"Parallel is [bold]{rows[1]['ab_speedup']:.2f}×[/] faster than sequential "
                f"({rows[0]['wall_s']:.2f}s → {rows[1]['wall_s']:.2f}s)."
            )
        if "estimate_gap" in rows[1]:
            console.print(
                f"The parallel run's summary estimated {rows[1]['speedup']:.2f}× "
                f"({rows[1]['speedup_basis']}): {rows[1]['estimate_gap']:+.0%} off the measured.",
                highlight=False,
            )
    return 0 if all(exit_code(r["status"]) == 0 for r in rows) else 1
