"""Publishable output: front matter without YAML anchors; related posts linked only by URL."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import yaml

from tests.helpers import EXAMPLE, run_cli
from ucop.article.frontmatter import front_matter, render_front_matter
from ucop.article.sites import available


@pytest.mark.parametrize("site", [None, *available()])
def test_front_matter_has_no_anchors_or_aliases(site):
    data = front_matter(
        title="T",
        description="D",
        day=dt.date(2026, 1, 2),
        tags=["a", "b"],
        slug="t",
        sources=["kb"],
        site=site,
    )
    text = render_front_matter(data)
    assert "&id" not in text and "*id" not in text
    assert yaml.safe_load(text.strip("-\n")) == data


def test_hugo_writes_date_and_lastmod_as_two_plain_dates():
    data = front_matter(
        title="T",
        description="D",
        day=dt.date(2026, 1, 2),
        tags=[],
        slug="t",
        sources=[],
        site="hugo",
    )
    lines = render_front_matter(data).splitlines()
    assert "date: 2026-01-02" in lines and "lastmod: 2026-01-02" in lines


def example_with_blog_url(tmp_path, url: str | None):
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    brief = folder / "brief.md"
    if url:
        text = brief.read_text().replace("  blog: blog/", f"  blog: {{path: blog/, url: {url}}}")
        brief.write_text(text)
    return brief


def test_related_posts_are_named_by_title_without_a_blog_url(tmp_path):
    out = tmp_path / "out"
    assert (
        run_cli("generate", "-i", example_with_blog_url(tmp_path, None), "-o", out).exit_code == 0
    )
    article = next(out.glob("*.md")).read_text()
    assert "- Read *Getting started with Lumen webhooks*." in article
    assert "](/" not in article


def test_related_posts_are_linked_under_a_configured_blog_url(tmp_path):
    out = tmp_path / "out"
    brief = example_with_blog_url(tmp_path, "https://blog.example.com")
    assert run_cli("generate", "-i", brief, "-o", out).exit_code == 0
    article = next(out.glob("*.md")).read_text()
    assert "- Read [Getting started with Lumen webhooks](https://blog.example.com/" in article


def test_verify_flags_a_site_absolute_link(tmp_path):
    out = tmp_path / "out"
    assert (
        run_cli("generate", "-i", example_with_blog_url(tmp_path, None), "-o", out).exit_code == 0
    )
    article = next(out.glob("*.md"))
    article.write_text(article.read_text() + "\nSee [the old post](/old-post/).\n")
    result = run_cli("verify", out)
    assert result.exit_code == 1
    assert (
        "✗ links publishable" in result.stdout and "site-absolute link /old-post/" in result.stdout
    )


def test_a_resumed_runs_cached_agents_are_drawn_as_cached_not_critical(tmp_path):
    import json
    import xml.etree.ElementTree as ET

    out = tmp_path / "out"
    brief = example_with_blog_url(tmp_path, None)
    assert run_cli("generate", "-i", brief, "-o", out, "-q").exit_code == 0
    assert run_cli("generate", "-i", brief, "-o", out, "-q", "--resume").exit_code == 0
    report = json.loads((out / "run.json").read_text())
    cached = {a["name"] for a in report["agents"] if a["status"] == "cached"}
    assert cached
    assert not any(a["on_critical_path"] for a in report["agents"] if a["name"] in cached)
    bars = [e for e in ET.parse(out / "timeline.svg").getroot().iter() if e.get("data-agent")]
    drawn = {b.get("data-agent"): b.get("class", "").split() for b in bars}
    for name in cached:
        assert drawn[name] == ["bar"], name
    assert report["started_at"] <= report["ended_at"]
