"""Tiny or unrelated knowledge bases still give an article: a section, or an honest note."""

from __future__ import annotations

import json

from tests.helpers import run_cli

PAGE = (
    "# Lifespan\n\nStartup and shutdown of the app are handled by a lifespan function.\n\n"
    "```python\nimport contextlib\n\n\n@contextlib.asynccontextmanager\n"
    "async def lifespan(app):\n    yield\n```\n"
)


def _generate(tmp_path, title: str, body: str):
    (tmp_path / "kb").mkdir(exist_ok=True)
    (tmp_path / "kb" / "lifespan.md").write_text(PAGE)
    brief = tmp_path / "brief.md"
    brief.write_text(f"---\ntitle: {title}\nsources:\n  kb: kb/\n---\n{body}\n")
    out = tmp_path / "out"
    result = run_cli("generate", "-i", brief, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    report = json.loads((out / "run.json").read_text())
    return report, (out / report["article"]).read_text()


def test_a_one_page_knowledge_base_is_found(tmp_path):
    report, body = _generate(tmp_path, "Lifespan", "Show the lifespan.")
    assert "## The lifespan" in body
    assert "@contextlib.asynccontextmanager" in body  # the page's own code, carried over
    assert report["warnings"] == []


def test_sources_that_match_nothing_give_a_noted_section_not_a_failure(tmp_path):
    report, body = _generate(tmp_path, "Redis counters", "Show how to store counters in Redis.")
    assert report["status"] == "ok"
    assert "## Redis counters" in body and "> **Not covered by the sources:**" in body
    assert "contextlib" not in body  # no unrelated filler
    assert {w["kind"] for w in report["warnings"]} >= {"uncovered_section"}
