"""Cost before and after a run: `plan --json` estimates, run.json actuals, `--max-cost`."""

from __future__ import annotations

import json

import pytest

from tests.helpers import BRIEF, generate_over, run_cli
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder


@pytest.fixture
def server():
    with ModelServer(latency_s=0.01, responder=article_responder) as srv:
        yield srv


def plan_json(*extra: str) -> dict:
    result = run_cli("plan", "-i", BRIEF, "--json", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_plan_json_estimates_calls_tokens_and_cost():
    data = plan_json("--provider", "openai", "--model", "gpt-4o-mini")
    usage = data["usage"]
    assert usage["provider"] == "openai" and usage["model"] == "gpt-4o-mini"
    assert usage["calls"] == data["model_calls"] == 8
    assert sum(a["calls"] for a in usage["by_agent"].values()) == 8
    assert usage["by_agent"]["section_writer"]["calls"] == 4
    assert usage["input_tokens"] == sum(a["input_tokens"] for a in usage["by_agent"].values())
    assert usage["input_tokens"] > usage["output_tokens"] > 0
    price = usage["price_per_mtok"]
    expected = usage["input_tokens"] * price["input"] + usage["output_tokens"] * price["output"]
    assert usage["cost"] == pytest.approx(expected / 1e6, rel=1e-3)
    assert "estimates taken" in usage["prices"]


def test_plan_prices_differ_by_model_and_an_unknown_model_has_no_cost():
    mini = plan_json("--provider", "openai", "--model", "gpt-4o-mini")["usage"]
    big = plan_json("--provider", "openai", "--model", "gpt-4o")["usage"]
    local = plan_json("--provider", "openai", "--model", "llama3.1:8b")["usage"]
    assert big["cost"] > 10 * mini["cost"]
    assert local["cost"] is None and local["price_per_mtok"] is None
    assert local["input_tokens"] == mini["input_tokens"]


def test_plan_prices_can_be_overridden_in_the_config(tmp_path):
    config = tmp_path / "main.yaml"
    config.write_text(
        "provider:\n  prices:\n    llama3: {input: 1.0, output: 2.0}\n", encoding="utf-8"
    )
    usage = plan_json("--config", str(config), "--provider", "openai", "--model", "llama3.1")[
        "usage"
    ]
    expected = (usage["input_tokens"] * 1.0 + usage["output_tokens"] * 2.0) / 1e6
    assert usage["cost"] == pytest.approx(expected, rel=1e-3)


def test_run_json_has_actual_tokens_and_cost(tmp_path, server):
    out = tmp_path / "out"
    # no live table, but the summary (with its Cost row): -q would print only the article's path
    result = generate_over(server.base_url, out, "--model", "gpt-4o-mini", "--progress", "quiet")
    assert result.exit_code == 0, result.stderr
    usage = json.loads((out / "run.json").read_text())["usage"]
    assert usage["requests"] == server.count == 8
    assert usage["tokens_in"] > 0 and usage["tokens_out"] > 0
    expected = (usage["tokens_in"] - usage["cached_tokens"]) * 0.15
    expected += usage["cached_tokens"] * 0.075 + usage["tokens_out"] * 0.60
    assert usage["cost"] == pytest.approx(expected / 1e6, abs=2e-6)
    assert usage["cached_tokens"] > 0  # the loopback server caches repeated system prompts
    assert "Cost" in result.stderr and "$" in result.stderr


def test_max_cost_stops_the_run_cleanly_and_resume_finishes_it(tmp_path, server):
    out = tmp_path / "out"
    budget = "0.0012"  # the outline and about two more calls, at the estimates
    # --no-pacing: the section writers start together (the cap only), so their estimates are
    # reserved together; with the throughput limiter they may go one at a time, each
    # reservation freed at its (much lower) actual cost, and then the whole run fits the budget
    first = generate_over(
        server.base_url, out, "--model", "gpt-4o-mini", "--max-cost", budget, "--no-pacing"
    )
    assert first.exit_code == 1, first.stderr
    report = json.loads((out / "run.json").read_text())
    assert report["status"] in ("partial", "failed")
    usage = report["usage"]
    assert usage["budget_stopped"] is True
    assert usage["cost"] <= float(budget)
    sent = server.count
    assert 1 <= sent < 8 and usage["requests"] == sent
    refused = [a for a in report["agents"] if "cost budget" in (a.get("error") or "")]
    assert refused and all(a["attempts"] <= 1 for a in refused)
    assert "--resume" in first.stderr and "max-cost" in first.stderr

    second = generate_over(server.base_url, out, "--model", "gpt-4o-mini", "--resume")
    assert second.exit_code == 0, second.stderr
    finished = json.loads((out / "run.json").read_text())
    assert finished["status"] == "ok"
    assert server.count == 8  # only the calls the first run did not make
    assert finished["usage"]["budget_stopped"] is False


def test_a_negative_max_cost_is_a_usage_error(tmp_path):
    result = run_cli("generate", "-i", BRIEF, "-o", tmp_path / "o", "--max-cost", "-1")
    assert result.exit_code == 2
    assert "max_cost" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()
