"""Engine benchmark rows: figures against their bounds, targets, and the LangGraph runner."""

from __future__ import annotations

import pytest

from benchmarks import langgraph_runner
from benchmarks.dags import article_dag, chain_dag, skewed_dag
from benchmarks.engine import Timing, measure, row, run_engines, targets


def test_timing_keeps_median_and_min():
    timing = Timing((0.3, 0.1, 0.2))
    assert (timing.median_s, timing.min_s) == (0.2, 0.1)
    calls = iter([0.5, 0.4, 0.6])
    assert measure(lambda: next(calls), 3).runs == (0.5, 0.4, 0.6)


def test_row_figures_for_the_article_dag():
    r = row("ucop", article_dag(), 5, Timing((1.08, 1.09, 1.10)))
    assert r.lower_bound_s == pytest.approx(1.06)
    assert r.efficiency == pytest.approx(1.06 / 1.09)
    assert r.overhead_us == pytest.approx(30 / 14 * 1000)  # 30 ms over 14 agents
    assert r.as_dict()["efficiency"] == pytest.approx(r.efficiency)


def test_barrier_rows_are_measured_against_their_own_policy():
    r = row("barrier", skewed_dag(), 5, Timing((1.02,)))
    assert r.policy_ideal_s == pytest.approx(1.01)
    assert r.ideal_s == pytest.approx(0.71)
    assert r.efficiency == pytest.approx(0.71 / 1.02)


def test_zero_work_rows_have_no_efficiency_and_overhead_is_wall_per_agent():
    r = row("ucop", chain_dag(100), 5, Timing((0.004,)))
    assert r.efficiency is None
    assert r.overhead_us == pytest.approx(40.0)
    assert targets([r], wide="chain-100") == [("chain-100 ucop @5: 40.0 µs/agent ≤ 50", True)]


def test_targets_flag_a_slow_run():
    slow = row("ucop", article_dag(), 16, Timing((1.2,)))
    assert targets([slow]) == [("article ucop @16: efficiency 0.883 ≥ 0.97", False)]


def test_a_real_small_run_of_every_engine_meets_its_shape():
    rows = run_engines([chain_dag(20)], [2], engines=("ucop", "barrier"), repeats=2)
    assert [(r.engine, r.agents) for r in rows] == [("ucop", 20), ("barrier", 20)]
    assert all(0 < r.min_wall_s <= r.wall_s for r in rows)


def test_langgraph_runs_each_node_once_after_its_dependencies():
    pytest.importorskip("langgraph")
    dag = skewed_dag()
    graph = langgraph_runner.compile_graph(dag)
    run = langgraph_runner.run(graph, workers=4)
    assert sorted(run.ran) == sorted(dag.deps)
    assert run.ran.index("final") == len(run.ran) - 1
    assert run.wall_s >= dag.critical_path_s


def test_langgraph_reports_itself_missing_cleanly():
    assert langgraph_runner.available() == (langgraph_runner.version() is not None)
    assert "pip install" in langgraph_runner.MISSING
