"""The barrier scheduler really runs level by level, on at most `workers` threads."""

from __future__ import annotations

import threading
import time

import pytest

from benchmarks.barrier import BarrierScheduler, levels
from benchmarks.dags import article_dag, bodies, skewed_dag


class Counter:
    """Bodies that count calls and the peak number running at once."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.running = 0
        self.peak = 0
        self.lock = threading.Lock()

    def body(self, name: str, seconds: float = 0.005):
        def run(inputs):
            with self.lock:
                self.calls[name] = self.calls.get(name, 0) + 1
                self.running += 1
                self.peak = max(self.peak, self.running)
            time.sleep(seconds)
            with self.lock:
                self.running -= 1
            return {"name": name, "inputs": sorted(inputs)}

        return run


def test_levels_put_each_agent_one_after_its_deepest_dependency():
    groups = levels(skewed_dag().deps)
    assert groups == [
        ["a1", "b1"],
        ["a2", "b2"],
        ["a3", "b3"],
        ["a4", "b4"],
        ["a5", "b5"],
        ["final"],
    ]


@pytest.mark.parametrize("workers", [1, 2, 5])
def test_each_level_starts_after_the_previous_one_ends(workers):
    dag = article_dag()
    counter = Counter()
    runner = BarrierScheduler(dag.deps, {n: counter.body(n) for n in dag.deps}, workers=workers)
    result = runner.run()
    assert counter.calls == dict.fromkeys(dag.deps, 1)
    assert counter.peak <= workers
    for before, after in zip(result.levels, result.levels[1:]):
        assert max(result.end_s[n] for n in before) <= min(result.start_s[n] for n in after)


def test_outputs_of_dependencies_are_handed_to_each_body():
    dag = skewed_dag()
    counter = Counter()
    result = BarrierScheduler(dag.deps, {n: counter.body(n, 0) for n in dag.deps}, workers=2).run()
    assert result.outputs["final"]["inputs"] == ["a5", "b5"]
    assert result.outputs["a2"]["inputs"] == ["a1"]


def test_a_level_waits_for_its_slowest_agent():
    """a1 (200 ms) holds back b2 although b1 took 50 ms: the cost ucop removes."""
    dag = skewed_dag()
    result = BarrierScheduler(dag.deps, bodies(dag), workers=2).run()
    assert result.start_s["b2"] >= result.end_s["a1"]
    assert result.wall_s >= 1.0  # 5 levels of 200 ms + 10 ms, against a 710 ms critical path


def test_a_failing_body_is_raised_after_its_level():
    deps = {"a": (), "b": (), "c": ("a", "b")}
    ran = []

    def fail(inputs):
        raise ValueError("boom")

    def ok(name):
        return lambda inputs: ran.append(name)

    with pytest.raises(ValueError, match="boom"):
        BarrierScheduler(deps, {"a": fail, "b": ok("b"), "c": ok("c")}, workers=2).run()
    assert ran == ["b"]  # its level finished; the next never started


def test_workers_must_be_positive():
    with pytest.raises(ValueError):
        BarrierScheduler({}, {}, workers=0)
