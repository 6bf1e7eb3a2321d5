"""plan, verify, bench, --version and --help through Typer's runner."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from tests.helpers import BRIEF, run_cli
from ucop import __version__


def test_version_and_help():
    assert run_cli("--version").stdout.strip() == f"ucop {__version__}"
    for command in ("generate", "plan", "bench", "verify", "batch"):
        result = run_cli(command, "--help")
        assert result.exit_code == 0 and "Usage" in result.stdout, command


def test_plan_prints_dag_groups_critical_path_and_calls_without_calling_a_model():
    result = run_cli("plan", "-i", BRIEF)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "section_writer ×4" in out
    assert "1.  kb_ingestion, api_ingestion, blog_ingestion" in out
    assert "Critical path" in out and "outline_planner →" in out
    assert "Model calls 8" in out


def test_plan_json_counts_calls_per_agent():
    data = json.loads(run_cli("plan", "-i", BRIEF, "--json", "--max-parallel", "2").stdout)
    assert data["model_calls"] == 8
    assert data["calls_by_agent"]["section_writer"] == 4
    assert data["instances"] == {"section_writer": 4}
    assert data["groups"][0] == ["kb_ingestion", "api_ingestion", "blog_ingestion"]
    assert data["max_parallel"] == 2 and data["ideal_s"] >= data["critical_path_s"] - 1e-9


def test_verify_passes_on_a_fresh_install():
    result = run_cli("verify")
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert sum(1 for ln in lines if ln.startswith("✓")) == 5
    assert lines[-1] == "ALL CHECKS PASSED"
    assert "exactly once" in result.stdout


def test_verify_reports_a_broken_config_as_a_failed_check(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("workflows:\n  max_parallel_agents: 0\n")
    result = run_cli("verify", "--config", bad)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith("✗ config is valid")
    assert "FAILED" in result.stdout.splitlines()[-1]


def test_verify_needs_a_key_for_a_hosted_provider():
    result = run_cli("verify", "--provider", "anthropic")
    assert result.exit_code == 1
    assert "✗ provider is configured" in result.stdout and "ANTHROPIC_API_KEY" in result.stdout


def test_verify_dir_checks_a_generated_article(tmp_path):
    out = tmp_path / "out"
    assert run_cli("generate", "-i", BRIEF, "-o", out, "--quiet").exit_code == 0
    result = run_cli("verify", out)
    assert result.exit_code == 0, result.stdout
    assert (
        "✓ code blocks valid" in result.stdout and "checked against the API spec" in result.stdout
    )
    article = next(out.glob("*.md"))
    article.write_text(
        article.read_text().replace("```python\nimport os", "```python\nimport os(", 1)
    )
    broken = run_cli("verify", out)
    assert broken.exit_code == 1 and "✗ code blocks valid" in broken.stdout


def test_verify_dir_without_an_article_fails(tmp_path):
    result = run_cli("verify", tmp_path)
    assert result.exit_code == 1 and "✗ article found" in result.stdout


def test_bench_runs_both_modes_with_equal_requests():
    result = run_cli("bench", "-i", BRIEF, "--latency", "0.1", "--json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["mode"] for r in rows] == ["sequential", "parallel"]
    assert rows[0]["requests"] == rows[1]["requests"] == 8
    assert rows[0]["peak_concurrency"] == 1 and 1 < rows[1]["peak_concurrency"] <= 5
    # the critical path is 3 of 8 calls, plus the one the concurrency limiter sends alone
    assert rows[1]["ab_speedup"] > 1.3


def test_timeline_has_one_bar_per_agent_of_the_run(tmp_path):
    out = tmp_path / "out"
    assert run_cli("generate", "-i", BRIEF, "-o", out, "--quiet").exit_code == 0
    report = json.loads((out / "run.json").read_text())
    root = ET.parse(out / "timeline.svg").getroot()
    assert root.tag.endswith("svg")
    bars = [el for el in root.iter() if "bar" in el.get("class", "").split()]
    assert sorted(b.get("data-agent") for b in bars) == sorted(a["name"] for a in report["agents"])
