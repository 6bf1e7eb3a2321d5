"""`ucop generate` on the bundled example with the embedded offline writer."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import yaml

from tests.helpers import BRIEF, run_cli
from ucop.codegen.validate import validate_markdown
from ucop.files import FILE_MODE
from ucop.sources import load_openapi


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "out"
    result = run_cli("generate", "--input", BRIEF, "--output", out, "--progress", "plain")
    return result, out


def _article(out):
    report = json.loads((out / "run.json").read_text())
    text = (out / report["article"]).read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    body = text.split("---\n", 2)[2]
    return report, front, body


def test_exit_code_zero_and_files_written(generated):
    result, out = generated
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["run.json", "sync-tasks-in-real-time-with-lumen-webhooks.md", "timeline.svg"]
    modes = {p.stat().st_mode & 0o777 for p in out.iterdir()}
    assert modes == {FILE_MODE}  # the user's umask, not mkstemp's owner-only 0600


def test_says_clearly_that_the_offline_writer_was_used(generated):
    result, out = generated
    assert "Written by the offline writer" in result.stderr
    report, front, _ = _article(out)
    assert report["provider"] == "offline" and report["offline"] is True
    assert "offline writer" in front["generated_by"]


def test_front_matter_has_the_publishing_fields(generated):
    _, out = generated
    _, front, _ = _article(out)
    assert front["title"] == "Sync tasks in real time with Lumen webhooks"
    assert front["slug"] == "sync-tasks-in-real-time-with-lumen-webhooks"
    assert front["draft"] is True
    assert front["tags"] == ["webhooks", "api", "python"]
    assert isinstance(front["date"], dt.date)  # a real YAML date, not a quoted string
    assert "openapi.yaml" in front["sources"] and "kb/webhooks.md" in front["sources"]
    assert "status" not in front


def test_required_sections_come_first_then_the_planned_ones(generated):
    _, out = generated
    _, _, body = _article(out)
    headings = re.findall(r"^## (.+)$", body, re.M)
    assert headings[:2] == ["Verify webhook signatures", "Handle retries and duplicate deliveries"]
    assert len(headings) == 4 + 2  # four sections, then "Wrapping up" and "Sources"
    assert headings[-2:] == ["Wrapping up", "Sources"]


def test_sections_are_grounded_in_the_sources_and_cite_them(generated):
    _, out = generated
    _, _, body = _article(out)
    signatures = body.split("## Verify webhook signatures")[1].split("\n## ")[0]
    assert "HMAC-SHA256" in signatures and "Lumen-Timestamp" in signatures
    cited = {int(n) for n in re.findall(r"\[(\d+)\](?!\()", body)}
    sources = re.findall(r"^(\d+)\. .+ \(`(.+?)`\)$", body.split("## Sources")[1], re.M)
    assert cited == {int(n) for n, _ in sources}
    assert any(src == "kb/webhooks.md" for _, src in sources)


def test_sources_name_files_relative_to_the_brief_never_local_links(generated):
    _, out = generated
    _, front, body = _article(out)
    listed = re.findall(r"^\d+\. .+ \(`(.+?)`\)$", body.split("## Sources")[1], re.M)
    assert listed
    for source in listed:
        assert not source.startswith("/") and (BRIEF.parent / source).is_file(), source
    assert "](../" not in body and f"]({BRIEF.parent}" not in body  # nothing on this machine
    assert set(front["sources"]) >= set(listed)


def test_every_code_block_passes_validation_against_the_spec(generated):
    _, out = generated
    _, _, body = _article(out)
    spec = load_openapi(BRIEF.parent / "openapi.yaml", BRIEF.parent)
    findings = validate_markdown(body, spec)
    assert findings, "the article should contain code"
    assert [f for f in findings if not f["ok"]] == []
    langs = {f["lang"] for f in findings}
    assert {"python", "bash"} <= langs
    assert sum(1 for f in findings if f["check"] == "request" and f["ok"]) >= 4


def test_run_report_has_every_agent_once_with_timings(generated):
    _, out = generated
    report = json.loads((out / "run.json").read_text())
    names = [a["name"] for a in report["agents"]]
    assert len(names) == len(set(names)) == 13  # 9 agents + 4 section writers
    assert {f"section_writer[{i}]" for i in range(1, 5)} <= set(names)
    for agent in report["agents"]:
        assert agent["status"] == "done"
        assert agent["end_s"] >= agent["start_s"] >= agent["queued_s"] >= 0
    for key in (
        "mode",
        "max_parallel",
        "provider",
        "status",
        "wall_s",
        "agent_time_s",
        "speedup",
        "critical_path_s",
        "efficiency",
        "article",
    ):
        assert key in report
    assert report["status"] == "ok" and report["mode"] == "parallel"
    assert report["critical_path"][0].endswith("_ingestion")


def test_a_second_run_refuses_to_overwrite_without_force(generated, tmp_path):
    _, out = generated
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = run_cli("generate", "--input", BRIEF, "--output", out)
    assert result.exit_code == 2
    assert "already holds an article" in result.stderr and "--force" in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_force_overwrites_and_site_jekyll_names_the_file_by_date(tmp_path):
    out = tmp_path / "site"
    first = run_cli("generate", "--input", BRIEF, "--output", out, "--quiet")
    assert first.exit_code == 0
    again = run_cli("generate", "-i", BRIEF, "-o", out, "--force", "--site", "jekyll", "--quiet")
    assert again.exit_code == 0, again.stderr
    jekyll = [p for p in out.glob("*.md") if re.match(r"\d{4}-\d{2}-\d{2}-sync-tasks", p.name)]
    assert len(jekyll) == 1
    front = yaml.safe_load(jekyll[0].read_text().split("---\n")[1])
    assert front["layout"] == "post" and front["published"] is False


@pytest.mark.parametrize(
    ("site", "date_key", "extra"),
    [("hugo", "date", "lastmod"), ("astro", "pubDate", None), ("mkdocs", "date", "categories")],
)
def test_site_front_matter_conventions(tmp_path, site, date_key, extra):
    out = tmp_path / site
    result = run_cli("generate", "-i", BRIEF, "-o", out, "--site", site, "--quiet")
    assert result.exit_code == 0, result.stderr
    front = yaml.safe_load(next(out.glob("*.md")).read_text().split("---\n")[1])
    assert isinstance(front[date_key], dt.date)
    if extra:
        assert extra in front
    if site == "astro":
        assert "date" not in front


def test_json_summary_on_stdout_only(tmp_path):
    result = run_cli("generate", "-i", BRIEF, "-o", tmp_path / "j", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["status"] == "ok" and data["provider"] == "offline"
    assert data["files"]["article"].endswith(".md")
    assert "agents" not in data


def test_sequential_mode_runs_one_agent_at_a_time(tmp_path):
    result = run_cli("generate", "-i", BRIEF, "-o", tmp_path / "s", "--sequential", "--quiet")
    assert result.exit_code == 0
    report = json.loads((tmp_path / "s" / "run.json").read_text())
    assert report["mode"] == "sequential" and report["max_parallel"] == 1
    spans = sorted((a["start_s"], a["end_s"]) for a in report["agents"])
    assert all(prev[1] <= nxt[0] + 1e-6 for prev, nxt in zip(spans, spans[1:]))
