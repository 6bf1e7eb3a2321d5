"""`ucop bench`: the same workflow sequentially, then in parallel, no cache; the A/B table.

With the offline provider (or `--latency`), a loopback model server with that latency stands
in for the model, so the figures show what parallelism does to a run that waits on a model,
through the real HTTP path. With openai or anthropic configured, it calls that provider.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_LATENCY_S = 0.2


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

    from ucop.pipeline import prepare

    console = console or Console(stderr=True)
    job = prepare(brief, None, config=config, flags=flags)
    if latency is None and job.provider_name != "offline":
        rows = compare(job, server=None)
    else:
        rows = _with_loopback(job, latency if latency is not None else DEFAULT_LATENCY_S, console)
    return _print(rows, console, json_out)


def _with_loopback(job: Any, latency: float, console: Any) -> list[dict[str, Any]]:
    from ucop.bench.e2e import loopback_server

    with loopback_server(latency) as server:
        provider = job.settings.config.provider
        provider.name, provider.base_url = "openai", server.base_url
        provider.max_concurrent_requests = max(provider.max_concurrent_requests, job.max_parallel)
        console.print(
            f"[dim]Model: loopback server at {server.base_url}, {latency:g}s per request[/]"
        )
        return compare(job, server=server)


def compare(job: Any, server: Any) -> list[dict[str, Any]]:
    """Run sequentially then in parallel; one row per run with its figures."""
    from ucop.pipeline import execute

    rows = []
    for cap in (1, job.max_parallel):
        if server is not None:
            server.reset_stats()
        outcome = execute(job, max_parallel=cap, cache=None)
        report = outcome.report
        rows.append(
            {
                "mode": "sequential" if cap == 1 else "parallel",
                "max_parallel": cap,
                "status": outcome.status,
                "wall_s": report["wall_s"],
                "agent_time_s": report["agent_time_s"],
                "speedup": report["speedup"],
                "critical_path_s": report["critical_path_s"],
                "efficiency": report["efficiency"],
                "requests": server.count if server is not None else None,
                "peak_concurrency": server.peak_concurrency if server is not None else None,
            }
        )
    if rows[1]["wall_s"]:
        rows[1]["ab_speedup"] = round(rows[0]["wall_s"] / rows[1]["wall_s"], 3)
    return rows


def _print(rows: list[dict[str, Any]], console: Any, json_out: bool) -> int:
    from rich.console import Console

    from ucop.ui.summary import render_ab_table

    console = Console()  # the table is the command's output: stdout
    if json_out:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        console.print(render_ab_table(rows))
        if "ab_speedup" in rows[1]:
            console.print(
                f"Parallel is [bold]{rows[1]['ab_speedup']:.2f}×[/] faster than sequential "
                f"({rows[0]['wall_s']:.2f}s → {rows[1]['wall_s']:.2f}s)."
            )
    return 0 if all(r["status"] == "ok" for r in rows) else 1
