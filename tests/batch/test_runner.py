"""run_tasks over a fake executor that loses work; the ledger behind batch.json."""

from __future__ import annotations

import json
import threading
from concurrent.futures import Executor, Future

from ucop.batch.ledger import Ledger, finished_article
from ucop.batch.runner import run_tasks


class LosingExecutor(Executor):
    """Runs tasks inline; the first `lose` submissions of each listed spec come back lost."""

    def __init__(self, lose: dict[object, int], broken_after: int | None = None) -> None:
        self.lose = dict(lose)
        self.submitted: list[object] = []
        self.broken_after = broken_after

    def submit(self, fn, /, *args, **kwargs):
        if self.broken_after is not None and len(self.submitted) >= self.broken_after:
            raise RuntimeError("the pool is broken")
        spec = args[0]
        self.submitted.append(spec)
        future: Future = Future()
        if self.lose.get(spec, 0) > 0:
            self.lose[spec] -= 1
            future.set_exception(ConnectionError(f"worker running {spec} died"))
        else:
            future.set_result(fn(*args, **kwargs))
        return future


def echo(spec):
    return {"status": "ok", "spec": spec}


def collect(executor, specs, **options):
    results: dict[int, dict] = {}
    threads = set()

    def on_result(index, result):
        assert index not in results  # each task is reported once
        results[index] = result
        threads.add(threading.current_thread())

    run_tasks(executor, echo, specs, on_result=on_result, tick_s=0.01, **options)
    assert threads <= {threading.current_thread()}
    return results


def test_a_lost_task_is_submitted_again_and_reported_once():
    executor = LosingExecutor({"b": 2})
    results = collect(executor, ["a", "b", "c"])
    assert {i: r["spec"] for i, r in results.items()} == {0: "a", 1: "b", 2: "c"}
    assert executor.submitted.count("b") == 3


def test_a_task_lost_too_often_is_a_failed_result_and_the_others_finish():
    results = collect(LosingExecutor({"b": 5}), ["a", "b", "c"], resubmits=1)
    assert results[1]["status"] == "failed"
    assert "lost by the executor after 2 attempt(s)" in results[1]["error"]
    assert "ConnectionError: worker running b died" in results[1]["error"]
    assert "--resume" in results[1]["error"]
    assert results[0]["status"] == results[2]["status"] == "ok"


def test_a_broken_executor_fails_the_lost_task_without_stopping_the_loop():
    results = collect(LosingExecutor({"a": 1}, broken_after=3), ["a", "b", "c"])
    assert results[0]["status"] == "failed" and "the pool is broken" in results[0]["error"]
    assert results[1]["status"] == results[2]["status"] == "ok"


def test_the_ledger_writes_files_and_batch_json(tmp_path):
    briefs = [tmp_path / "one.md", tmp_path / "two.md"]
    out = tmp_path / "out"
    now = [10.0]
    ledger = Ledger(out, briefs, executor="threads", max_requests=None, clock=lambda: now[0])
    report = {"status": "ok", "article": "one.md", "wall_s": 1.5}
    files = {"one.md": "---\ntitle: x\n---\nbody\n", "run.json": json.dumps(report)}
    now[0] = 40.0
    ledger.record(briefs[0], {"status": "ok", "files": files, "article": "one.md", "requests": 7})
    ledger.record(briefs[1], {"status": "failed", "files": {}, "error": "brief two.md: bad"})
    ledger.save(final=True)
    data = json.loads((out / "batch.json").read_text())
    assert (out / "one" / "one.md").read_text().startswith("---")
    assert finished_article(out / "one") == report
    assert not (out / "two").exists()
    totals = data["totals"]
    assert (totals["done"], totals["failed"], totals["requests"]) == (1, 1, 7)
    assert totals["elapsed_s"] == 30.0 and totals["articles_per_minute"] == 2.0
    assert data["articles"][0]["article"] == str(out / "one" / "one.md")
    assert data["articles"][1]["error"] == "brief two.md: bad"
    assert not ledger.all_ok()


def test_only_an_ok_report_with_its_article_counts_as_finished(tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps({"status": "partial", "article": "a.md"}))
    (folder / "a.md").write_text("x")
    assert finished_article(folder) is None
    (folder / "run.json").write_text(json.dumps({"status": "ok", "article": "gone.md"}))
    assert finished_article(folder) is None
    (folder / "run.json").write_text("{not json")
    assert finished_article(folder) is None


def test_an_executor_registers_as_a_session_kind_and_says_what_it_takes():
    """A kind registered in-process opens like the built-ins; `--scheduler` is refused by
    what the kind declares (`takes_scheduler`), not by its name."""
    import contextlib

    import pytest

    from ucop.batch.runner import SESSIONS, open_session, register
    from ucop.batch.session import Session, SessionKind
    from ucop.errors import UsageError
    from ucop.providers.pacer import PacingLimits

    @contextlib.contextmanager
    def inline(*, workers, limits, scheduler=None):
        yield Session(LosingExecutor({}), None, workers, f"inline {scheduler or 'here'}")

    saved = dict(SESSIONS.registered)
    try:
        register(SessionKind("inline", inline))
        assert SESSIONS.names()[:3] == ["threads", "processes", "dask"]
        assert "inline" in SESSIONS.names()
        with open_session("inline", workers=2, limits=PacingLimits(4)) as session:
            assert collect(session.executor, ["a", "b"]) == {
                0: {"status": "ok", "spec": "a"},
                1: {"status": "ok", "spec": "b"},
            }
            assert session.where == "inline here"
        with pytest.raises(UsageError, match="--scheduler needs --executor dask"):
            open_session("inline", workers=1, limits=PacingLimits(4), scheduler="tcp://h:1")
        register(SessionKind("inline", inline, takes_scheduler=True))
        with open_session("inline", workers=1, limits=PacingLimits(4), scheduler="tcp://h:1") as s:
            assert s.where == "inline tcp://h:1"
    finally:
        SESSIONS.registered.clear()
        SESSIONS.registered.update(saved)
