"""Run reports shaped like the engine's, for the timeline tests."""

from __future__ import annotations

from typing import Any


def agent(
    name: str,
    status: str,
    queued: float | None,
    start: float | None,
    end: float | None,
    **extra: Any,
) -> dict[str, Any]:
    """One agent entry of a run report."""
    entry: dict[str, Any] = {
        "name": name,
        "agent": name.split("[")[0],
        "status": status,
        "attempts": 1 if start is not None else 0,
        "queued_s": queued,
        "start_s": start,
        "end_s": end,
        "duration_s": None if start is None or end is None else end - start,
        "depends_on": [],
        "tokens_in": 1200 if start is not None else 0,
        "tokens_out": 340 if start is not None else 0,
        "retries": [],
        "error": None,
        "on_critical_path": False,
    }
    entry.update(extra)
    return entry


def sample_report() -> dict[str, Any]:
    """Ten agents: a fan-out with a retry, a failure, a timeout, a cache hit and a skip."""
    retry = {"at_s": 3.1, "wait_s": 1.7, "error": "429 rate limited"}
    agents = [
        agent("brief_reader", "cached", 0.0, 0.0, 0.05, on_critical_path=True),
        agent("outline_planner", "done", 0.05, 0.05, 2.0, on_critical_path=True),
        agent("source_ranker", "done", 0.05, 0.06, 1.4),
        agent("section_writer[1]", "done", 2.0, 2.0, 6.2),
        agent(
            "section_writer[2]",
            "done",
            2.0,
            2.0,
            8.9,
            attempts=2,
            retries=[retry],
            on_critical_path=True,
        ),
        agent("section_writer[3]", "failed", 2.0, 2.0, 5.5, attempts=4, error="HTTP 500 <bad>"),
        agent("section_writer[4]", "done", 2.0, 5.5, 9.0),
        agent("section_writer[5]", "timed_out", 2.0, 6.2, 11.0, error="deadline 4.8s passed"),
        agent("editor", "done", 11.0, 11.0, 14.2, on_critical_path=True),
        agent("fact_checker", "skipped", None, None, None, error="section_writer[3] failed"),
    ]
    return {
        "mode": "parallel",
        "max_parallel": 3,
        "provider": "fake",
        "model": "fake-model",
        "status": "partial",
        "wall_s": 14.2,
        "agent_time_s": 30.44,
        "speedup": 2.14,
        "critical_path_s": 14.2,
        "lower_bound_s": 14.2,
        "efficiency": 1.0,
        "critical_path": ["brief_reader", "outline_planner", "section_writer[2]", "editor"],
        "article": "out/article.md",
        "agents": agents,
    }


def big_report(count: int = 200) -> dict[str, Any]:
    """`count` fan-out instances run 8 at a time, every 7th one retried, the last skipped."""
    agents = []
    for i in range(1, count):
        start = ((i - 1) // 8) * 1.5
        retries = [{"at_s": start + 0.4, "wait_s": 0.5, "error": "429"}] if i % 7 == 0 else []
        agents.append(
            agent(
                f"section_writer[{i}]",
                "done",
                0.0,
                start,
                start + 1.4,
                retries=retries,
                on_critical_path=i % 8 == 1,
            )
        )
    agents.append(agent(f"section_writer[{count}]", "skipped", None, None, None))
    report = sample_report()
    critical = [a["name"] for a in agents if a["on_critical_path"]]
    report.update(agents=agents, wall_s=(count // 8) * 1.5, critical_path=critical)
    return report
