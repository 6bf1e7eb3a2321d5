"""The scheduler: order, exactly-once, caps, priorities, timeouts, failure policy."""

from __future__ import annotations

import os
import random
import signal
import threading
import time

import pytest

from tests.engine.helpers import Probe, article_graph, blocking_body
from ucop.engine import EventBus, EventKind, RunStatus, Scheduler, Status, Task, TaskGraph
from ucop.engine.metrics import overlap
from ucop.errors import WorkflowError


def random_dag(probe: Probe, n: int, seed: int) -> TaskGraph:
    rng = random.Random(seed)
    tasks = []
    for i in range(n):
        deps = tuple(f"t{j}" for j in rng.sample(range(i), k=min(i, rng.randint(0, 3))))
        tasks.append(Task(f"t{i}", probe.body(rng.choice([0, 0.001, 0.003])), deps))
    return TaskGraph(tasks)


@pytest.mark.parametrize("cap", [1, 3, 8])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_dependencies_always_finish_before_their_dependents_start(cap, seed):
    probe = Probe()
    graph = random_dag(probe, 40, seed)
    result = Scheduler(graph, max_parallel=cap).run()
    assert result.status is RunStatus.OK
    for name, task in graph.tasks.items():
        for dep in task.deps:
            assert probe.ended[dep] < probe.started[name], f"{name} started before {dep} ended"


@pytest.mark.parametrize("cap", [1, 5])
def test_every_body_runs_exactly_once_including_fan_out_instances(cap):
    probe = Probe()
    result = Scheduler(article_graph(probe, scale=0.01), max_parallel=cap).run()
    assert result.status is RunStatus.OK
    expected = {"kb", "api", "blog", "outline", "intro", "codegen", "codeval", "concl", "asm"}
    expected |= {f"sections[{i}]" for i in range(1, 6)}
    assert set(probe.calls) == expected
    assert all(count == 1 for count in probe.calls.values()), probe.calls
    assert [r.status for r in result.tasks()].count(Status.DONE) == len(expected)


def test_fan_out_outputs_arrive_in_instance_order_as_a_tuple():
    probe = Probe()
    result = Scheduler(article_graph(probe, scale=0.005), max_parallel=5).run()
    names = [out["name"] for out in result.outputs["sections"]]
    assert names == [f"sections[{i}]" for i in range(1, 6)]
    assert [out["item"] for out in result.outputs["sections"]] == [0, 1, 2, 3, 4]


def test_empty_fan_out_finishes_and_releases_dependents():
    probe = Probe()
    graph = TaskGraph(
        [
            Task("plan", probe.body()),
            Task("each", probe.body(), ("plan",), fan_out=lambda inputs: []),
            Task("after", probe.body(), ("each",)),
        ]
    )
    result = Scheduler(graph, max_parallel=2).run()
    assert result.outputs["each"] == ()
    assert probe.calls["after"] == 1


@pytest.mark.parametrize("cap", [1, 2, 4])
def test_never_more_than_max_parallel_bodies_at_once(cap):
    # Each body waits until `cap` bodies run at once, so the cap is reached however slowly
    # threads start on a loaded machine (a short sleep let the first body end before the
    # last one started); a scheduler that starts fewer breaks the barrier, more raise the peak.
    probe = Probe()
    together = threading.Barrier(cap, timeout=30)
    graph = TaskGraph([Task(f"w{i}", probe.body(0.01, together=together)) for i in range(16)])
    result = Scheduler(graph, max_parallel=cap).run()
    assert probe.peak == cap
    assert result.status is RunStatus.OK


def test_longest_remaining_path_starts_first_when_slots_are_scarce():
    probe = Probe()
    graph = TaskGraph(
        [
            Task("short", probe.body(), estimate_s=1),
            Task("long", probe.body(), estimate_s=1),
            Task("long2", probe.body(), ("long",), estimate_s=5),
            Task("mid", probe.body(), estimate_s=3),
        ]
    )
    Scheduler(graph, max_parallel=1).run()
    order = sorted(probe.started, key=probe.started.get)
    assert order == ["long", "long2", "mid", "short"]


