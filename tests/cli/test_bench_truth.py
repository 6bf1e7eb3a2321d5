"""`ucop bench` tells the truth: status and requests per run, no speedup from failed runs."""

from __future__ import annotations

import json

from tests.helpers import BRIEF, copy_example, run_cli
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


def test_the_index_is_built_before_both_runs_not_by_the_first(tmp_path, monkeypatch):
    """The sequential run goes first: had it built the knowledge base's index alone, the A/B
    would credit parallelism with that time (0.4 s of a 5 s loopback run)."""
    monkeypatch.setenv("UCOP_CACHE_DIR", str(tmp_path / "fresh-cache"))  # no index yet
    brief = copy_example(tmp_path)
    for n in range(600):  # enough pages that building the index takes a while
        page = f"# Page {n}\n\n## Delivery {n}\n\n" + "Lumen retries each delivery. " * 40
        (brief.parent / "kb" / f"page-{n}.md").write_text(page)
    with ModelServer(responder=article_responder) as server:
        result = run_cli(
            "bench", "-i", brief, "--provider", "openai", "--base-url", server.base_url, "--json"
        )
    assert result.exit_code == 0, result.stderr
    sequential, parallel = (row["agents"] for row in json.loads(result.stdout))
    assert set(sequential) == set(parallel) and "kb_ingestion" in sequential
    # each run only checks the index: neither takes the building's time (wide margin)
    assert sequential["kb_ingestion"] < 5 * parallel["kb_ingestion"] + 0.1
