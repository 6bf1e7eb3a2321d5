"""The knowledge-base index: built once, refreshed by what changed, rebuilt when not whole."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE
from ucop.errors import SourceError
from ucop.sources.index import IndexView, list_indexes, refresh
from ucop.sources.kb import load_kb

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    folder = tmp_path / "docs" / "kb"
    shutil.copytree(EXAMPLE / "kb", folder)
    return folder


def _build(cache: Path, kb: Path, base: Path | None = None):
    return refresh(cache, kb, base or kb.parent)


def test_first_build_parses_every_document_and_a_rerun_none(tmp_path, kb):
    documents = len(list(kb.glob("*.md")))
    ref, first = _build(tmp_path / "cache", kb)
    assert (first.rebuilt, first.parsed, first.documents) == (True, documents, documents)
    assert first.chunks == len(load_kb(kb, kb.parent)) == ref["chunks"]
    _, again = _build(tmp_path / "cache", kb)
    assert (again.rebuilt, again.parsed, again.hashed, again.parses) == (False, 0, 0, documents)


def test_one_changed_file_is_the_only_one_parsed(tmp_path, kb):
    ref, first = _build(tmp_path / "cache", kb)
    page = kb / "webhooks.md"
    page.write_text(page.read_text() + "\n## Zebra crossings\n\nStripes everywhere.\n")
    ref2, stats = _build(tmp_path / "cache", kb)
    assert (stats.parsed, stats.hashed, stats.parses) == (1, 1, first.parses + 1)
    assert ref2["digest"] != ref["digest"]
    view = IndexView(Path(ref2["db"]), kb, kb.parent)
    assert view.get("kb:kb/webhooks.md#zebra-crossings")["text"] == "Stripes everywhere."


def test_a_touched_file_is_hashed_not_parsed(tmp_path, kb):
    ref, first = _build(tmp_path / "cache", kb)
    page = kb / "webhooks.md"
    os.utime(page, ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    ref2, stats = _build(tmp_path / "cache", kb)
    assert (stats.hashed, stats.parsed) == (1, 0)
    assert ref2["digest"] == ref["digest"]


def test_removed_and_added_files(tmp_path, kb):
    _, first = _build(tmp_path / "cache", kb)
    (kb / "webhooks.md").unlink()
    (kb / "new.md").write_text("# New page\n\nFresh words here.\n")
    ref, stats = _build(tmp_path / "cache", kb)
    assert (stats.removed, stats.parsed, stats.documents) == (1, 1, first.documents)
    view = IndexView(Path(ref["db"]), kb, kb.parent)
    assert view.get("kb:kb/webhooks.md#verifying-signatures") is None
    assert view.get("kb:kb/new.md#new-page") is not None
    assert not [c for c in view if c["source"] == "kb/webhooks.md"]


def test_ids_and_paths_follow_the_brief_that_reads_the_index(tmp_path, kb):
    """Built from one folder, read from another: the chunks `load_kb` gives each folder."""
    ref, _ = _build(tmp_path / "cache", kb, base=kb.parent)
    elsewhere = tmp_path / "briefs" / "deep"
    elsewhere.mkdir(parents=True)
    for base in (kb.parent, elsewhere, kb):
        view = IndexView(Path(ref["db"]), kb, base)
        expected = load_kb(kb, base)
        assert [(c["id"], c["source"]) for c in view] == [(c["id"], c["source"]) for c in expected]
        assert view.get(expected[3]["id"]) == expected[3]


def _db(cache: Path) -> Path:
    (found,) = list_indexes(cache)
    return Path(found.path)


def test_a_file_that_is_not_a_database_is_rebuilt(tmp_path, kb):
    _build(tmp_path / "cache", kb)
    db = _db(tmp_path / "cache")
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.write_bytes(b"this is not sqlite" * 100)
    assert list_indexes(tmp_path / "cache")[0].state == "damaged"
    _, stats = _build(tmp_path / "cache", kb)
    assert stats.rebuilt and stats.parsed == stats.documents > 0


@pytest.mark.parametrize(("key", "value"), [("state", "building"), ("format", "0")])
def test_a_half_built_or_older_index_is_never_trusted(tmp_path, kb, key, value):
    _build(tmp_path / "cache", kb)
    conn = sqlite3.connect(_db(tmp_path / "cache"))
    conn.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key))
    conn.commit()
    conn.close()
    _, stats = _build(tmp_path / "cache", kb)
    assert stats.rebuilt and stats.parsed == stats.documents


def test_a_build_killed_half_way_is_rebuilt(tmp_path):
    """A real `kill -9` while the index is being written: the next refresh starts again."""
    kb = tmp_path / "kb"
    kb.mkdir()
    words = (EXAMPLE / "kb" / "webhooks.md").read_text()
    for n in range(400):
        (kb / f"page-{n:03d}.md").write_text(f"# Page {n}\n\n{words}\n")
    cache = tmp_path / "cache"
    code = (
        "import sys; from pathlib import Path; from ucop.sources.index import refresh\n"
        "refresh(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[2]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "UCOP_INDEX_WORKERS": "1"}
    child = subprocess.Popen([sys.executable, "-c", code, str(cache), str(kb)], env=env)
    try:
        _wait_for_state(cache, "building", child)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert list_indexes(cache)[0].state == "building"
    _, stats = refresh(cache, kb, kb)
    assert stats.rebuilt and stats.parsed == stats.documents == 400


def _wait_for_state(cache: Path, state: str, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert child.poll() is None, "the build ended before it could be killed"
        found = list_indexes(cache)
        if found and found[0].state == state:
            return
        time.sleep(0.01)
    raise AssertionError(f"the index never reached state {state}")


def test_a_bad_page_fails_the_refresh_and_leaves_the_rest_whole(tmp_path, kb):
    _, first = _build(tmp_path / "cache", kb)
    (kb / "broken.md").write_text("---\ntitle: [unclosed\n---\n# Broken\n")
    with pytest.raises(SourceError, match="broken.md"):
        _build(tmp_path / "cache", kb)
    assert list_indexes(tmp_path / "cache")[0].state == "ready"
    (kb / "broken.md").unlink()
    _, stats = _build(tmp_path / "cache", kb)
    assert (stats.rebuilt, stats.parsed, stats.documents) == (False, 0, first.documents)


def test_threads_refreshing_one_new_folder_parse_it_once(tmp_path, kb):
    results = []

    def build() -> None:
        results.append(_build(tmp_path / "cache", kb)[1])

    threads = [threading.Thread(target=build) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(stats.parsed for stats in results) == [0] * 5 + [results[0].documents]
    assert max(stats.parses for stats in results) == results[0].documents


def test_the_total_size_cap_names_the_numbers(tmp_path, kb):
    with pytest.raises(
        SourceError, match=r"holds 8 files, \d+\.\d KB in all, over the 1000 bytes limit"
    ):
        refresh(tmp_path / "cache", kb, kb.parent, limit=1000)
    assert not list_indexes(tmp_path / "cache")


def test_new_files_in_old_and_new_folders_are_found(tmp_path, kb):
    _, first = _build(tmp_path / "cache", kb)
    (kb / "guides").mkdir()
    (kb / "guides" / "deep.md").write_text("# Deep\n\nNested page.\n")
    _, stats = _build(tmp_path / "cache", kb)
    assert (stats.parsed, stats.documents) == (1, first.documents + 1)
    (kb / "guides" / "second.md").write_text("# Second\n\nAnother nested page.\n")
    (kb / "webhooks.md").unlink()
    _, stats = _build(tmp_path / "cache", kb)
    assert (stats.parsed, stats.removed, stats.documents) == (1, 1, first.documents + 1)


def test_the_file_list_is_reused_while_no_folder_changes(tmp_path, kb):
    """The listing shortcut is taken: a file slipped in with its folder's mtime put back is not
    seen until the folder changes (the documented limit of directory mtimes)."""
    _build(tmp_path / "cache", kb)
    before = os.stat(kb)
    (kb / "sneaky.md").write_text("# Sneaky\n\nUnseen.\n")
    os.utime(kb, ns=(before.st_atime_ns, before.st_mtime_ns))
    _, stats = _build(tmp_path / "cache", kb)
    assert stats.parsed == 0 and stats.documents == 8
    os.utime(kb)
    _, stats = _build(tmp_path / "cache", kb)
    assert stats.parsed == 1 and stats.documents == 9


def test_walking_the_index_pages_through_it_in_document_order(tmp_path, kb, monkeypatch):
    from ucop.sources.index import view

    monkeypatch.setattr(view, "PAGE", 7)  # 44 chunks: seven pages, the last one short
    ref, _ = _build(tmp_path / "cache", kb)
    walked = [c["id"] for c in IndexView(Path(ref["db"]), kb, kb.parent)]
    assert walked == [c["id"] for c in load_kb(kb, kb.parent)] and len(walked) == 44
