"""A large knowledge base is indexed lazily: documents parsed when a search first picks them."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from ucop.sources import Retriever
from ucop.sources.index import IndexView, refresh
from ucop.sources.index.build import EAGER_DOCS

DOCS = EAGER_DOCS + 20


def _page(n: int) -> str:
    body = f"Topic {n} explains widget{n} configuration and the gadget_{n} option in detail."
    return f"# Page {n}\n\nIntro words for page {n}.\n\n## Setting up widget{n}\n\n{body}\n"


@pytest.fixture()
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    for n in range(DOCS):
        (folder / f"page{n:04d}.md").write_text(_page(n), encoding="utf-8")
    return folder


def _facts(db: str) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        parsed, chunks = conn.execute(
            "SELECT coalesce(sum(parsed), 0), coalesce(sum(chunks), 0) FROM files"
        ).fetchone()
        rows, ids = conn.execute("SELECT count(*), count(DISTINCT cid) FROM chunks").fetchone()
    finally:
        conn.close()
    return {
        "parsed": parsed,
        "chunks": chunks,
        "rows": rows,
        "ids": ids,
        "parses": int(meta["parses"]),
        "lazy": int(meta.get("lazy", "0")),
    }


def test_a_large_kb_is_built_without_parsing_and_searches_parse_only_the_top(tmp_path, kb):
    ref, stats = refresh(tmp_path / "cache", kb, tmp_path)
    assert (stats.documents, stats.parsed, stats.chunks) == (DOCS, 0, 0)
    assert _facts(ref["db"])["lazy"] == 1
    view = IndexView(Path(ref["db"]), kb, tmp_path)
    retriever = Retriever(store=view)
    hits = retriever.search("gadget_123 configuration", k=3)
    assert hits[0][0]["source"] == "kb/page0123.md"
    facts = _facts(ref["db"])
    assert 1 <= facts["parsed"] <= 64 < DOCS
    assert facts["rows"] == facts["chunks"] == facts["ids"] > 0
    assert facts["parses"] == facts["parsed"]
    assert [c["heading"] for c in retriever.page("kb/page0400.md")][-1] == "Setting up widget400"
    view.close()


def test_a_changed_file_drops_its_chunks_and_is_parsed_again_when_picked(tmp_path, kb):
    cache = tmp_path / "cache"
    ref, _ = refresh(cache, kb, tmp_path)
    view = IndexView(Path(ref["db"]), kb, tmp_path)
    assert Retriever(store=view).search("gadget_7", k=1)[0][0]["source"] == "kb/page0007.md"
    view.close()
    before = _facts(ref["db"])
    (kb / "page0007.md").write_text(_page(7) + "\nNow also about sprockets.\n", encoding="utf-8")
    ref, stats = refresh(cache, kb, tmp_path)
    assert (stats.hashed, stats.parsed) == (1, 0)
    after = _facts(ref["db"])
    assert after["parsed"] == before["parsed"] - 1 and after["rows"] < before["rows"]
    view = IndexView(Path(ref["db"]), kb, tmp_path)
    hit = Retriever(store=view).search("sprockets", k=1)[0][0]
    assert hit["source"] == "kb/page0007.md" and "sprockets" in hit["text"]
    assert _facts(ref["db"])["parses"] == before["parses"] + 1
    view.close()


def test_full_parses_everything_and_stays_full(tmp_path, kb):
    cache = tmp_path / "cache"
    refresh(cache, kb, tmp_path)
    ref, stats = refresh(cache, kb, tmp_path, full=True)
    assert stats.parsed == DOCS and _facts(ref["db"])["lazy"] == 0
    ref, stats = refresh(cache, kb, tmp_path)
    assert stats.parsed == 0 and _facts(ref["db"])["lazy"] == 0
    view = IndexView(Path(ref["db"]), kb, tmp_path)
    assert len(view) == _facts(ref["db"])["chunks"] == 2 * DOCS
    view.close()


def test_a_chunk_id_from_an_unparsed_document_is_found(tmp_path, kb):
    ref, _ = refresh(tmp_path / "cache", kb, tmp_path)
    view = IndexView(Path(ref["db"]), kb, tmp_path)
    chunk = view.get("kb:kb/page0300.md#setting-up-widget300")
    assert chunk is not None and chunk["heading"] == "Setting up widget300"
    assert view.get("kb:kb/page0300.md#no-such-section") is None
    assert _facts(ref["db"])["parsed"] == 1
    view.close()


def _search_all(db: str, kb: str, base: str, queries: list[str]) -> int:
    view = IndexView(Path(db), Path(kb), Path(base))
    found = sum(len(view.candidates(q.split(), 50)) for q in queries)
    view.close()
    return found


def test_two_processes_parsing_at_once_store_each_document_once(tmp_path, kb):
    ref, _ = refresh(tmp_path / "cache", kb, tmp_path)
    queries = [f"widget{n} gadget_{n}" for n in range(0, DOCS, 7)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        args = [
            (ref["db"], str(kb), str(tmp_path), queries),
            (ref["db"], str(kb), str(tmp_path), queries[::-1]),
        ]
        found = pool.starmap(_search_all, args)
    assert found[0] == found[1] > 0
    facts = _facts(ref["db"])
    assert facts["rows"] == facts["ids"] == facts["chunks"] == 2 * facts["parsed"]
    assert facts["parses"] == facts["parsed"] >= len(queries)


def test_ucop_index_says_what_waits_and_full_parses_it(tmp_path, kb, monkeypatch):
    from tests.helpers import run_cli

    monkeypatch.setenv("UCOP_CACHE_DIR", str(tmp_path / "cache"))
    first = run_cli("index", str(kb))
    assert first.exit_code == 0, first.stderr
    assert f"(0 parsed, 0 unchanged, 0 removed, {DOCS} to parse when" in first.stdout
    full = run_cli("index", "--full", "--json", str(kb))
    assert full.exit_code == 0, full.stderr
    (stats,) = json.loads(full.stdout)
    assert (stats["parsed"], stats["unparsed"], stats["chunks"]) == (DOCS, 0, 2 * DOCS)


def test_text_lengths_of_a_lazy_index_count_every_section(tmp_path, kb):
    ref, _ = refresh(tmp_path / "cache", kb, tmp_path)
    view = IndexView(Path(ref["db"]), kb, tmp_path)
    lengths = view.text_lengths()
    view.close()
    assert sum(lengths.values()) == 2 * DOCS  # each page: its title section and one more
    assert min(lengths) > len("Setting up widget0")


def test_a_binary_document_stops_a_lazy_build_as_it_stops_a_full_one(tmp_path, kb):
    from ucop.errors import SourceError

    (kb / "page0009.md").write_bytes(b"# Nine\n\x00\x01 binary\n")
    with pytest.raises(SourceError, match=r"page0009\.md: looks binary"):
        refresh(tmp_path / "cache", kb, tmp_path)
    (kb / "page0009.md").write_bytes(b"# Nine\n\xff\xfe not UTF-8\n")
    with pytest.raises(SourceError, match=r"page0009\.md: line 2 is not valid UTF-8"):
        refresh(tmp_path / "cache", kb, tmp_path)
