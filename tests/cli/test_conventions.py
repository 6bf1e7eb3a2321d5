"""CLI conventions: stdin brief, data on stdout and progress on stderr, -q, --json, slugs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import copy_example, run_cli
from ucop.brief import slugify
from ucop.cli import app

ARTICLE = "sync-tasks-in-real-time-with-lumen-webhooks.md"


def test_brief_from_stdin_with_sources_relative_to_the_working_folder(tmp_path, monkeypatch):
    brief = copy_example(tmp_path)
    monkeypatch.chdir(brief.parent)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["generate", "-i", "-", "-o", str(out), "-q"], input=brief.read_bytes()
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{out / ARTICLE}\n"


def test_stdin_brief_with_sources_elsewhere_names_the_working_folder(tmp_path, monkeypatch):
    brief = copy_example(tmp_path)
    monkeypatch.chdir(tmp_path)  # kb/ is in example/, not here
    result = CliRunner().invoke(
        app, ["plan", "-i", "-"], input=brief.read_bytes(), catch_exceptions=False
    )
    assert result.exit_code == 2
    assert "relative to the working folder" in result.stderr


def test_stdout_is_the_article_path_and_progress_goes_to_stderr(tmp_path):
    out = tmp_path / "out"
    result = run_cli("generate", "-i", copy_example(tmp_path), "-o", out, "--progress", "plain")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [str(out / ARTICLE)]
    assert "Run summary" in result.stderr and "Settings" in result.stderr


def test_quiet_prints_only_the_result(tmp_path):
    out = tmp_path / "out"
    result = run_cli("generate", "-i", copy_example(tmp_path), "-o", out, "-q")
    assert result.exit_code == 0
    assert result.stdout == f"{out / ARTICLE}\n"
    assert result.stderr == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["verify", "--json"],
        ["plan", "-i", "{brief}", "--json"],
        ["init", "{tmp}/starter", "--json"],
    ],
)
def test_reporting_commands_print_json(tmp_path, argv):
    brief = copy_example(tmp_path)
    args = [a.format(brief=brief, tmp=tmp_path) for a in argv]
    result = run_cli(*args)
    assert result.exit_code == 0, result.stderr
    assert isinstance(json.loads(result.stdout), dict)


def test_verify_json_lists_every_check():
    data = json.loads(run_cli("verify", "--json").stdout)
    assert data["ok"] is True
    assert [c["name"] for c in data["checks"]][:2] == [
        "config is valid",
        "workflow is a DAG of registered agents",
    ]
    assert all(c["ok"] for c in data["checks"]) and len(data["checks"]) == 5


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Café für Entwickler", "cafe-fur-entwickler"),
        ("Ångström & Œuvre: naïve façade", "angstrom-oeuvre-naive-facade"),
        ("Привет, мир", "privet-mir"),
        ("Plain ASCII title", "plain-ascii-title"),
        ("../../etc/passwd", "etc-passwd"),
        ("🙂", "slight-smile"),
        ("", "article"),
    ],
)
def test_slugs_transliterate_non_ascii_titles(title, slug):
    assert slugify(title) == slug


def test_generate_names_the_article_by_its_transliterated_title(tmp_path):
    brief = copy_example(tmp_path)
    text = brief.read_text().replace(
        'title: "Sync tasks in real time with Lumen webhooks"', 'title: "Café für Entwickler"'
    )
    brief.write_text(text)
    out = tmp_path / "out"
    result = run_cli("generate", "-i", brief, "-o", out, "-q")
    assert result.exit_code == 0, result.stderr
    assert Path(result.stdout.strip()).name == "cafe-fur-entwickler.md"
