"""docs/ARCHITECTURE.md's "Adding an agent step", run as written: its module, its workflow step."""

from __future__ import annotations

import json
import re
import textwrap

import pytest

from tests.helpers import ROOT, copy_example, run_cli
from ucop.agents import AGENTS
from ucop.config import default_config_dir

DOC = ROOT / "docs" / "ARCHITECTURE.md"


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split("## Adding an agent step", 1)[1].split("\n## ", 1)[0]


def _agent_class() -> type:
    code = re.search(r"```python\n(.*?)```", _section(), re.DOTALL)
    assert code is not None
    namespace: dict = {"__name__": "ucop.agents.long_sections"}
    exec(compile(code.group(1), "ARCHITECTURE.md", "exec"), namespace)  # noqa: S102 - our doc
    return namespace["LongSections"]


def _workflow_step() -> str:
    diff = re.search(r"```diff\n(.*?)```", _section(), re.DOTALL)
    assert diff is not None
    after = diff.group(1).split("workflow.yaml", 1)[1]
    added = "".join(line[1:] + "\n" for line in after.splitlines() if line.startswith("+"))
    return textwrap.indent(textwrap.dedent(added), "  ")  # as the shipped file indents steps


@pytest.fixture
def with_the_step(tmp_path, monkeypatch):
    """The doc's agent registered (as its entry point would), and the workflow with its step."""
    agent = _agent_class()
    monkeypatch.setitem(AGENTS.registered, agent.name, agent)
    workflow = (default_config_dir() / "workflow.yaml").read_text() + _workflow_step()
    (tmp_path / "wf.yaml").write_text(workflow)
    (tmp_path / "main.yaml").write_text("workflows:\n  workflow: wf.yaml\n")
    return agent, tmp_path / "main.yaml"


def test_the_docs_step_runs_after_assembly_and_warns_per_long_section(tmp_path, with_the_step):
    agent, config = with_the_step
    limit = agent.max_words = 40  # a class attribute: lower than the example's sections
    out = tmp_path / "out"
    brief = copy_example(tmp_path)
    result = run_cli("generate", "-i", brief, "-o", out, "--config", config, "--progress", "quiet")
    assert result.exit_code == 0, result.stderr
    report = json.loads((out / "run.json").read_text())
    step = next(a for a in report["agents"] if a["name"] == "long_sections")
    assert step["status"] == "done" and step["depends_on"] == ["assembly"]
    assert report["agents"][-1]["name"] == "long_sections"  # it ran last, after the article
    warned = [w for w in report["warnings"] if w["kind"] == "long_section"]
    article = (out / report["article"]).read_text()
    long = {
        title: len(body.split())
        for title, _, body in (p.partition("\n") for p in article.split("\n## ")[1:])
        if title != "Sources" and len(body.split()) > limit
    }
    assert 0 < len(long) <= 6
    assert [w["message"] for w in warned] == [
        f"'{title}' has {words} words: consider splitting it" for title, words in long.items()
    ]
    assert {w["agent"] for w in warned} == {"long_sections"}


def test_the_docs_step_is_one_workflow_entry_the_loader_accepts(with_the_step):
    from ucop.workflow.spec import load_workflow

    agent, config = with_the_step
    workflow = load_workflow(config.parent / "wf.yaml", AGENTS)
    step = workflow.agents[-1]
    assert (step.name, step.kind, step.depends_on) == ("long_sections", agent.name, ["assembly"])