def test_measured_durations_override_estimates_for_priority():
    probe = Probe()
    graph = TaskGraph(
        [Task("a", probe.body(), estimate_s=5), Task("b", probe.body(), estimate_s=1)]
    )
    Scheduler(graph, max_parallel=1, durations={"a": 0.1, "b": 9}).run()
    assert probe.started["b"] < probe.started["a"]


def test_no_barrier_a_ready_task_starts_before_its_level_finishes():
    probe = Probe()
    graph = TaskGraph(
        [
            Task("fast", probe.body(0.01)),
            Task("slow", probe.body(0.5)),
            Task("after_fast", probe.body(0.01), ("fast",)),
            Task("join", probe.body(), ("slow", "after_fast")),
        ]
    )
    Scheduler(graph, max_parallel=4).run()
    assert probe.ended["after_fast"] < probe.ended["slow"]


def test_failure_skips_dependents_and_lets_independent_work_finish():
    probe = Probe()
    graph = TaskGraph(
        [
            Task("bad", probe.body(fail=True)),
            Task("child", probe.body(), ("bad",)),
            Task("grandchild", probe.body(), ("child",)),
            Task("other", probe.body(0.05)),
            Task("other_child", probe.body(), ("other",)),
        ]
    )
    result = Scheduler(graph, max_parallel=3).run()
    status = {r.name: r.status for r in result.tasks()}
    assert status == {
        "bad": Status.FAILED,
        "child": Status.SKIPPED,
        "grandchild": Status.SKIPPED,
        "other": Status.DONE,
        "other_child": Status.DONE,
    }
    assert result.status is RunStatus.PARTIAL
    assert "bad broke" in result.records["bad"].error
    assert "'bad'" in result.records["child"].error
    assert "child" not in probe.calls and "grandchild" not in probe.calls


def test_optional_dependency_failure_still_runs_the_dependent_with_none():
    probe = Probe()
    graph = TaskGraph(
        [
            Task("bad", probe.body(fail=True)),
            Task("good", probe.body()),
            Task(
                "join",
                lambda ctx: dict(ctx.inputs),
                ("bad", "good"),
                meta={"optional_deps": {"bad"}},
            ),
        ]
    )
    result = Scheduler(graph, max_parallel=2).run()
    assert result.records["join"].status is Status.DONE
    assert result.outputs["join"]["bad"] is None
    assert result.outputs["join"]["good"]["name"] == "good"


def test_a_failed_fan_out_instance_fails_the_template_but_not_its_siblings():
    probe = Probe()

    def body(ctx):
        return probe.body(fail=ctx.index == 2)(ctx)

    graph = TaskGraph(
        [
            Task("each", body, fan_out=lambda inputs: ["a", "b", "c"]),
            Task("strict", probe.body(), ("each",)),
            Task(
                "lenient",
                lambda ctx: ctx.inputs["each"],
                ("each",),
                meta={"optional_deps": {"each"}},
            ),
        ]
    )
    result = Scheduler(graph, max_parallel=3).run()
    assert [result.records[f"each[{i}]"].status for i in (1, 2, 3)] == [
        Status.DONE,
        Status.FAILED,
        Status.DONE,
    ]
    assert result.records["each"].status is Status.FAILED
    assert result.records["strict"].status is Status.SKIPPED
    lenient = result.outputs["lenient"]
    assert lenient[1] is None and lenient[0]["item"] == "a" and lenient[2]["item"] == "c"


def test_fail_fast_cancels_pending_work_and_does_not_wait_for_running_bodies():
    probe = Probe()
    graph = TaskGraph(
        [
            Task("bad", probe.body(0.05, fail=True)),
            Task("slow", probe.body(3.0)),
            Task("later", probe.body(), ("slow",)),
            Task("queued", probe.body()),
        ]
    )
    began = time.monotonic()
    result = Scheduler(graph, max_parallel=2, fail_fast=True).run()
    elapsed = time.monotonic() - began
    assert elapsed < 3.0 / 2  # did not wait for "slow"
    assert result.status is RunStatus.FAILED
    status = {r.name: r.status for r in result.tasks()}
    assert status["bad"] is Status.FAILED
    assert status["slow"] is Status.CANCELLED
    assert status["later"] is Status.CANCELLED and status["queued"] is Status.CANCELLED
    assert "later" not in probe.calls and "queued" not in probe.calls


