"""`ucop bench` tells the truth: status and requests per run, no speedup from failed runs."""

from __future__ import annotations

import json

from tests.helpers import BRIEF, run_cli
from ucop.testing.model_server import Fault, ModelServer
from ucop.testing.responders import article_responder


def _bench(server, *extra):
    return run_cli(
        "bench", "-i", BRIEF, "--provider", "openai", "--base-url", server.base_url, *extra
    )


def test_warns_up_front_that_every_request_is_made_twice():
    with ModelServer(responder=article_responder) as server:
        result = _bench(server, "--json")
        assert result.exit_code == 0, result.stderr
        rows = json.loads(result.stdout)
        assert [r["requests"] for r in rows] == [8, 8]
        assert server.counts["openai"] == 16  # every chat request twice, as warned
        # no --model on a custom base URL: the server's only model, asked for once
        assert server.counts["models"] == 1
        assert {r.body["model"] for r in server.requests if r.kind == "openai"} == {"model-server"}
    first = result.stderr.splitlines()[0]
    assert "twice" in first and "16 in all" in first and "openai" in first
    assert all(r["status"] == "ok" for r in rows) and rows[1]["ab_speedup"] > 0


def test_no_speedup_when_a_run_is_not_ok():
    with ModelServer(responder=article_responder) as server:
        server.fault_rate(Fault.client_error(400, "bad request"), 1.0)
        result = _bench(server, "--json")
        table = _bench(server)
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert [r["status"] for r in rows] == ["failed", "failed"]
    assert all(r["requests"] == 1 for r in rows)  # the outline's one call, not retried (400)
    assert "ab_speedup" not in rows[1]
    assert rows[1]["ab_note"].startswith("no speedup: the sequential run ended failed")
    assert table.exit_code == 1
    assert "faster" not in table.stdout and "no speedup" in table.stdout
    assert "failed" in table.stdout.splitlines()[2]  # the status column of the first run
