"""The index file: one SQLite database per knowledge-base folder, its schema and its locks.

The database lives in `<cache>/index/<key>/index.sqlite`, where the key hashes the folder's
resolved path and public URL (both change what a chunk holds). It is opened in WAL mode, so
the articles of a batch (threads, processes, in-process Dask workers) read it together while
at most one of them, holding `build.lock`, updates it.

Nothing in it is trusted blindly: a file that is not a database, a schema of another format
version, or a `state` left at `building` (a build killed half-way) makes `open_for_build`
delete it and start again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

SCHEMA_VERSION = "3"  # bump when the schema changes
# What a stored chunk holds depends on the loaders' code as much as on the schema: an index
# built by another version of them (an upgrade, a checkout switched) is rebuilt, not trusted.
PARSERS = (
    "kb",
    "formats",
    "chunking",
    "markup",
    "mdblocks",
    "mdscan",
    "mdwrite",
    "rst",
    "sphinx",
    "notebook",
    "html",
    "frontmatter",
    "text",
    "words",
)


def _fingerprint() -> str:
    digest = hashlib.sha256(SCHEMA_VERSION.encode())
    folder = Path(__file__).resolve().parents[1]
    for name in PARSERS:
        digest.update((folder / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


FORMAT = f"{SCHEMA_VERSION}-{_fingerprint()}"
DB_NAME = "index.sqlite"
LOCK_NAME = "build.lock"
FOLDER = "index"
# The `terms` column holds tokenize()'s output joined by spaces; FTS5's ascii tokenizer with
# every ASCII punctuation mark as a token character splits it at the spaces only, so FTS5
# and the planner agree on what a word is (`page_size`, `x-api-key`, `/tasks` stay whole).
_TOKENCHARS = "!#$%&()*+,-./:;<=>?@[\\]^_`{|}~"
# Every document's raw text, rowid = its `files` rowid, under FTS5's own C tokenizer: what a
# lazy index (a large knowledge base) searches first, to choose the documents worth parsing.
# No token characters: `iter_bytes` is the phrase "iter byte", so a query for the identifier
# and one for its parts (which `tokenize` also gives) both match it.
_DOC_TOKENIZER = "porter unicode61"
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files(
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    sha TEXT NOT NULL, chunks INTEGER NOT NULL, parsed INTEGER NOT NULL DEFAULT 1);
CREATE TABLE IF NOT EXISTS chunks(
    rowid INTEGER PRIMARY KEY, file TEXT NOT NULL, ord INTEGER NOT NULL, cid TEXT NOT NULL,
    n INTEGER NOT NULL, chars INTEGER NOT NULL, data TEXT NOT NULL, terms TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_file ON chunks(file, ord);
CREATE INDEX IF NOT EXISTS chunks_chars ON chunks(chars);
CREATE INDEX IF NOT EXISTS chunks_cid ON chunks(cid);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    terms, content='chunks', content_rowid='rowid', tokenize="ascii tokenchars '{_TOKENCHARS}'");
CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab(fts, 'row');
CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(head, body, tokenize="{_DOC_TOKENIZER}");
CREATE VIRTUAL TABLE IF NOT EXISTS dvocab USING fts5vocab(docs, 'row');
"""
_THREAD_LOCKS: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


def index_dir(cache_dir: Path, root: Path, url: str | None) -> Path:
    """The folder holding the index of `root` (as published at `url`) under `cache_dir`."""
    key = f"{root.resolve()}\0{url or ''}"
    return cache_dir / FOLDER / hashlib.sha256(key.encode()).hexdigest()[:20]


def connect(db: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection shared by the threads of one run (callers serialise their queries)."""
    uri = f"file:{db}?mode=ro" if readonly else f"file:{db}"
    conn = sqlite3.connect(uri, uri=True, timeout=60, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 60000")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT key, value FROM meta").fetchall())


def write_meta(conn: sqlite3.Connection, **values: object) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
        [(key, str(value)) for key, value in values.items()],
    )


def open_for_build(folder: Path, root: Path, url: str | None) -> tuple[sqlite3.Connection, bool]:
    """The index's connection, and whether it was (re)created from nothing.

    Call with the build lock held. An index that fails the checks is deleted first.
    """
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / DB_NAME
    if db.exists():
        conn = _trusted(db, root)
        if conn is not None:
            return conn, False
        remove_files(folder)
    conn = connect(db)
    conn.executescript(SCHEMA)
    write_meta(conn, format=FORMAT, root=str(root.resolve()), url=url or "", state="ready")
    write_meta(conn, parses=0)
    conn.commit()
    return conn, True


def _trusted(db: Path, root: Path) -> sqlite3.Connection | None:
    """A connection to `db` if it is a whole index of this format for `root`, else None."""
    conn = None
    try:
        conn = connect(db)
        meta = read_meta(conn)
        ok = (
            meta.get("format") == FORMAT
            and meta.get("root") == str(root.resolve())
            and meta.get("state") == "ready"
        )
        if ok:
            conn.execute("SELECT count(*) FROM fts WHERE fts MATCH 'x'").fetchone()
            return conn
    except sqlite3.DatabaseError:
        pass  # not a database, or a damaged one: rebuilt below
    if conn is not None:
        conn.close()
    return None


def remove_files(folder: Path) -> None:
    """Delete the database and its WAL and shared-memory files."""
    for name in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal"):
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()


@contextlib.contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Hold the index's build lock: one builder at a time across threads and processes."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    with _GUARD:
        local = _THREAD_LOCKS.setdefault(str(path), threading.Lock())
    with local:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            _flock(fd)
            yield
        finally:
            os.close(fd)  # closing releases the flock


def _flock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: threads of one process are still serialised
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
