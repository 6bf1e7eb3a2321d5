"""Knowledge-base loading and chunking, on the bundled example and fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from ucop.errors import SourceError
from ucop.sources import load_kb
from ucop.sources.kb import MAX_CHUNK_CHARS

REPO = Path(__file__).resolve().parents[2]
LUMEN = REPO / "examples" / "lumen"
FIXTURES = REPO / "tests" / "fixtures" / "sources"


@pytest.fixture(scope="module")
def lumen_kb():
    return load_kb(LUMEN / "kb", LUMEN)


def test_lumen_kb_chunk_counts_per_document(lumen_kb):
    counts = {}
    for chunk in lumen_kb:
        counts[chunk["source"]] = counts.get(chunk["source"], 0) + 1
    assert counts == {
        "kb/authentication.md": 5,
        "kb/errors.md": 5,
        "kb/getting-started.md": 5,
        "kb/pagination.md": 5,
        "kb/projects.md": 5,
        "kb/rate-limits.md": 5,
        "kb/tasks.md": 7,
        "kb/webhooks.md": 7,
    }


def test_lumen_kb_chunks_have_the_contract_keys(lumen_kb):
    keys = {"id", "kind", "source", "title", "heading", "level", "text", "code_blocks", "markdown"}
    assert all(set(chunk) == keys for chunk in lumen_kb)
    assert {chunk["kind"] for chunk in lumen_kb} == {"kb"}
    assert len({chunk["id"] for chunk in lumen_kb}) == len(lumen_kb)


def test_heading_path_and_id_of_signature_section(lumen_kb):
    chunk = next(c for c in lumen_kb if c["id"] == "kb:kb/webhooks.md#verifying-signatures")
    assert chunk["title"] == "Webhooks > Verifying signatures"
    assert chunk["heading"] == "Verifying signatures"
    assert chunk["level"] == 2
    assert "HMAC-SHA256" in chunk["text"]
    assert "```" not in chunk["text"]
    assert [b["lang"] for b in chunk["code_blocks"]] == ["python"]
    assert "hmac.compare_digest" in chunk["code_blocks"][0]["code"]


def test_front_matter_title_names_the_doc_and_first_h1_is_not_repeated(lumen_kb):
    titles = [c["title"] for c in lumen_kb if c["source"] == "kb/getting-started.md"]
    assert titles[0] == "Getting started with the Lumen Tasks API"
    assert titles[1] == "Getting started with the Lumen Tasks API > Base URL and versioning"


def test_tables_and_links_stay_readable_markdown(lumen_kb):
    chunk = next(c for c in lumen_kb if c["id"] == "kb:kb/webhooks.md#events")
    assert "| `task.created` |" in chunk["text"]


def test_fixture_kb_walks_folders_skips_hidden_and_other_suffixes():
    chunks = load_kb(FIXTURES / "kb", FIXTURES)
    assert sorted({c["source"] for c in chunks}) == ["kb/handbook.md", "kb/nested/faq.txt"]


def test_long_section_is_split_on_paragraphs_with_numbered_ids():
    chunks = load_kb(FIXTURES / "kb" / "handbook.md", FIXTURES)
    ids = [c["id"] for c in chunks]
    assert ids == [
        "kb:kb/handbook.md#support-handbook",
        "kb:kb/handbook.md#field-notes",
        "kb:kb/handbook.md#field-notes-2",
        "kb:kb/handbook.md#setup",
        "kb:kb/handbook.md#setup-2",
    ]
    field = [c for c in chunks if c["heading"] == "Field notes"]
    assert all(len(c["text"]) <= MAX_CHUNK_CHARS for c in field)
    assert field[0]["text"].startswith("Field notes record")
    assert field[1]["text"].startswith("Reviewing notes")


def test_fences_nested_in_lists_move_to_code_blocks():
    chunks = load_kb(FIXTURES / "kb" / "handbook.md", FIXTURES)
    setup = next(c for c in chunks if c["id"] == "kb:kb/handbook.md#setup")
    assert setup["code_blocks"] == [{"lang": "bash", "code": "pip install acme-cli"}]
    assert "pip install" not in setup["text"]
    assert "Log in with `acme login`." in setup["text"]
    nested = next(c for c in chunks if c["id"] == "kb:kb/handbook.md#setup-2")
    assert nested["title"] == "Support handbook > Setup > Setup"
    assert nested["code_blocks"][0]["lang"] == ""


def test_doc_without_title_uses_file_stem():
    chunks = load_kb(FIXTURES / "kb" / "nested" / "faq.txt", FIXTURES)
    assert [c["title"] for c in chunks] == ["Faq", "Faq > Can I export my notes?"]


def test_relative_path_is_found_under_base():
    chunks = load_kb(Path("kb"), LUMEN)
    assert chunks[0]["source"] == "kb/authentication.md"


def test_missing_kb_says_how_to_fix(tmp_path):
    with pytest.raises(SourceError, match="not found — fix sources.kb in the brief"):
        load_kb(tmp_path / "missing", tmp_path)


def test_empty_kb_folder_is_an_error(tmp_path):
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "image.png").write_bytes(b"\x89PNG")
    with pytest.raises(SourceError, match=r"no documents found \(.md, .markdown, .txt, .rst"):
        load_kb(tmp_path / "kb", tmp_path)


def test_binary_document_is_reported_by_name(tmp_path):
    (tmp_path / "bad.md").write_bytes(b"# Title\x00\x01")
    with pytest.raises(SourceError, match="bad.md: looks binary"):
        load_kb(tmp_path, tmp_path)
