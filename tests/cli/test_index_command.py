"""`ucop index`: build ahead of a run, refresh cheaply, and the limits a source folder has."""

from __future__ import annotations

import json

from tests.helpers import copy_example, run_cli


def test_index_builds_then_refreshes_and_generate_reuses_it(tmp_path, monkeypatch):
    monkeypatch.setenv("UCOP_CACHE_DIR", str(tmp_path / "cache"))
    brief = copy_example(tmp_path)
    kb = brief.parent / "kb"
    first = run_cli("index", kb, "--json")
    assert first.exit_code == 0, first.stderr
    (built,) = json.loads(first.stdout)
    assert (built["documents"], built["parsed"], built["rebuilt"]) == (8, 8, True)
    text = run_cli("index", kb).stdout
    assert "refreshed in" in text and "8 documents (0 parsed, 8 unchanged, 0 removed)" in text
    assert run_cli("generate", "-i", brief, "-o", tmp_path / "out", "-q").exit_code == 0
    (after,) = json.loads(run_cli("index", kb, "--json").stdout)
    assert (after["parses"], after["parsed"], after["index"]) == (8, 0, built["index"])


def test_index_of_a_missing_folder_is_exit_2(tmp_path):
    result = run_cli("index", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "nowhere: not found" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "empty").mkdir()
    result = run_cli("index", tmp_path / "empty")
    assert result.exit_code == 2 and "empty: no documents found" in result.stderr


def test_a_source_folder_over_the_size_cap_is_exit_2_with_the_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("UCOP_SOURCE_LIMIT_MB", "0.01")
    brief = copy_example(tmp_path)
    (brief.parent / "kb" / "big.md").write_text("# Big\n\n" + "words and more words\n" * 1000)
    result = run_cli("generate", "-i", brief, "-o", tmp_path / "out", "-q")
    assert result.exit_code == 2, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert "sources.kb:" in line and "holds 9 files" in line
    assert "KB in all, over the 10.2 KB limit" in line and "UCOP_SOURCE_LIMIT_MB" in line
    assert not (tmp_path / "out").exists()


def test_a_blog_over_the_size_cap_is_exit_2(tmp_path, monkeypatch):
    brief = copy_example(tmp_path)
    kb_bytes = sum(p.stat().st_size for p in (brief.parent / "kb").glob("*.md"))
    monkeypatch.setenv("UCOP_SOURCE_LIMIT_MB", str(kb_bytes * 1.5 / 2**20))
    (brief.parent / "blog" / "long.md").write_text("# Long\n\n" + "a post\n" * kb_bytes)
    result = run_cli("generate", "-i", brief, "-o", tmp_path / "out", "-q")
    assert result.exit_code == 2 and "sources.blog:" in result.stderr, result.stderr
