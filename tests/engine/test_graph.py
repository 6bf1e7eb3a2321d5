"""Graph validation, parallel groups, critical path and reference schedules."""

from __future__ import annotations

import pytest

from ucop.engine import Task, TaskGraph
from ucop.engine.metrics import barrier_schedule, ideal_schedule, longest_path
from ucop.errors import WorkflowError


def node(name, *deps, est=1.0):
    return Task(name, lambda ctx: None, deps, estimate_s=est)


def test_cycle_is_rejected_and_named():
    with pytest.raises(WorkflowError) as err:
        TaskGraph([node("a", "c"), node("b", "a"), node("c", "b"), node("d")])
    message = str(err.value)
    assert "cycle" in message
    cycle = message.split("cycle: ")[1].split(" (")[0].split(" -> ")
    assert cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}


def test_unknown_dependency_is_rejected_with_known_names():
    with pytest.raises(WorkflowError, match="unknown agent 'nope'.*known: a, b"):
        TaskGraph([node("a"), node("b", "nope")])


def test_duplicate_names_and_self_dependency_are_rejected():
    with pytest.raises(WorkflowError, match="duplicate agent name 'a'"):
        TaskGraph([node("a"), node("a")])
    with pytest.raises(WorkflowError, match="depends on itself"):
        TaskGraph([node("a", "a")])


def test_levels_are_topological_depths():
    graph = TaskGraph([node("a"), node("b"), node("c", "a"), node("d", "c", "b"), node("e", "a")])
    assert graph.levels() == [["a", "b"], ["c", "e"], ["d"]]


ARTICLE = {
    "kb": ((), 0.3),
    "api": ((), 0.2),
    "blog": ((), 0.25),
    "outline": (("kb", "api", "blog"), 0.15),
    "s1": (("outline",), 0.4),
    "s2": (("outline",), 0.25),
    "s3": (("outline",), 0.3),
    "s4": (("outline",), 0.35),
    "s5": (("outline",), 0.2),
    "intro": (("outline",), 0.2),
    "codegen": (("outline",), 0.3),
    "codeval": (("codegen",), 0.1),
    "concl": (("s1", "s2", "s3", "s4", "s5"), 0.2),
    "asm": (("intro", "concl", "codeval"), 0.01),
}


def test_article_dag_critical_path_and_sequential_time():
    deps = {n: d for n, (d, _) in ARTICLE.items()}
    durations = {n: s for n, (_, s) in ARTICLE.items()}
    length, path = longest_path(deps, durations)
    assert length == pytest.approx(1.06)
    assert path == ["kb", "outline", "s1", "concl", "asm"]
    assert sum(durations.values()) == pytest.approx(3.21)
    graph = TaskGraph([node(n, *d, est=s) for n, (d, s) in ARTICLE.items()])
    assert graph.critical_path()[0] == pytest.approx(1.06)


def test_reference_schedules_on_the_article_and_skewed_dags():
    deps = {n: d for n, (d, _) in ARTICLE.items()}
    durations = {n: s for n, (_, s) in ARTICLE.items()}
    assert ideal_schedule(deps, durations, 1) == pytest.approx(3.21)
    assert ideal_schedule(deps, durations, 5) == pytest.approx(1.06)
    assert barrier_schedule(deps, durations, 16) == pytest.approx(1.06)  # levels line up
    assert barrier_schedule(deps, durations, 5) == pytest.approx(1.16)  # 7 tasks, 5 slots
    skewed = {
        "a1": (),
        "a2": ("a1",),
        "a3": ("a2",),
        "a4": ("a3",),
        "a5": ("a4",),
        "b1": (),
        "b2": ("b1",),
        "b3": ("b2",),
        "b4": ("b3",),
        "b5": ("b4",),
        "end": ("a5", "b5"),
    }
    times = dict(zip(["a1", "a2", "a3", "a4", "a5"], [0.2, 0.05, 0.2, 0.05, 0.2]))
    times |= dict(zip(["b1", "b2", "b3", "b4", "b5"], [0.05, 0.2, 0.05, 0.2, 0.05]))
    times["end"] = 0.01
    assert ideal_schedule(skewed, times, 2) == pytest.approx(0.71)
    assert barrier_schedule(skewed, times, 2) == pytest.approx(1.01)
