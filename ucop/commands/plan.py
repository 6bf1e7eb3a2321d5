"""`ucop plan`: what a run will do, worked out without making a single model call."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def run_plan(
    brief: Path,
    *,
    config: str | None,
    flags: Mapping[str, Any],
    json_out: bool,
    console: Any = None,
) -> int:
    from rich.console import Console

    from ucop.agents import AGENTS
    from ucop.engine.metrics import ideal_schedule
    from ucop.run.execute import default_cache
    from ucop.run.prepare import prepare
    from ucop.workflow.plan import make_plan

    job = prepare(brief, None, config=config, flags=flags)
    lengths = read_sources(job)
    measured = default_cache(job.env).durations(job.timing_key)
    estimates = _template_estimates(measured)
    plan = make_plan(job.workflow, job.brief.sections, estimates, AGENTS)
    deps, durations = expanded(plan, estimates, job.workflow)
    ideal = ideal_schedule(deps, durations, job.max_parallel)
    usage = plan_usage(job, plan, AGENTS, lengths)
    if json_out:
        data = {
            **plan.__dict__,
            "max_parallel": job.max_parallel,
            "ideal_s": round(ideal, 3),
            "estimates_from": "last run" if measured else "workflow estimates",
            "usage": usage,
        }
        sys.stdout.write(json.dumps(data, indent=2, default=list) + "\n")
        return 0
    console = console or Console()
    console.print(render_plan(plan, job, ideal, bool(measured)))
    console.print(render_usage(usage))
    return 0


def read_sources(job: Any) -> dict[int, int]:
    """Read the brief's sources as `generate`'s ingestion agents do, so that an unreadable one
    stops `plan` the same way (exit 2, the same line); the KB's chunk lengths, for estimates.

    The knowledge base is read through its index (built or refreshed here, as a run would,
    and then reused by it), never held in memory.
    """
    from ucop.sources import load_blog, load_openapi
    from ucop.sources.index.shared import text_lengths_for_run

    brief = job.brief
    urls = getattr(brief, "source_urls", {})
    kb, api, blog = (brief.sources.get(kind) for kind in ("kb", "api", "blog"))
    lengths = text_lengths_for_run(kb, brief.base, urls.get("kb")) if kb is not None else {}
    if api is not None:
        roots = [path for path in brief.sources.values() if path is not None]
        outside = job.settings.config.sources.allow_outside_refs
        load_openapi(api, brief.base, ref_roots=roots, allow_outside_refs=outside)
    if blog is not None:
        load_blog(blog, brief.base, urls.get("blog"))
    return lengths


def plan_usage(
    job: Any, plan: Any, registry: Mapping[str, Any], lengths: Mapping[int, int]
) -> dict[str, Any]:
    """Estimated calls, tokens and cost of the run with the job's provider and model."""
    from ucop.providers.cost import find_price, prices_taken
    from ucop.workflow.estimate import estimate_usage, usage_json

    provider = job.settings.config.provider
    prompts = {spec.name: registry[spec.kind].prompt for spec in job.workflow.agents}
    estimate = estimate_usage(
        plan.calls_by_agent,
        prompts,
        folders=job.settings.prompt_folders(),
        brief_body=job.brief.body,
        max_tokens=provider.max_tokens,
        lengths=lengths,
    )
    overrides = {name: entry.model_dump() for name, entry in provider.prices.items()}
    price = find_price(job.provider_name, job.model, overrides)
    meta = {
        "provider": job.provider_name,
        "model": job.model,
        "currency": "USD",
        "prices": f"estimates taken {prices_taken()}" if price else "no price for this model",
        "max_cost": provider.max_cost,
    }
    return usage_json(estimate, price, meta)


def render_usage(usage: Mapping[str, Any]) -> Any:
    from rich.table import Table

    table = Table(
        title=f"Estimated usage with {usage['provider']} {usage['model']} ({usage['prices']})",
        title_justify="left",
        box=None,
        padding=(0, 2),
    )
    for column in ("agent", "calls", "input tokens", "output tokens"):
        table.add_column(column, justify="left" if column == "agent" else "right")
    for name, row in usage["by_agent"].items():
        table.add_row(
            name, str(row["calls"]), f"{row['input_tokens']:,}", f"{row['output_tokens']:,}"
        )
    cost = usage["cost"]
    table.add_row(
        "total",
        str(usage["calls"]),
        f"{usage['input_tokens']:,}",
        f"{usage['output_tokens']:,}",
        style="bold",
    )
    table.caption = "Cost " + (f"~${cost:.4f}" if cost is not None else "unknown: no price")
    table.caption_justify = "left"
    return table


def _template_estimates(measured: Mapping[str, float]) -> dict[str, float]:
    """Measured durations per agent; fan-out instances averaged into their template."""
    sums: dict[str, list[float]] = {}
    for name, seconds in measured.items():
        sums.setdefault(name.split("[")[0], []).append(seconds)
    return {name: sum(v) / len(v) for name, v in sums.items()}


def expanded(plan: Any, estimates: Mapping[str, float], workflow: Any) -> tuple[dict, dict]:
    """The DAG with each fan-out agent replaced by its instances, for schedule estimates."""
    names: dict[str, list[str]] = {}
    durations: dict[str, float] = {}
    for spec in workflow.agents:
        count = plan.instances.get(spec.name)
        names[spec.name] = (
            [f"{spec.name}[{i}]" for i in range(1, count + 1)] if count else [spec.name]
        )
        for name in names[spec.name]:
            durations[name] = estimates.get(spec.name, spec.estimate_s)
    deps = {
        name: tuple(d for dep in spec.depends_on for d in names[dep])
        for spec in workflow.agents
        for name in names[spec.name]
    }
    return deps, durations


def render_plan(plan: Any, job: Any, ideal: float, measured: bool) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    head = Text.assemble(
        ("Workflow ", ""),
        (plan.workflow, "bold"),
        (f"  ({job.workflow.path})\n", "dim"),
        ("Brief ", ""),
        (job.brief.title, "bold"),
        (f"  ({job.brief.sections} sections)", ""),
    )
    dag = Table(title="Agents and dependencies", title_justify="left", box=None, padding=(0, 2))
    dag.add_column("agent", style="bold")
    dag.add_column("depends on")
    dag.add_column("model calls", justify="right")
    for name, deps in plan.depends_on.items():
        count = plan.instances.get(name)
        label = f"{name} ×{count}" if count else name
        dag.add_row(label, ", ".join(deps) or "-", str(plan.calls_by_agent[name]))
    groups = Table(title="Parallel groups (topological levels)", title_justify="left", box=None)
    for i, group in enumerate(plan.groups, start=1):
        groups.add_row(
            f"{i}.",
            ", ".join(f"{n} ×{plan.instances[n]}" if n in plan.instances else n for n in group),
        )
    source = "durations measured in the last run" if measured else "estimates in the workflow file"
    lines = Text.assemble(
        ("Critical path ", "bold"),
        (f"{plan.critical_path_s:.2f}s", "bold cyan"),
        (f": {' → '.join(plan.critical_path)}\n", ""),
        (
            f"Sequential {plan.sequential_s:.2f}s; ideal with {job.max_parallel} parallel "
            f"{ideal:.2f}s ({plan.sequential_s / ideal if ideal else 0:.1f}× speedup), "
            f"from {source}\n",
            "",
        ),
        ("Model calls ", "bold"),
        (f"{plan.model_calls}", "bold cyan"),
        (f" with provider {job.provider_name} (none are made by `plan`)", ""),
    )
    return Group(head, "", dag, "", groups, "", lines)