@pytest.mark.parametrize("cap", [1, 3])
def test_a_body_that_never_returns_times_out_and_the_run_moves_on(cap):
    release = threading.Event()
    probe = Probe()
    graph = TaskGraph(
        [
            Task("stuck", blocking_body(release), timeout_s=0.3),
            Task("after_stuck", probe.body(), ("stuck",)),
            Task("independent", probe.body(0.05)),
            Task("after_independent", probe.body(), ("independent",)),
        ]
    )
    began = time.monotonic()
    result = Scheduler(graph, max_parallel=cap).run()
    elapsed = time.monotonic() - began
    release.set()
    assert elapsed < 0.3 + 2.0
    assert result.records["stuck"].status is Status.TIMED_OUT
    assert "0.3s timeout" in result.records["stuck"].error
    assert result.records["after_stuck"].status is Status.SKIPPED
    assert result.records["after_independent"].status is Status.DONE
    assert "stuck" not in result.outputs


def test_a_late_result_after_the_timeout_is_discarded():
    probe = Probe()
    graph = TaskGraph([Task("late", probe.body(0.6), timeout_s=0.1)])
    result = Scheduler(graph, max_parallel=1).run()
    time.sleep(0.7)  # let the abandoned body finish and report
    assert result.records["late"].status is Status.TIMED_OUT
    assert "late" not in result.outputs
    assert probe.calls["late"] == 1


def test_timed_out_body_sees_cancellation_and_deadline():
    seen = {}
    finished = threading.Event()

    def body(ctx):
        seen["left"] = ctx.time_left()
        ctx.cancel_event.wait(5)
        seen["cancelled"] = ctx.cancelled()
        finished.set()

    graph = TaskGraph([Task("t", body, timeout_s=0.2)])
    Scheduler(graph, max_parallel=1).run()
    assert finished.wait(10)  # the abandoned body goes on after the run: wait for its end
    assert 0 < seen["left"] <= 0.2
    assert seen["cancelled"] is True


def test_run_deadline_stops_everything():
    probe = Probe()
    graph = TaskGraph([Task("a", probe.body(2.0)), Task("b", probe.body(), ("a",))])
    began = time.monotonic()
    result = Scheduler(graph, max_parallel=2, deadline_s=0.2).run()
    assert time.monotonic() - began < 1.5
    assert result.status is RunStatus.FAILED
    assert result.records["a"].status is Status.TIMED_OUT
    assert result.records["b"].status is Status.CANCELLED
    assert "run deadline" in result.records["a"].error


def test_ctrl_c_cancels_the_run_and_reports_interrupted():
    probe = Probe()
    graph = TaskGraph([Task("a", probe.body(3.0)), Task("b", probe.body(), ("a",))])
    main = threading.main_thread().ident
    timer = threading.Timer(0.2, lambda: signal.pthread_kill(main, signal.SIGINT))
    began = time.monotonic()
    timer.start()
    result = Scheduler(graph, max_parallel=1).run()
    assert time.monotonic() - began < 2.0
    assert result.status is RunStatus.INTERRUPTED
    assert result.records["a"].status is Status.CANCELLED
    assert "b" not in probe.calls


def test_events_arrive_in_lifecycle_order_with_increasing_times():
    events = []
    bus = EventBus()
    bus.subscribe(events.append)
    probe = Probe()
    Scheduler(article_graph(probe, scale=0.002), max_parallel=3, bus=bus).run({"mode": "x"})
    assert events[0].kind is EventKind.RUN_STARTED and events[0].data["mode"] == "x"
    assert events[-1].kind is EventKind.RUN_FINISHED
    assert all(a.t <= b.t for a, b in zip(events, events[1:]))
    for name in probe.calls:
        kinds = [e.kind for e in events if e.agent == name]
        assert kinds == [EventKind.QUEUED, EventKind.STARTED, EventKind.FINISHED], name
    expanded = [e for e in events if e.kind is EventKind.EXPANDED]
    assert expanded[0].data["instances"] == [f"sections[{i}]" for i in range(1, 6)]


