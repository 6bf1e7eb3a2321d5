"""`ucop plan` reads the knowledge base through its index, as `generate` does."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

from tests.helpers import BRIEF, EXAMPLE, run_cli
from ucop.sources.index import IndexView, list_indexes
from ucop.sources.index.store import read_meta
from ucop.sources.kb import kb_files, load_kb
from ucop.workflow.estimate import passage_tokens


def _plan() -> dict:
    result = run_cli("plan", "-i", BRIEF, "--json", "--provider", "openai", "--model", "gpt-4o")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["usage"]


def _parses(db: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(read_meta(conn)["parses"])
    finally:
        conn.close()


def test_plan_builds_the_index_once_and_then_parses_nothing(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("UCOP_CACHE_DIR", str(cache))
    first = _plan()
    (index,) = list_indexes(cache)
    documents = len(kb_files(EXAMPLE / "kb"))
    assert index.documents == documents and _parses(index.path) == documents
    assert _plan() == first
    assert _parses(index.path) == documents  # the second plan re-parsed no document


def test_the_index_gives_the_chunk_lengths_the_loader_gives(tmp_path):
    from ucop.sources.index import refresh

    kb = EXAMPLE / "kb"
    ref, _ = refresh(tmp_path / "cache", kb, EXAMPLE)
    view = IndexView(Path(ref["db"]), kb, EXAMPLE)
    try:
        lengths = view.text_lengths()
    finally:
        view.close()
    loaded = Counter(len(chunk["text"]) for chunk in load_kb(kb, EXAMPLE))
    assert lengths == dict(loaded) and sum(lengths.values()) > 10
    for keep in (400, 1200):
        mean = sum(min(n, keep) for n in loaded.elements()) / sum(loaded.values())
        assert passage_tokens(lengths, keep) == passage_tokens({int(mean): 1}, keep)
