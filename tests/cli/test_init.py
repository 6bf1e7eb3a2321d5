"""`ucop init`: an editable copy of the shipped config, workflow, prompts and an example."""

from __future__ import annotations

import json

from tests.helpers import run_cli
from ucop.config import default_config_dir, load_settings

PROMPTS = ["code_explanation.j2", "conclusion.j2", "introduction.j2", "outline.j2", "section.j2"]


def test_init_writes_the_config_prompts_and_an_example(tmp_path):
    target = tmp_path / "team"
    result = run_cli("init", target, "--json")
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["files"]
    assert len(files) == 10
    assert sorted(p.name for p in (target / "config" / "prompts").iterdir()) == PROMPTS
    shipped = default_config_dir()
    assert (target / "config" / "workflow.yaml").read_text() == (
        shipped / "workflow.yaml"
    ).read_text()
    assert (target / "brief.md").is_file() and (target / "kb" / "notes.md").is_file()


def test_the_copy_is_what_a_run_from_that_folder_uses(tmp_path, monkeypatch):
    run_cli("init", tmp_path)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, {}, {})
    assert settings.path == tmp_path / "config" / "main.yaml"
    assert settings.workflow_path() == tmp_path / "config" / "workflow.yaml"
    assert settings.prompt_folders()[0] == tmp_path / "config" / "prompts"


def test_init_refuses_to_overwrite_without_force(tmp_path):
    run_cli("init", tmp_path)
    brief = tmp_path / "brief.md"
    brief.write_text("my own brief")
    result = run_cli("init", tmp_path)
    assert result.exit_code == 2
    assert "already has config/main.yaml" in result.stderr
    assert "--force" in result.stderr
    assert brief.read_text() == "my own brief"
    result = run_cli("init", tmp_path, "--force")
    assert result.exit_code == 0
    assert brief.read_text().startswith("---\n")


def test_init_into_a_file_is_a_usage_error(tmp_path):
    file = tmp_path / "taken"
    file.write_text("x")
    result = run_cli("init", file)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "is a file" in result.stderr
