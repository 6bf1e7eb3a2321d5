"""Agents read their inputs by role; a workflow may bind a role to a step of another name."""

from __future__ import annotations

import json

from tests.helpers import copy_example, run_cli
from ucop.agents import AGENTS, Agent
from ucop.workflow.spec import bindings, parse_workflow

# The shipped workflow with the outline step called `planner` and the conclusion `wrap_up`:
# every reader of those two roles is bound to the new names.
RENAMED = """
name: renamed
agents:
  - {name: kb_ingestion}
  - {name: api_ingestion}
  - {name: blog_ingestion}
  - name: planner
    agent: outline_planner
    depends_on: [kb_ingestion, api_ingestion, blog_ingestion]
  - name: introduction_writer
    depends_on: [planner, kb_ingestion, blog_ingestion]
    reads: {outline: planner}
  - name: section_writer
    depends_on: [planner, kb_ingestion, api_ingestion, blog_ingestion]
    reads: {outline: planner}
    fan_out: true
  - name: code_generation
    depends_on: [planner, api_ingestion]
    reads: {outline: planner}
  - name: code_validation
    depends_on: [code_generation, api_ingestion]
  - name: wrap_up
    agent: conclusion_writer
    depends_on: [planner, section_writer, blog_ingestion]
    reads: {outline: planner}
  - name: assembly
    depends_on: [planner, introduction_writer, section_writer, wrap_up, code_generation,
                 code_validation, kb_ingestion, api_ingestion, blog_ingestion]
    reads: {outline: planner, conclusion: wrap_up}
"""


def test_a_binding_overrides_only_the_roles_it_names():
    import yaml

    workflow = parse_workflow(yaml.safe_load(RENAMED), known_agents=AGENTS)
    step = {s.name: s for s in workflow.agents}["assembly"]
    bound = bindings(step, AGENTS["assembly"])
    assert bound["outline"] == "planner" and bound["conclusion"] == "wrap_up"
    assert bound["intro"] == "introduction_writer"  # the agent's default
    assert list(bound) == list(AGENTS["assembly"].reads)  # the same roles, in their order


def test_a_run_reads_the_rebound_steps(tmp_path):
    (tmp_path / "wf.yaml").write_text(RENAMED)
    config = tmp_path / "main.yaml"
    config.write_text("workflows:\n  workflow: wf.yaml\n")
    brief, out = copy_example(tmp_path), tmp_path / "out"
    result = run_cli("generate", "-i", brief, "-o", out, "--config", config, "--progress", "quiet")
    assert result.exit_code == 0, result.stderr
    report = json.loads((out / "run.json").read_text())
    ran = {a["name"]: a for a in report["agents"]}
    assert {"planner", "wrap_up"} <= set(ran) and "outline_planner" not in ran
    assert ran["assembly"]["depends_on"][:1] == ["planner"]
    body = (out / report["article"]).read_text().split("---\n", 2)[2]
    # the sections came from the planner's outline, the closing part from wrap_up
    headings = [line for line in body.splitlines() if line.startswith("## ")]
    assert len(headings) == 4 + 2  # the brief's 4 sections, "Wrapping up", "Sources"
    assert headings[-2:] == ["## Wrapping up", "## Sources"]
    assert report["status"] == "ok" and report.get("failed_parts") == []


class _BrokenConclusion(Agent):
    """A conclusion writer that always fails (the run goes on: assembly tolerates it)."""

    name = "broken_conclusion"
    reads = {"outline": "outline_planner"}

    def run(self, ctx, services):
        raise RuntimeError("no conclusion today")


def test_a_missing_part_is_named_after_the_step_bound_to_its_role(tmp_path, monkeypatch):
    monkeypatch.setitem(AGENTS.registered, _BrokenConclusion.name, _BrokenConclusion)
    workflow = RENAMED.replace("agent: conclusion_writer", "agent: broken_conclusion")
    workflow += "    optional: [wrap_up]\n"  # assembly runs without it
    (tmp_path / "wf.yaml").write_text(workflow)
    config = tmp_path / "main.yaml"
    config.write_text("workflows:\n  workflow: wf.yaml\n")
    brief, out = copy_example(tmp_path), tmp_path / "out"
    result = run_cli("generate", "-i", brief, "-o", out, "--config", config, "--progress", "quiet")
    assert result.exit_code == 1, result.stderr
    report = json.loads((out / "run.json").read_text())
    assert report["status"] == "partial"
    assert report["failed_parts"] == ["wrap_up"]  # not the default step, conclusion_writer
    assert "## Wrapping up" not in (out / report["article"]).read_text()
