from __future__ import annotations

from tests.report.helpers import sample_report
from tests.ui.helpers import render_text
from ucop.ui.summary import render_ab_table, render_summary


def row(text: str, key: str) -> str:
    matches = [line for line in text.splitlines() if line.strip().startswith(key)]
    assert matches, f"no {key!r} row in:\n{text}"
    return matches[0]


def test_summary_shows_timings_formatted():
    text = render_text(render_summary(sample_report()))
    assert "14.20s" in row(text, "Wall time")
    assert "30.44s" in row(text, "Agent time")
    assert "2.14×" in row(text, "Speedup")
    assert "100%" in row(text, "Efficiency")
    assert "14.20s" in row(text, "Lower bound")
    path = "14.20s: brief_reader → outline_planner → section_writer[2] → editor"
    assert path in row(text, "Critical path")


def test_summary_counts_statuses_retries_tokens_and_names_the_article():
    text = render_text(render_summary(sample_report()))
    agents = row(text, "Agents")
    for part in ("6 done", "1 cached", "1 failed", "1 timed out", "1 skipped"):
        assert part in agents
    assert row(text, "Retries").split()[-1] == "1"
    assert "10,800 in / 3,060 out" in row(text, "Tokens")  # 9 agents ran, 1,200/340 each
    assert "out/article.md" in row(text, "Article")
    assert "partial" in row(text, "Status")


def test_summary_lists_the_agents_that_did_not_finish_with_their_error():
    text = render_text(render_summary(sample_report()))
    assert "Did not finish" in text
    assert "HTTP 500 <bad>" in row(text, "section_writer[3]")
    assert "deadline 4.8s passed" in row(text, "section_writer[5]")
    assert "section_writer[3] failed" in row(text, "fact_checker")
    assert "editor" not in text.split("Did not finish")[1]


def test_clean_run_has_no_problem_list_and_a_missing_article_says_so():
    report = sample_report()
    report["agents"] = [a for a in report["agents"] if a["status"] in ("done", "cached")]
    report["article"] = None
    text = render_text(render_summary(report))
    assert "Did not finish" not in text
    assert "not written" in row(text, "Article")


def test_long_problem_lists_are_cut():
    report = sample_report()
    failed = dict(report["agents"][5])
    report["agents"] = [{**failed, "name": f"w[{i}]"} for i in range(25)]
    text = render_text(render_summary(report))
    assert "+15 more" in text
    assert "w[9]" in text and "w[10]" not in text


def test_ab_table_has_a_row_per_run_with_formatted_numbers():
    rows = [
        {
            "mode": "sequential",
            "status": "ok",
            "max_parallel": 1,
            "wall_s": 40.0,
            "agent_time_s": 39.5,
            "speedup": 0.9875,
            "critical_path_s": 12.0,
            "efficiency": 0.3,
            "requests": 14,
        },
        {
            "mode": "parallel",
            "status": "partial",
            "max_parallel": 8,
            "wall_s": 12.5,
            "agent_time_s": 40.1,
            "speedup": 3.208,
            "critical_path_s": 12.0,
            "efficiency": 0.96,
            "requests": 15,
        },
    ]
    text = render_text(render_ab_table(rows), width=80)
    assert all(len(line) <= 80 for line in text.splitlines())
    for heading in (
        "mode",
        "status",
        "max par",
        "wall s",
        "agent s",
        "speedup",
        "path s",
        "effic.",
        "requests",
    ):
        assert heading in text
    parallel = row(text, "parallel")
    assert parallel.split() == [
        "parallel",
        "partial",
        "8",
        "12.50",
        "40.10",
        "3.21×",
        "12.00",
        "96%",
        "15",
    ]
    assert row(text, "sequential").split()[1:4] == ["ok", "1", "40.00"]
