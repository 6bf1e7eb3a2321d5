"""Attacks on a batch's pacer socket and on its worker processes.

The pacer of a batch with worker processes listens on 127.0.0.1, where any local user can
connect. A client that connects and says nothing must not stop the batch (it used to block
the accept loop: every article failed at its agent timeout and the batch never exited), and
killing the batch with SIGKILL must not leave its workers (or the resource tracker) behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time

import pytest

from tests.batch.conftest import make_briefs
from tests.helpers import wait_for
from tests.security.processes import alive, batch_argv, descendants, listening_ports
from ucop.batch.limits import PacerServer
from ucop.providers.pacer import Pacer, PacingLimits
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals and /proc: POSIX only")


def _env(tmp_path) -> dict[str, str]:
    return {**os.environ, "UCOP_CACHE_DIR": str(tmp_path / "cache")}


def test_a_silent_client_on_the_pacer_port_does_not_stop_a_batch(tmp_path):
    psutil = pytest.importorskip("psutil")
    briefs = make_briefs(tmp_path / "briefs", 4)
    out = tmp_path / "out"
    with ModelServer(latency_s=0.05, responder=article_responder) as server:
        argv = batch_argv(tmp_path / "briefs", out, server, "--executor", "processes")
        process = subprocess.Popen(argv, env=_env(tmp_path), stderr=subprocess.PIPE, text=True)
        silent = []
        try:
            wait_for(lambda: bool(psutil.pid_exists(process.pid) and listening_ports(process.pid)))
            for port in listening_ports(process.pid):  # the pacer: say nothing, never leave
                silent.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            _, stderr = process.communicate(timeout=600)
        finally:
            process.kill()
            for sock in silent:
                sock.close()
    assert silent, "the batch had no pacer port to attack"
    assert process.returncode == 0, stderr
    articles = json.loads((out / "batch.json").read_text())["articles"]
    assert [a["status"] for a in articles] == ["ok"] * len(briefs)
    assert all(a["requests"] > 0 for a in articles)


def test_silent_and_garbage_clients_are_dropped_and_the_real_one_is_served():
    server = PacerServer(Pacer(PacingLimits(2)), auth_timeout_s=0.5, max_connections=4)
    try:
        silent = [socket.create_connection(server.address, timeout=5) for _ in range(3)]
        garbage = socket.create_connection(server.address, timeout=5)
        garbage.sendall(b"\x00" * 4096)
        grant = server.client().acquire(timeout=5)  # the 5th connection: a slot came free
        assert not grant.refused and grant.ticket == 1
        for sock in silent:  # the server hung up on each of them
            sock.settimeout(10)
            assert sock.recv(4096).startswith(b"ucop-pacer/1 ")
            assert sock.recv(4096) == b""
    finally:
        server.close()


def test_connections_over_the_bound_are_turned_away_not_queued():
    server = PacerServer(Pacer(PacingLimits(1)), auth_timeout_s=30, max_connections=2)
    try:
        held = [socket.create_connection(server.address, timeout=5) for _ in range(2)]
        for sock in held:  # both greeted: they hold the two places
            sock.settimeout(10)
            assert sock.recv(64).startswith(b"ucop-pacer/1 ")
        extra = socket.create_connection(server.address, timeout=5)
        extra.settimeout(10)
        assert extra.recv(64) == b""  # closed on arrival, not left waiting
        for sock in [*held, extra]:
            sock.close()
    finally:
        server.close()


@pytest.mark.parametrize("executor", ["processes", "dask-processes"])
def test_no_worker_outlives_a_batch_killed_with_sigkill(tmp_path, executor):
    if executor.startswith("dask"):
        pytest.importorskip("distributed")
    make_briefs(tmp_path / "briefs", 6)
    out = tmp_path / "out"
    with ModelServer(latency_s=0.3, responder=article_responder) as server:
        argv = batch_argv(tmp_path / "briefs", out, server, "--executor", executor)
        process = subprocess.Popen(argv, env=_env(tmp_path), stderr=subprocess.DEVNULL)
        try:
            # mid-batch: the workers are up and the model has been called
            wait_for(lambda: server.count >= 2 and len(descendants(process.pid)) >= 2, 300)
            left = descendants(process.pid)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            deadline = time.monotonic() + 120
            while any(alive(pid) for pid in left) and time.monotonic() < deadline:
                time.sleep(0.2)
            survivors = [pid for pid in left if alive(pid)]
        finally:
            process.kill()
    for pid in survivors:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert left and not survivors, f"{len(survivors)} of {len(left)} outlived the batch"


def test_a_batch_on_a_dask_scheduler_opens_no_port_on_the_batch_machine(tmp_path):
    """Remote workers reach the pacer through the scheduler, not a port of the batch."""
    distributed = pytest.importorskip("distributed")
    psutil = pytest.importorskip("psutil")
    briefs = make_briefs(tmp_path / "briefs", 4)
    out = tmp_path / "out"
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    )
    ports: set[int] = set()
    try:
        with ModelServer(latency_s=0.1, responder=article_responder) as server:
            scheduler = ["--executor", "dask", "--scheduler", cluster.scheduler_address]
            argv = batch_argv(tmp_path / "briefs", out, server, *scheduler, "--max-requests", "2")
            process = subprocess.Popen(argv, env=_env(tmp_path), stderr=subprocess.PIPE, text=True)
            try:
                while process.poll() is None:  # look while it runs
                    if server.count and psutil.pid_exists(process.pid):
                        with contextlib.suppress(psutil.Error):
                            ports.update(listening_ports(process.pid))
                    time.sleep(0.05)
                _, stderr = process.communicate(timeout=600)
            finally:
                process.kill()
            peak = server.peak_concurrency
    finally:
        cluster.close()
    assert process.returncode == 0, stderr
    assert ports == set()
    assert peak <= 2  # the cap still held across both worker processes
    articles = json.loads((out / "batch.json").read_text())["articles"]
    assert [a["status"] for a in articles] == ["ok"] * len(briefs)
