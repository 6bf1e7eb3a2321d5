"""Whole runs against a misbehaving loopback model server: storms, hangs, partial results."""

from __future__ import annotations

import json
import statistics

import pytest

from tests.helpers import generate_over, run_cli
from ucop.testing.model_server import Fault, ModelServer
from ucop.testing.responders import article_responder

MODEL_CALLS = 8  # outline, introduction, 4 sections, conclusion, code explanations


def _config(tmp_path, text: str):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def _generate(out, server, *extra):
    return generate_over(server.base_url, out, "--model", "model-server", "--quiet", *extra)


def test_a_50_percent_429_storm_finishes_with_no_failed_agent_and_spread_retries(tmp_path):
    config = _config(tmp_path, "retry:\n  base_s: 0.2\n  max_backoff_s: 0.6\n")
    with ModelServer(latency_s=0.01, responder=article_responder) as server:
        # Retry-After in (decimal) seconds: short enough to keep the test fast, long enough that
        # honouring it (every wait >= 0.4 s) is told apart from the jitter alone
        server.fault_rate(Fault.rate_limit(retry_after="0.4"), 0.5, seed=7)
        result = _generate(tmp_path / "out", server, "--config", config, "--retries", "12")
        records = server.requests
    assert result.exit_code == 0, result.stderr
    report = json.loads((tmp_path / "out" / "run.json").read_text())
    assert report["status"] == "ok"
    assert all(a["status"] == "done" for a in report["agents"])
    limited = [r for r in records if r.fault is not None]
    assert len(limited) >= 3  # the storm really happened
    # no more requests than needed: one success per model call, plus one per 429
    assert len(records) - len(limited) == MODEL_CALLS
    waits = [r["wait_s"] for a in report["agents"] for r in a["retries"]]
    assert len(waits) == len(limited) == report["retries"]
    assert min(waits) >= 0.4  # Retry-After honoured
    assert statistics.pstdev(waits) > 0.05 and max(waits) - min(waits) > 0.15  # jittered


def test_a_server_that_never_answers_is_detected_within_the_timeout(tmp_path):
    # Timed from run.json, the agent's own time: the command's wall clock also counts loading
    # the sources, which in a fresh process on a loaded machine took over 5 s alone.
    with ModelServer(responder=article_responder) as server:
        server.fault_rate(Fault.hang(), 1.0)
        result = _generate(tmp_path / "out", server, "--timeout", "1", "--retries", "0")
    assert result.exit_code == 1
    report = json.loads((tmp_path / "out" / "run.json").read_text())
    outline = next(a for a in report["agents"] if a["name"] == "outline_planner")
    assert outline["duration_s"] < 1 + 2
    assert outline["status"] in ("timed_out", "failed")
    assert report["status"] == "failed" and report["article"] is None
    assert not list((tmp_path / "out").glob("*.md"))


def test_run_deadline_stops_a_slow_run(tmp_path):
    with ModelServer(latency_s=3.0, responder=article_responder) as server:
        result = _generate(tmp_path / "out", server, "--deadline", "0.5")
    assert result.exit_code == 1
    report = json.loads((tmp_path / "out" / "run.json").read_text())
    assert report["wall_s"] < 0.5 + 2  # the run's own time, not the process's start-up
    assert report["status"] == "failed"
    assert any("run deadline" in (a["error"] or "") for a in report["agents"])


def _one_section_broken(body):
    user = body["messages"][-1]["content"]
    if 'section "Handle retries and duplicate deliveries"' in user:
        # Every attempt fails. (An unusable answer would not do: the writer would fall back
        # to the offline draft and the article would be complete.)
        return Fault.server_error(500)
    return article_responder(body)


def test_keep_going_writes_a_partial_article_that_verify_refuses(tmp_path):
    out = tmp_path / "out"
    config = _config(tmp_path, "retry:\n  base_s: 0.01\n  max_backoff_s: 0.05\n")
    with ModelServer(responder=_one_section_broken) as server:
        result = _generate(out, server, "--keep-going", "--retries", "1", "--config", config)
    assert result.exit_code == 1
    report = json.loads((out / "run.json").read_text())
    assert report["status"] == "partial"
    broken = next(a for a in report["agents"] if a["name"] == "section_writer[2]")
    assert broken["status"] == "failed" and broken["attempts"] == 2
    assert "HTTP 500" in broken["error"]
    text = (out / report["article"]).read_text()
    front = text.split("---\n")[1]
    assert "status: partial" in front
    assert "section_writer[2] (Handle retries and duplicate deliveries)" in front
    assert report["failed_parts"] == ["section_writer[2] (Handle retries and duplicate deliveries)"]
    assert "## Verify webhook signatures" in text and "## Wrapping up" in text
    verify = run_cli("verify", out)
    assert verify.exit_code == 1
    assert "partial" in verify.stdout


def test_fail_fast_stops_at_the_first_failure_and_writes_no_article(tmp_path):
    out = tmp_path / "out"
    with ModelServer(latency_s=0.2, responder=_one_section_broken) as server:
        result = _generate(out, server, "--fail-fast", "--retries", "0")
    assert result.exit_code == 1
    report = json.loads((out / "run.json").read_text())
    assert report["status"] == "failed" and report["article"] is None
    statuses = {a["name"]: a["status"] for a in report["agents"]}
    assert statuses["section_writer[2]"] == "failed"
    assert statuses["assembly"] == "cancelled" and statuses["conclusion_writer"] == "cancelled"


@pytest.mark.parametrize("fault", [Fault.server_error(503), Fault.reset(), Fault.malformed_json()])
def test_transient_faults_are_retried_and_the_run_succeeds(tmp_path, fault):
    config = _config(tmp_path, "retry:\n  base_s: 0.01\n  max_backoff_s: 0.05\n")
    with ModelServer(responder=article_responder) as server:
        server.enqueue(fault, fault)
        result = _generate(tmp_path / "out", server, "--config", config, "--max-parallel", "1")
        count = server.count
    assert result.exit_code == 0, result.stderr
    assert count == MODEL_CALLS + 2
    report = json.loads((tmp_path / "out" / "run.json").read_text())
    assert report["retries"] == 2
