"""The run summary's cost, rate-limit and budget rows, from run.json's `usage` block."""

from __future__ import annotations

from tests.report.helpers import sample_report
from tests.ui.helpers import render_text
from ucop.ui.summary import render_summary

USAGE = {
    "requests": 9,
    "rate_limited": 2,
    "tokens_in": 5000,
    "tokens_out": 900,
    "cached_tokens": 1200,
    "cost": 0.00123,
    "paced_s": 4.25,
    "prices": "estimates taken 2025-06",
    "max_cost": None,
    "budget_stopped": False,
}


def lines(report: dict) -> list[str]:
    return render_text(render_summary(report), width=160).splitlines()


def row(text_lines: list[str], key: str) -> str:
    return next(line for line in text_lines if line.strip().startswith(key))


def test_cost_and_rate_limit_rows():
    text = lines({**sample_report(), "usage": USAGE})
    assert "$0.0012" in row(text, "Cost") and "1200 input tokens" in row(text, "Cost")
    assert "2 of 9 calls answered 429" in row(text, "Rate limits")
    assert "4.2s spent paced" in row(text, "Rate limits")
    assert not any(line.strip().startswith("Budget") for line in text)


def test_a_budget_stop_says_how_to_finish():
    usage = {**USAGE, "budget_stopped": True, "max_cost": 0.5, "cost": None}
    text = render_text(render_summary({**sample_report(), "usage": usage}), width=200)
    assert "unknown (no price for this model)" in text
    assert "stopped at --max-cost $0.5" in text and "--resume" in text


def test_reports_without_usage_show_no_cost_row():
    assert not any(line.strip().startswith("Cost") for line in lines(sample_report()))
