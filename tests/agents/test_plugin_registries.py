"""Sources, sites and agents: plugins register through the same path as the built-ins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import copy_example, run_cli
from ucop.agents import AGENTS
from ucop.article import sites
from ucop.article.frontmatter import article_filename, front_matter
from ucop.brief import load_brief
from ucop.config import default_config_dir
from ucop.errors import WorkflowError
from ucop.sources import kinds
from ucop.workflow.spec import load_workflow


@pytest.fixture
def restored() -> Iterator[None]:
    saved = dict(kinds.KINDS), dict(sites.SITES)
    yield
    kinds.KINDS.clear()
    kinds.KINDS.update(saved[0])
    sites.SITES.clear()
    sites.SITES.update(saved[1])


def _notes(path: Path, base: Path) -> list[dict]:
    """A toy source plugin: each .txt file is one passage."""
    return [
        {
            "id": f"notes:{file.name}",
            "kind": "notes",
            "source": str(file.relative_to(base)),
            "title": file.stem,
            "heading": file.stem,
            "level": 1,
            "text": file.read_text(),
            "code_blocks": [],
        }
        for file in sorted(path.glob("*.txt"))
    ]


def test_builtin_kinds_sites_and_agents_come_from_entry_points():
    assert kinds.available()[:3] == ["kb", "api", "blog"]
    assert {"plain", "hugo", "jekyll", "astro", "mkdocs"} <= set(sites.available())
    assert len(AGENTS) >= 10 and AGENTS["assembly"].reads["outline"] == "outline_planner"


def test_a_source_plugin_feeds_the_knowledge_base(tmp_path, restored):
    kinds.register(kinds.SourceKind("notes", load=_notes, description="plain-text notes"))
    brief = copy_example(tmp_path)
    notes = brief.parent / "notes"
    notes.mkdir()
    (notes / "webhook-retries.txt").write_text(
        "The Lumen pigeon relay forwards webhook deliveries to offline receivers by carrier pigeon."
    )
    text = brief.read_text().replace("sources:\n", "sources:\n  notes: notes/\n", 1)
    # a required section on what only the plugin's notes say, so the plan must draw on them
    brief.write_text(text + "\n## The pigeon relay\nOffline receivers.\n")
    assert load_brief(brief).sources["notes"] == notes
    out = tmp_path / "out"
    result = run_cli("generate", "-i", brief, "-o", out, "-q")
    assert result.exit_code == 0, result.stderr
    article = next(out.glob("*.md")).read_text()
    assert "forwards webhook deliveries to offline receivers by carrier pigeon" in article
    assert "notes/webhook-retries.txt" in article  # cited in the Sources list


def test_an_unknown_source_kind_lists_the_plugin_ones_too(tmp_path, restored):
    kinds.register(kinds.SourceKind("notes", load=_notes))
    brief = copy_example(tmp_path)
    brief.write_text(brief.read_text().replace("sources:\n", "sources:\n  wiki: kb/\n", 1))
    result = run_cli("plan", "-i", brief)
    assert result.exit_code == 2
    assert "(use kb, api, blog, notes)" in result.stderr


def test_a_site_plugin_shapes_front_matter_and_file_name(restored):
    def ghost(data: dict, day: dt.date) -> dict:
        date = data.pop("date")
        return {**data, "status": "draft", "published_at": date}

    sites.register(sites.SiteProfile("ghost", ghost, dated_filename=True))
    day = dt.date(2026, 3, 4)
    data = front_matter(
        title="T", description="D", day=day, tags=["a"], slug="t", sources=[], site="ghost"
    )
    assert data["published_at"] == day and "date" not in data  # a date: YAML writes it bare
    assert list(data)[-1] == "published_at"
    assert article_filename("t", day, "ghost") == "2026-03-04-t.md"
    assert article_filename("t", day, None) == "t.md"


def test_builtin_site_profiles_keep_their_exact_key_order():
    day = dt.date(2026, 1, 2)

    def keys(site):
        return list(
            front_matter(
                title="T",
                description="D",
                day=day,
                tags=["x", "y"],
                slug="s",
                sources=["k"],
                site=site,
            )
        )

    neutral = ["title", "description", "date", "tags", "slug", "draft", "sources"]
    assert keys(None) == keys("plain") == neutral
    assert keys("hugo") == ["title", "description", "date", "lastmod", *neutral[3:]]
    assert keys("jekyll") == [
        "title",
        "description",
        "layout",
        "date",
        "tags",
        "slug",
        "draft",
        "published",
        "sources",
    ]
    assert keys("astro") == ["title", "description", "pubDate", *neutral[3:]]
    assert keys("mkdocs") == [*neutral[:4], "categories", *neutral[4:]]


def test_a_renamed_step_fails_at_load_naming_the_reader(tmp_path):
    text = (default_config_dir() / "workflow.yaml").read_text()
    path = tmp_path / "wf.yaml"
    # the step is renamed (its agent kind kept) and its dependents follow, but the
    # validation agent still reads 'code_generation'
    renamed = text.replace("code_generation", "codegen")
    path.write_text(
        renamed.replace("- name: codegen\n", "- name: codegen\n    agent: code_generation\n")
    )
    with pytest.raises(WorkflowError) as caught:
        load_workflow(path, AGENTS)
    message = str(caught.value)
    assert "agent 'code_validation' reads the output of 'code_generation'" in message
    assert "\n" not in message


def test_the_shipped_workflow_satisfies_every_agents_reads():
    workflow = load_workflow(default_config_dir() / "workflow.yaml", AGENTS)
    for step in workflow.agents:
        assert set(AGENTS[step.kind].reads.values()) <= set(step.depends_on), step.name


def test_an_unknown_site_is_a_usage_error_not_plain_markdown():
    from ucop.errors import UsageError

    day = dt.date(2026, 3, 4)
    with pytest.raises(UsageError) as caught:
        article_filename("t", day, "wordpress")
    assert caught.value.exit_code == 2
    assert str(caught.value) == (
        "unknown site 'wordpress' - choose one of: astro, hugo, jekyll, mkdocs, plain"
    )
    with pytest.raises(UsageError, match="unknown site 'wordpres'"):
        front_matter(
            title="T", description="D", day=day, tags=[], slug="t", sources=[], site="wordpres"
        )


def test_every_registry_answers_an_unknown_name_the_same_way():
    """Providers, source kinds, sites, agents and executors: one line, exit 2, the choices."""
    from ucop.article.sites import REGISTRY as SITES
    from ucop.batch.runner import SESSIONS
    from ucop.errors import UsageError
    from ucop.providers import REGISTRY as PROVIDERS
    from ucop.sources.kinds import REGISTRY as KINDS

    expected = [
        (PROVIDERS, "provider", "offline"),
        (KINDS, "source kind", "kb, api, blog"),
        (SITES, "site", "jekyll"),
        (AGENTS, "agent", "assembly"),
        (SESSIONS, "executor", "threads, processes, dask, dask-processes"),
    ]
    for registry, noun, listed in expected:
        assert "nope" not in registry and registry.find("nope") is None
        with pytest.raises(UsageError) as caught:
            registry["nope"]
        message = str(caught.value)
        assert message.startswith(f"unknown {noun} 'nope' - choose one of: "), message
        assert listed in message and "\n" not in message
        assert caught.value.exit_code == 2
        assert registry.get("nope") is None  # still a Mapping: the error is a KeyError too
    assert len({registry.group for registry, _, _ in expected}) == 5
