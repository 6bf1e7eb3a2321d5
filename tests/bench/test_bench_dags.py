"""Synthetic DAG shapes and the reference figures the engine benchmark measures against."""

from __future__ import annotations

import pytest

from benchmarks.dags import (
    article_dag,
    chain_dag,
    fan_out_article_graph,
    skewed_dag,
    task_graph,
    wide_dag,
    zero_work_dag,
)
from ucop.engine import RunStatus, Scheduler


def test_article_dag_has_the_issues_figures():
    dag = article_dag()
    assert len(dag) == 14
    assert dag.total_s == pytest.approx(3.210)
    assert dag.critical_path_s == pytest.approx(1.060)
    assert dag.deps["assembly"] == ("introduction", "conclusion", "code_validation")
    assert dag.deps["conclusion"] == tuple(f"section[{i}]" for i in range(1, 6))


@pytest.mark.parametrize("workers", [5, 16])
def test_article_ideal_schedule_reaches_the_critical_path_and_a_barrier_does_not_at_5(workers):
    dag = article_dag()
    assert dag.lower_bound_s(workers) == pytest.approx(1.060)
    assert dag.ideal_s(workers) == pytest.approx(1.060)
    assert dag.barrier_ideal_s(workers) == pytest.approx(1.160 if workers == 5 else 1.060)


def test_article_with_more_sections_cycles_their_latencies():
    dag = article_dag(12)
    assert dag.name == "article-12"
    assert [dag.durations[f"section[{i}]"] for i in (1, 6, 7, 12)] == [0.4, 0.4, 0.25, 0.25]
    assert dag.lower_bound_s(2) == pytest.approx(dag.total_s / 2)


def test_skewed_dag_punishes_barriers():
    dag = skewed_dag()
    assert len(dag) == 11
    assert dag.critical_path_s == pytest.approx(0.710)
    assert dag.ideal_s(5) == pytest.approx(0.710)
    assert dag.barrier_ideal_s(5) == pytest.approx(1.010)  # 200 ms at each of 5 levels + 10


def test_wide_dag_is_layers_each_depending_on_two_of_the_layer_before():
    dag = wide_dag()
    assert len(dag) == 2000
    assert sum(1 for deps in dag.deps.values() if not deps) == 100
    assert {len(deps) for name, deps in dag.deps.items() if deps} == {2}
    assert dag.deps["n5_99"] == ("n4_0", "n4_99")
    assert dag.total_s == dag.critical_path_s == dag.ideal_s(5) == 0.0


@pytest.mark.parametrize("agents", [100, 1000, 10000])
def test_zero_work_dags_have_the_size_asked_for(agents):
    assert len(zero_work_dag(agents)) == agents


def test_chain_has_no_parallelism():
    dag = chain_dag(4, 0.1)
    assert dag.critical_path_s == pytest.approx(dag.total_s) == pytest.approx(0.4)
    assert dag.ideal_s(16) == pytest.approx(0.4)


def test_task_graph_runs_every_agent_with_its_latency_as_estimate():
    dag = skewed_dag()
    graph = task_graph(dag)
    assert graph.tasks["a1"].estimate_s == 0.2
    result = Scheduler(task_graph(wide_dag(3, 10)), max_parallel=4).run()
    assert result.status is RunStatus.OK
    assert len(result.tasks()) == 30


def test_fan_out_article_graph_expands_to_the_same_sections():
    result = Scheduler(fan_out_article_graph(3), max_parallel=8).run()
    assert result.status is RunStatus.OK
    names = {r.name for r in result.tasks()}
    assert {"sections[1]", "sections[2]", "sections[3]"} <= names
    assert len(names) == 12
