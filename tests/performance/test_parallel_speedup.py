"""The article workflow over real HTTP: parallel pays, stays under its cap, survives faults.

A loopback model server answers each request after 0.15 s, so the runs wait on the "model"
the way real ones do. Timing claims are ratios with wide margins, never absolute times.
"""

from __future__ import annotations

import json
import time

import pytest

from benchmarks.e2e import brief_with_sections, loopback_job, loopback_server
from ucop.engine import Status
from ucop.pipeline import execute
from ucop.testing.model_server import Fault

LATENCY_S = 0.15
SECTIONS = 12  # 16 model calls: enough independent work for 5 slots to matter


@pytest.fixture
def brief(tmp_path):
    return brief_with_sections(SECTIONS, tmp_path)


@pytest.fixture
def server():
    with loopback_server(LATENCY_S) as running:
        yield running


def timed_run(job, server, cap):
    server.reset_stats()
    start = time.perf_counter()
    outcome = execute(job, max_parallel=cap, cache=None)
    return outcome, time.perf_counter() - start, server.count


def bodies(server):
    return [json.dumps(r.body, sort_keys=True) for r in server.requests]


def test_parallel_is_at_least_twice_as_fast_with_the_same_requests_and_article(brief, server):
    job = loopback_job(brief, server.base_url)
    sequential, seq_s, seq_requests = timed_run(job, server, 1)
    parallel, par_s, par_requests = timed_run(job, server, 5)
    assert sequential.status == parallel.status == "ok"
    assert seq_s / par_s >= 2.0, f"sequential {seq_s:.2f}s, parallel {par_s:.2f}s"
    assert par_requests == seq_requests == SECTIONS + 4
    # Agents share state across threads: the parallel article must be the same text.
    assert parallel.article["text"] == sequential.article["text"]


def test_requests_in_flight_never_exceed_the_cap(brief, server):
    job = loopback_job(brief, server.base_url)
    outcome, _, _ = timed_run(job, server, 3)
    assert outcome.status == "ok"
    assert server.peak_concurrency == 3  # reached, and never more


def test_server_errors_are_retried_and_every_agent_runs_exactly_once(brief, server):
    job = loopback_job(brief, server.base_url, retries=6)
    job.settings.config.retry.base_s = 0.01
    job.settings.config.retry.max_backoff_s = 0.05
    clean, _, clean_requests = timed_run(job, server, 5)
    server.fault_rate(Fault.server_error(503), 0.3, seed=7)
    faulty, _, _ = timed_run(job, server, 5)
    failed = [r for r in server.requests if r.fault is not None]
    answered = [b for r, b in zip(server.requests, bodies(server)) if r.fault is None]
    assert faulty.status == "ok"
    assert failed, "the seed must inject some 503s for this test to mean anything"
    assert len(answered) == len(set(answered)) == clean_requests  # one answer per agent
    assert faulty.report["retries"] == len(failed)
    assert [r.status for r in faulty.result.tasks()] == [Status.DONE] * len(clean.result.tasks())
    assert faulty.article["text"] == clean.article["text"]


def test_failures_under_parallel_load_skip_nothing_twice_and_finish_the_run(brief, server):
    job = loopback_job(brief, server.base_url, retries=0)
    server.fault_rate(Fault.server_error(503), 0.3, seed=2)  # spares the outline request
    outcome, _, requests = timed_run(job, server, 5)
    faulted = sum(1 for r in server.requests if r.fault is not None)
    records = outcome.result.tasks()
    assert outcome.status == "partial"
    assert all(r.status.final for r in records)
    assert len(set(bodies(server))) == requests  # no agent called the model twice
    assert len(outcome.result.failed()) == faulted >= 1
    assert outcome.result.records["assembly"].status is Status.DONE