class DictCache:
    def __init__(self):
        self.data = {}

    def load(self, key):
        return (key in self.data, self.data.get(key))

    def store(self, key, value):
        self.data[key] = value


def test_cached_results_are_reused_without_running_bodies():
    cache = DictCache()

    def graph(probe):
        return TaskGraph(
            [
                Task("a", probe.body(), cache_key=lambda inputs, item: "a"),
                Task("b", probe.body(), ("a",), cache_key=lambda inputs, item: "b"),
                Task("c", probe.body(), ("b",)),  # no key: always runs
            ]
        )

    first = Probe()
    Scheduler(graph(first), cache=cache).run()
    second = Probe()
    result = Scheduler(graph(second), cache=cache).run()
    assert set(first.calls) == {"a", "b", "c"}
    assert set(second.calls) == {"c"}
    assert result.records["a"].status is Status.CACHED
    assert result.outputs["b"]["name"] == "b"


def test_a_task_that_names_its_inputs_sees_them_under_those_names_everywhere():
    seen: dict[str, object] = {}

    def body(ctx):
        seen[ctx.name] = dict(ctx.inputs)
        return {"sum": ctx.inputs["left"]["n"] + ctx.inputs["right"]["n"]}

    def fan_out(inputs):
        seen["fan_out"] = sorted(inputs)
        return [inputs["left"]["n"], inputs["right"]["n"]]

    def key(inputs, item):
        seen.setdefault("keys", []).append(sorted(inputs))
        return None

    tasks = [
        Task("a", lambda ctx: {"n": 2}),
        Task("b", lambda ctx: {"n": 5}),
        Task("c", body, ("a", "b"), reads={"left": "b", "right": "a"}, cache_key=key),
        Task("d", body, ("a", "b"), fan_out=fan_out, reads={"left": "a", "right": "b"}),
    ]
    result = Scheduler(TaskGraph(tasks), cache=DictCache()).run()
    assert seen["c"] == {"left": {"n": 5}, "right": {"n": 2}}
    assert seen["d[1]"] == seen["d[2]"] == {"left": {"n": 2}, "right": {"n": 5}}
    assert seen["fan_out"] == ["left", "right"]
    assert seen["keys"] == [["left", "right"]]
    assert result.outputs["c"] == {"sum": 7}
    assert result.records["c"].deps == ("a", "b")  # the report keeps the step names


def test_a_task_cannot_name_an_input_it_does_not_depend_on():
    tasks = [
        Task("a", lambda ctx: 1),
        Task("b", lambda ctx: 2),
        Task("c", len, ("a",), reads={"x": "b"}),
    ]
    with pytest.raises(WorkflowError) as caught:
        TaskGraph(tasks)
    assert str(caught.value) == (
        "agent 'c' reads 'x' from 'b', which is not among its dependencies (a)"
    )


def test_max_parallel_below_one_is_rejected():
    with pytest.raises(ValueError):
        Scheduler(TaskGraph([]), max_parallel=0)


def test_parallel_mode_is_faster_than_sequential_on_the_article_dag():
    seq = Scheduler(article_graph(Probe(), scale=0.2), max_parallel=1).run()
    par = Scheduler(article_graph(Probe(), scale=0.2), max_parallel=5).run()
    # sequential 3.21 units, critical path 1.06 units: the timeline's bars of the parallel run
    # overlap about 3 deep, the sequential run's never (read from the bars, not the wall clock)
    assert overlap(bars(seq)) == pytest.approx(1.0)
    assert overlap(bars(par)) > 2.0


def bars(result):
    return [(r.start_s, r.end_s) for r in result.tasks() if r.start_s is not None and r.end_s]


@pytest.mark.skipif(os.cpu_count() is None, reason="needs a cpu count")
def test_the_pool_does_not_keep_threads_for_abandoned_work_from_blocking_exit():
    release = threading.Event()
    graph = TaskGraph([Task("stuck", blocking_body(release), timeout_s=0.05)])
    Scheduler(graph, max_parallel=1).run()
    stuck = [t for t in threading.enumerate() if t.name.startswith("ucop-agent")]
    assert stuck and all(t.daemon for t in stuck)
    release.set()
