"""`ucop batch --executor dask`: in-process and multi-process local clusters, the cluster-wide
request cap, and a worker killed mid-batch."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest

from tests.batch.conftest import (
    assert_complete,
    batch,
    ledger,
    make_briefs,
    max_overlap,
    openai_flags,
)
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.dask


@pytest.fixture
def inproc_cluster():
    with distributed.LocalCluster(
        n_workers=3, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0"
    ) as cluster:
        yield cluster


@pytest.fixture
def process_cluster():
    with distributed.LocalCluster(
        n_workers=3,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        yield cluster


def test_in_process_cluster_caps_requests_across_the_whole_batch(
    tmp_path, slow_server, inproc_cluster
):
    briefs = make_briefs(tmp_path / "briefs", 6)
    dask = ["--executor", "dask", "--scheduler", inproc_cluster.scheduler_address]
    capped = tmp_path / "capped"
    result = batch(
        tmp_path / "briefs", "-o", capped, *openai_flags(slow_server), *dask, "--max-requests", "2"
    )
    assert result.exit_code == 0, result.stderr
    for brief in briefs:
        assert_complete(capped, brief)
    data = ledger(capped)
    assert data["totals"]["done"] == 6 and data["totals"]["failed"] == 0
    assert slow_server.peak_concurrency <= 2
    assert max_overlap(data["articles"]) >= 2  # the cap held while articles overlapped
    assert len({e["worker"] for e in data["articles"]}) >= 2
    assert all(e["worker"].startswith("inproc://") for e in data["articles"])

    slow_server.reset_stats()
    free = tmp_path / "free"
    result = batch(
        tmp_path / "briefs", "-o", free, *openai_flags(slow_server), *dask, "--no-pacing"
    )
    assert result.exit_code == 0, result.stderr
    assert slow_server.peak_concurrency > 2  # the cap, not a limit learnt under load


def test_local_cluster_of_worker_processes(tmp_path, slow_server):
    briefs = make_briefs(tmp_path / "briefs", 6)
    out = tmp_path / "out"
    result = batch(
        tmp_path / "briefs",
        "-o",
        out,
        *openai_flags(slow_server),
        "--executor",
        "dask-processes",
        "--workers",
        "2",
        "--max-requests",
        "3",
    )
    assert result.exit_code == 0, result.stderr
    for brief in briefs:
        assert_complete(out, brief)
    data = ledger(out)
    assert data["totals"]["done"] == 6 and data["totals"]["requests"] == slow_server.count
    assert data["where"] == "local Dask cluster (2 worker processes)"
    workers = {e["worker"] for e in data["articles"]}
    assert len(workers) == 2 and all(w.startswith("tcp://127.0.0.1:") for w in workers)
    assert slow_server.peak_concurrency <= 3
    assert max_overlap(data["articles"]) >= 2


def test_local_cluster_runs_its_workers_in_process_by_default(tmp_path, server):
    make_briefs(tmp_path / "briefs", 3)
    out = tmp_path / "out"
    result = batch(
        tmp_path / "briefs",
        "-o",
        out,
        *openai_flags(server),
        "--executor",
        "dask",
        "--workers",
        "2",
    )
    assert result.exit_code == 0, result.stderr
    data = ledger(out)
    assert data["totals"]["done"] == 3
    assert data["where"] == "local Dask cluster (2 workers)"
    assert all(e["worker"].startswith("inproc://") for e in data["articles"])


def test_a_worker_killed_mid_batch_loses_no_article(tmp_path, process_cluster):
    briefs = make_briefs(tmp_path / "briefs", 6)
    out = tmp_path / "out"
    killed: dict = {}
    with (
        ModelServer(latency_s=0.2, responder=article_responder) as server,
        distributed.Client(process_cluster, set_as_default=False) as client,
    ):
        killer = threading.Thread(target=_kill_a_busy_worker, args=(client, server, killed))
        killer.start()
        result = batch(
            tmp_path / "briefs",
            "-o",
            out,
            *openai_flags(server),
            "--executor",
            "dask",
            "--scheduler",
            process_cluster.scheduler_address,
        )
        killer.join(timeout=30)
        requests_seen = server.count
        client.wait_for_workers(3, timeout=30)  # the nanny restarts the killed one
        profiling = client.run(lambda dask_worker: "profile" in dask_worker.periodic_callbacks)
        pacers = client.run_on_scheduler(
            lambda dask_scheduler: [n for n in dask_scheduler.plugins if n.startswith("ucop-")]
        )
    assert pacers == []  # the batch's pacer left the scheduler with the batch
    assert killed.get("pid"), killed
    assert result.exit_code == 0, result.stderr
    for brief in briefs:
        assert_complete(out, brief)
    data = ledger(out)
    assert data["totals"]["done"] == 6 and data["totals"]["failed"] == 0
    # the article that was on the dead worker ran again from the start elsewhere: no article
    # finished there after the kill. (Its earlier requests are lost with it, but under load the
    # worker may be killed before its task made any, so the counts are only >=.)
    assert requests_seen >= data["totals"]["requests"]
    for entry in data["articles"]:
        finished = entry["started"] + entry["wall_s"]
        assert entry["worker"] != killed["address"] or finished <= killed["at"]
    # the restarted worker got the plugin too: no profiler where it can deadlock (gh-106883)
    assert len(profiling) == 3
    assert not any(profiling.values()) or sys.version_info >= (3, 11, 9)


def _kill_a_busy_worker(client, server: ModelServer, killed: dict) -> None:
    """Once articles are mid-run, SIGKILL the process of a worker that is running one."""
    deadline = time.monotonic() + 20
    while server.count < 12 and time.monotonic() < deadline:
        time.sleep(0.01)
    busy = [address for address, keys in client.processing().items() if keys]
    if not busy:
        return
    pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
    killed.update(address=busy[0], pid=pid, at=time.time())
    os.kill(pid, signal.SIGKILL)


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path, server, monkeypatch):
    import socket

    import ucop.batch.dask_cluster as dask_cluster

    monkeypatch.setattr(dask_cluster, "CONNECT_TIMEOUT_S", 1.0)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    make_briefs(tmp_path / "briefs", 2)
    result = batch(
        tmp_path / "briefs",
        "-o",
        tmp_path / "out",
        *openai_flags(server),
        "--executor",
        "dask",
        "--scheduler",
        address,
    )
    assert result.exit_code == 2
    assert f"--scheduler {address}: cannot reach the Dask scheduler" in result.stderr
    assert server.count == 0
