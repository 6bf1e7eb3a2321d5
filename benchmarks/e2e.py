"""The end-to-end benchmark: the real article workflow over HTTP against a loopback model.

A `ModelServer` on 127.0.0.1 answers every request after a set latency, so a run waits on
the "model" the way it would on a real one, through the real provider, retry and limiter
code. For each section count the workflow runs at each `max_parallel` (1 is sequential) and
is measured against the zero-overhead schedule of the same agents with their measured
durations: the gap is what the scheduler itself costs. `ucop bench` can call `sweep` too.
"""

from __future__ import annotations

import re
import shutil
import statistics
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ucop.engine.metrics import ideal_schedule
from ucop.testing.model_server import loopback_server

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lumen"
CAPS = (1, 3, 5, 8)
SECTIONS = (3, 5, 10, 30)
QUICK_CAPS = (1, 5)
QUICK_SECTIONS = (3, 10)
GAP_TARGET = 0.05


@dataclass(frozen=True)
class Point:
    """One run of the workflow at one `max_parallel`, with its references."""

    sections: int
    max_parallel: int
    status: str
    wall_s: float
    agents: int
    agent_time_s: float
    critical_path_s: float
    lower_bound_s: float
    ideal_s: float  # LPF schedule of these agents, measured durations, no overhead
    requests: int
    peak_concurrency: int

    @property
    def efficiency(self) -> float:
        return self.lower_bound_s / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def gap(self) -> float:
        """How much longer the real run took than its zero-overhead schedule (0.02 = 2 %)."""
        return self.wall_s / self.ideal_s - 1 if self.ideal_s > 0 else 0.0


def brief_with_sections(sections: int, folder: Path, example: Path = EXAMPLE) -> Path:
    """A copy of the example (brief and sources) in `folder` asking for `sections` sections."""
    target = folder / f"{example.name}-{sections}"
    shutil.copytree(example, target, dirs_exist_ok=True)
    brief = target / "brief.md"
    text = brief.read_text(encoding="utf-8")
    text, found = re.subn(r"(?m)^sections:\s*\d+\s*$", f"sections: {sections}", text, count=1)
    if not found:
        raise ValueError(f"{brief}: no 'sections:' line in the front matter to change")
    brief.write_text(text, encoding="utf-8")
    return brief


def loopback_job(brief: Path, base_url: str, *, max_requests: int = 64, **flags: Any) -> Any:
    """A checked job whose model is the OpenAI-compatible server at `base_url`."""
    from ucop.run.prepare import prepare

    flags = {"provider": "openai", "base_url": base_url, "max_requests": max_requests, **flags}
    return prepare(brief, None, flags=flags)


def measured_ideal(report: Mapping[str, Any], workers: int) -> float:
    """The zero-overhead LPF schedule of a run's agents with the durations they really took."""
    agents = report["agents"]
    deps = {a["name"]: tuple(a["depends_on"]) for a in agents}
    durations = {a["name"]: a["duration_s"] or 0.0 for a in agents}
    return ideal_schedule(deps, durations, workers)


def run_point(job: Any, server: Any, sections: int, cap: int) -> Point:
    """Run the workflow once at `cap` agents at a time, without the cache."""
    from ucop.run.execute import execute

    server.reset_stats()
    outcome = execute(job, max_parallel=cap, cache=None)
    report = outcome.report
    return Point(
        sections=sections,
        max_parallel=cap,
        status=outcome.status,
        wall_s=report["wall_s"],
        agents=len(report["agents"]),
        agent_time_s=report["agent_time_s"],
        critical_path_s=report["critical_path_s"],
        lower_bound_s=report["lower_bound_s"],
        ideal_s=measured_ideal(report, cap),
        requests=server.count,
        peak_concurrency=server.peak_concurrency,
    )


