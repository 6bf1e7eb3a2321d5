"""`ucop verify`: checks that an installation works, and that an article is publishable.

Each check returns a `Check`; none raises. The synthetic run drives the configured workflow's
DAG through the real scheduler with simulated model latency, sequentially and in parallel,
and counts how often each agent body ran.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ucop.errors import UcopError

# agents at once on average in the synthetic parallel run (1.0 when sequential); about 2.3
# idle and 2.15 at load 19 on 2 cores, so a busy machine does not fail the installation check
MIN_SPEEDUP = 1.5
SIM_LATENCY_S = 0.08  # per simulated model call; UCOP_VERIFY_LATENCY_S sets another
SIM_SECTIONS = 5


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _check(name: str, probe: Callable[[], str]) -> Check:
    try:
        return Check(name, True, probe())
    except UcopError as exc:
        return Check(name, False, str(exc))
    except Exception as exc:  # noqa: BLE001 - a check reports, it never crashes verify
        return Check(name, False, f"{type(exc).__name__}: {exc}")


def installation_checks(
    config: str | None, flags: Mapping[str, Any], env: Mapping[str, str]
) -> list[Check]:
    from ucop.config import load_settings

    state: dict[str, Any] = {}

    def config_ok() -> str:
        state["settings"] = load_settings(config, flags, env)
        return str(state["settings"].path)

    checks = [_check("config is valid", config_ok)]
    if "settings" not in state:
        return checks
    settings = state["settings"]
    checks.append(
        _check("workflow is a DAG of registered agents", lambda: _workflow(settings, state))
    )
    checks.append(_check("prompt templates parse", lambda: _prompts(settings)))
    checks.append(_check("provider is configured", lambda: _provider(settings, env)))
    if "workflow" in state:
        checks.append(
            _check(
                "synthetic run: exactly once, parallel speedup",
                lambda: _synthetic(state["workflow"], settings, _latency(env)),
            )
        )
    return checks


def _latency(env: Mapping[str, str]) -> float:
    """The synthetic run's simulated model latency: UCOP_VERIFY_LATENCY_S, else the default.

    Lower is faster (the test suite uses 0.03 s); far below 0.01 s the run would measure the
    scheduler's own overhead instead of overlap, so values are clamped to 0.01-1 s.
    """
    try:
        value = float(env.get("UCOP_VERIFY_LATENCY_S", "") or SIM_LATENCY_S)
    except ValueError:
        return SIM_LATENCY_S
    return min(max(value, 0.01), 1.0) if value == value else SIM_LATENCY_S  # NaN: default


def _workflow(settings: Any, state: dict[str, Any]) -> str:
    from ucop.agents import AGENTS
    from ucop.workflow.spec import load_workflow

    workflow = load_workflow(settings.workflow_path(), AGENTS)
    state["workflow"] = workflow
    return f"{workflow.name}: {len(workflow.agents)} agents, acyclic, all registered"


def _prompts(settings: Any) -> str:
    from ucop.prompts import PromptLibrary

    folders = settings.prompt_folders()
    problems = PromptLibrary(folders).check()
    if problems:
        raise UcopError("; ".join(problems))
    return ", ".join(str(f) for f in folders)


def _provider(settings: Any, env: Mapping[str, str]) -> str:
    from ucop.providers import create_provider
    from ucop.providers import spec as provider_spec
    from ucop.run.services import provider_settings

    spec = provider_spec(settings.config.provider.name)
    provider = create_provider(provider_settings(settings, env))
    close = getattr(provider, "close", None)
    if close:
        close()
    if not spec.network:
        return f"{spec.name} (embedded; no key or network needed)"
    key_env = spec.key_env
    how = f"key from {key_env}" if key_env and env.get(key_env) else "local server, no key needed"
    return f"{spec.name} ({how})"


def _synthetic(workflow: Any, settings: Any, latency_s: float = SIM_LATENCY_S) -> str:
    from ucop.engine import RunStatus, Scheduler, Task, TaskGraph
    from ucop.engine.metrics import overlap

    cap = max(settings.config.workflows.max_parallel_agents, 2)
    runs: dict[str, float] = {}
    bars: dict[str, list[tuple[float, float]]] = {}
    for label, workers in (("sequential", 1), ("parallel", cap)):
        calls: Counter[str] = Counter()
        lock = threading.Lock()

        def body(ctx: Any, calls: Counter[str] = calls, lock: threading.Lock = lock) -> str:
            with lock:
                calls[ctx.name] += 1
            time.sleep(latency_s)
            return ctx.name

        graph = TaskGraph(
            Task(
                a.name,
                body,
                tuple(a.depends_on),
                estimate_s=latency_s,
                fan_out=(lambda inputs: list(range(SIM_SECTIONS))) if a.fan_out else None,
            )
            for a in workflow.agents
        )
        result = Scheduler(graph, max_parallel=workers).run()
        if result.status is not RunStatus.OK:
            raise UcopError(f"{label} synthetic run ended {result.status.value}")
        twice = sorted(n for n, c in calls.items() if c != 1)
        if twice or len(calls) != len(result.tasks()):
            raise UcopError(
                f"{label} run: agents not run exactly once: {twice or 'some never ran'}"
            )
        runs[label] = result.wall_s
        bars[label] = [
            (r.start_s, r.end_s)
            for r in result.tasks()
            if r.start_s is not None and r.end_s is not None
        ]
    # agents at once on average, from the run's own bars: a busy machine stretches the two
    # wall clocks unevenly, but not how much the parallel run's agents overlapped
    speedup = overlap(bars["parallel"])
    detail = (
        f"{len(calls)} agents once each; sequential {runs['sequential']:.2f}s, parallel "
        f"({cap}) {runs['parallel']:.2f}s with {speedup:.2f} agents at once on average "
        f"(need ≥ {MIN_SPEEDUP})"
    )
    if speedup < MIN_SPEEDUP:
        raise UcopError(detail)
    return detail


def article_checks(folder: Path) -> list[Check]:
    """Checks on a generated article: front matter, structure, not partial, code blocks,
    no model reasoning left in it."""
    from ucop.article.check import check_article

    checks = [Check(name, ok, detail) for name, ok, detail in check_article(folder)]
    if checks and checks[0].ok:  # the article was found
        checks.insert(3, _check("no model reasoning in the article", lambda: _reasoning(folder)))
    return checks


def _reasoning(folder: Path) -> str:
    """A `<think>...</think>` block (or its closing tag) left in the article's prose fails."""
    from ucop.agents.acceptance import reasoning_left
    from ucop.files import previous_article

    article = previous_article(folder)
    text = article.read_text(encoding="utf-8", errors="replace") if article else ""
    left = reasoning_left(text)
    if left is not None:
        raise UcopError(f"a model's reasoning is left in the text: {left}")
    return "no <think>/<reasoning> blocks in the prose"
