"""`batch` takes `generate`'s run flags from one definition; `verify DIR` reads a batch folder."""

from __future__ import annotations

import json
import shutil

import typer.main

from tests.helpers import EXAMPLE, run_cli
from ucop.cli import app


def options(command: str) -> set[str]:
    click_app = typer.main.get_command(app)
    params = click_app.commands[command].params  # type: ignore[attr-defined]
    return {opt for p in params for opt in (*p.opts, *p.secondary_opts)}


def test_batch_takes_every_run_flag_of_generate():
    only_generate = options("generate") - options("batch")
    assert only_generate == {"--input", "-i"}
    for flag in (
        "--site",
        "--timeout",
        "--retries",
        "--deadline",
        "--sequential",
        "--fail-fast",
        "--record",
        "--replay",
        "--progress",
        "-q",
    ):
        assert flag in options("batch"), flag


def test_batch_help_names_its_argument_without_braces():
    result = run_cli("batch", "-h")
    assert "ucop batch [OPTIONS] BRIEFS" in result.stdout and "{" not in result.stdout


def briefs(tmp_path):
    folder = tmp_path / "briefs"
    shutil.copytree(EXAMPLE, folder)
    shutil.copy(folder / "brief.md", folder / "second.md")
    return folder


def test_run_flags_reach_every_article_and_verify_checks_each(tmp_path):
    out = tmp_path / "out"
    result = run_cli(
        "batch",
        briefs(tmp_path),
        "-o",
        out,
        "--site",
        "hugo",
        "--sequential",
        "--timeout",
        "30",
        "-q",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    paths = result.stdout.split()
    assert [p.split("/")[-2] for p in paths] == ["brief", "second"]
    for name in ("brief", "second"):
        report = json.loads((out / name / "run.json").read_text())
        assert report["mode"] == "sequential"
        article = (out / name / report["article"]).read_text()
        assert "\nslug: " in article  # hugo's front matter
    checked = run_cli("verify", out)
    assert checked.exit_code == 0, checked.stdout
    assert "✓ brief: article found" in checked.stdout
    assert "✓ second: article found" in checked.stdout


def test_verify_on_a_missing_folder_is_a_usage_error(tmp_path):
    result = run_cli("verify", tmp_path / "nowhere")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "does not exist" in result.stderr


def test_output_dash_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for command in (["generate", "-i", str(EXAMPLE / "brief.md")], ["batch", str(EXAMPLE)]):
        result = run_cli(*command, "-o", "-")
        assert result.exit_code == 2 and "--output -" in result.stderr, command
    assert not (tmp_path / "-").exists()