@dataclass(frozen=True)
class Row:
    """The median run at one (sections, max_parallel) against the sequential median."""

    point: Point  # the run with the median wall time
    min_wall_s: float
    sequential_wall_s: float
    sequential_requests: int
    peak_concurrency: int  # highest over the repeats
    requests: tuple[int, ...]  # per repeat

    @property
    def speedup(self) -> float:
        return self.sequential_wall_s / self.point.wall_s if self.point.wall_s > 0 else 0.0

    @property
    def ideal_speedup(self) -> float:
        ideal = self.point.ideal_s
        return self.sequential_wall_s / ideal if ideal > 0 else 0.0

    @property
    def requests_equal(self) -> bool:
        return set(self.requests) == {self.sequential_requests}

    @property
    def within_cap(self) -> bool:
        return self.peak_concurrency <= self.point.max_parallel

    def as_dict(self) -> dict[str, Any]:
        p = self.point
        return {
            "sections": p.sections,
            "max_parallel": p.max_parallel,
            "status": p.status,
            "agents": p.agents,
            "sequential_wall_s": self.sequential_wall_s,
            "wall_s": p.wall_s,
            "min_wall_s": self.min_wall_s,
            "speedup": self.speedup,
            "critical_path_s": p.critical_path_s,
            "lower_bound_s": p.lower_bound_s,
            "efficiency": p.efficiency,
            "ideal_s": p.ideal_s,
            "ideal_speedup": self.ideal_speedup,
            "gap": p.gap,
            "within_5pct": p.gap <= GAP_TARGET,
            "peak_concurrency": self.peak_concurrency,
            "within_cap": self.within_cap,
            "requests": p.requests,
            "sequential_requests": self.sequential_requests,
            "requests_equal": self.requests_equal,
        }


def sweep(
    sections: Sequence[int] = SECTIONS,
    caps: Sequence[int] = CAPS,
    *,
    latency_s: float = 0.2,
    jitter_s: float = 0.0,
    repeats: int = 3,
    example: Path = EXAMPLE,
    progress: Callable[[str], None] = lambda line: None,
) -> list[Row]:
    """Every section count at every cap (1 always included: it is the sequential baseline)."""
    caps = sorted({1, *caps})
    rows: list[Row] = []
    with loopback_server(latency_s, jitter_s) as server, tempfile.TemporaryDirectory() as tmp:
        for count in sections:
            job = loopback_job(brief_with_sections(count, Path(tmp), example), server.base_url)
            points = {cap: _repeat(job, server, count, cap, repeats, progress) for cap in caps}
            sequential = _median(points[1])
            rows.extend(_row(points[cap], sequential) for cap in caps)
    return rows


def _repeat(
    job: Any, server: Any, sections: int, cap: int, repeats: int, progress: Callable[[str], None]
) -> list[Point]:
    progress(f"{sections} sections at max_parallel {cap} (x{repeats})")
    return [run_point(job, server, sections, cap) for _ in range(repeats)]


def _median(points: Sequence[Point]) -> Point:
    """The run whose wall time is the median (the lower middle one for an even count)."""
    ordered = sorted(points, key=lambda p: p.wall_s)
    return ordered[(len(ordered) - 1) // 2]


def _row(points: Sequence[Point], sequential: Point) -> Row:
    return Row(
        point=_median(points),
        min_wall_s=min(p.wall_s for p in points),
        sequential_wall_s=sequential.wall_s,
        sequential_requests=sequential.requests,
        peak_concurrency=max(p.peak_concurrency for p in points),
        requests=tuple(p.requests for p in points),
    )


def chart_series(
    rows: Sequence[Row],
) -> tuple[dict[str, list[tuple[float, float]]], dict[str, list[tuple[float, float]]]]:
    """(measured, ideal) speedup-vs-max_parallel series, one per section count."""
    measured: dict[str, list[tuple[float, float]]] = {}
    ideal: dict[str, list[tuple[float, float]]] = {}
    for r in rows:
        label = f"{r.point.sections} sections"
        measured.setdefault(label, []).append((r.point.max_parallel, r.speedup))
        ideal.setdefault(f"ideal, {label}", []).append((r.point.max_parallel, r.ideal_speedup))
    return measured, ideal


def summary(rows: Sequence[Row]) -> dict[str, Any]:
    """The targets: every parallel run within 5 % of its ideal, under its cap, same requests."""
    parallel = [r for r in rows if r.point.max_parallel > 1]
    return {
        "all_ok": all(r.point.status == "ok" for r in rows),
        "worst_gap": max((r.point.gap for r in parallel), default=0.0),
        "all_within_5pct": all(r.point.gap <= GAP_TARGET for r in parallel),
        "all_within_cap": all(r.within_cap for r in rows),
        "requests_equal": all(r.requests_equal for r in rows),
        "best_speedup": max((r.speedup for r in rows), default=0.0),
        "median_efficiency": statistics.median([r.point.efficiency for r in parallel] or [0.0]),
    }
