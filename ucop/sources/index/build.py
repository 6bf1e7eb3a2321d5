"""Build or refresh a knowledge-base index: parse only the files that are new or changed.

A file is unchanged when its size and mtime_ns match what the index recorded; when they do
not, its bytes are hashed, and only a different hash re-parses it (a `touch` or a checkout
costs a read, not a parse). Files are parsed by `ucop.sources.kb` (`kb_files`,
`document_chunks`), the same seam `load_kb` uses, one at a time, so memory stays flat however
large the folder is. Chunks are stored relative to the folder; `IndexView` gives them the
ids and paths a brief in another folder would see.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from ucop.errors import SourceError
from ucop.sources.index import store
from ucop.sources.index.lazy import drop_sections, insert_sections, section_counts, store_rows
from ucop.sources.index.listing import Found, documents, rule
from ucop.sources.index.parse import Job, Parsed, parse_all, read_one

COMMIT_EVERY = 500  # files per transaction: bounds the WAL during a first build
LAZY_COMMIT_EVERY = 2500  # ... when only their text is stored (fewer FTS5 segments to merge)
# A knowledge base of more documents than this is indexed lazily unless asked for in full:
# the build stores each document's text in FTS5 (C tokenizer), and a document's chunks are
# parsed the first time a search picks it (`ucop.sources.index.lazy`). Smaller ones, like
# any ordinary docs folder, are parsed whole at build time and ranked over all their chunks.
EAGER_DOCS = 500
DEFAULT_LIMIT_MB = 1024
LIMIT_ENV = "UCOP_SOURCE_LIMIT_MB"


class IndexRef(TypedDict):
    """What the `kb_ingestion` agent hands on: where the index is and what it holds."""

    db: str
    root: str
    url: str | None
    digest: str
    documents: int
    chunks: int


@dataclass(frozen=True)
class RefreshStats:
    """What one refresh did; `parses` counts every parse this index has ever done,
    `unparsed` the documents of a lazy index no search has picked yet."""

    documents: int
    chunks: int
    parsed: int
    hashed: int
    removed: int
    bytes: int
    rebuilt: bool
    parses: int
    unparsed: int
    seconds: float


def source_limit(env: dict[str, str] | None = None) -> int:
    """The most bytes one source folder may hold (UCOP_SOURCE_LIMIT_MB, default 1024 MB)."""
    raw = (os.environ if env is None else env).get(LIMIT_ENV, "").strip()
    try:
        megabytes = float(raw) if raw else DEFAULT_LIMIT_MB
    except ValueError:
        raise SourceError(f"{LIMIT_ENV}={raw!r}: not a number of megabytes - e.g. 2048") from None
    return int(megabytes * 1024 * 1024)


def check_total(kind: str, root: Path, sizes: list[int], limit: int) -> None:
    """Raise SourceError (exit 2) when the files ingestion would read pass `limit` bytes."""
    total = sum(sizes)
    if total > limit:
        raise SourceError(
            f"sources.{kind}: {root} holds {len(sizes)} files, {_amount(total)} in all, over"
            f" the {_amount(limit)} limit for one source folder - point it at a smaller"
            f" folder or raise {LIMIT_ENV}",
            path=str(root),
        )


def _amount(n: int) -> str:
    if n >= 2**20:
        return f"{n / 2**20:.1f} MB"
    return f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} bytes"


def refresh(
    cache_dir: Path,
    root: Path,
    base: Path,
    url: str | None = None,
    *,
    limit: int | None = None,
    found: Found | None = None,
    full: bool | None = None,
) -> tuple[IndexRef, RefreshStats]:
    """Bring the index of the folder (or file) `root` up to date; parse errors name `base`.

    `found` is `listing.documents(root, ...)` when the caller has just taken it. `full`
    parses every document now (and keeps the index so for later refreshes); None keeps the
    index's mode, which is lazy for a knowledge base of more than EAGER_DOCS documents.
    """
    started = time.monotonic()
    folder = store.index_dir(cache_dir, root, url)
    listing, dirs = found if found is not None else documents(root, folder)
    check_total("kb", root, [info.st_size for _, info in listing.values()], limit or source_limit())
    with store.build_lock(folder):
        conn, rebuilt = store.open_for_build(folder, root, url)
        try:
            full = full if full is not None else store.read_meta(conn).get("mode") == "full"
            lazy = not full and len(listing) > EAGER_DOCS
            counts = _update(conn, listing, root, base, url, lazy)
            if full or lazy != (store.read_meta(conn).get("lazy") == "1"):
                store.write_meta(conn, mode="full" if full else "auto", lazy=int(lazy))
                conn.commit()
            if dirs is not None or rebuilt:
                store.write_meta(conn, dirs=json.dumps(dirs), listing=rule())
                conn.commit()
            meta = store.read_meta(conn)
            (unparsed,) = conn.execute("SELECT count(*) FROM files WHERE parsed = 0").fetchone()
        finally:
            conn.close()
    db = folder / store.DB_NAME
    ref = IndexRef(
        db=str(db),
        root=str(root),
        url=url,
        digest=meta["digest"],
        documents=int(meta["documents"]),
        chunks=int(meta["chunks"]),
    )
    stats = RefreshStats(
        documents=ref["documents"],
        chunks=ref["chunks"],
        parsed=counts[0],
        hashed=counts[1],
        removed=counts[2],
        bytes=db.stat().st_size,
        rebuilt=rebuilt,
        parses=int(meta["parses"]),
        unparsed=int(unparsed),
        seconds=round(time.monotonic() - started, 4),
    )
    return ref, stats


def _update(
    conn: sqlite3.Connection,
    listing: dict[str, tuple[Path, os.stat_result]],
    root: Path,
    base: Path,
    url: str | None,
    lazy: bool,
) -> tuple[int, int, int]:
    """Remove, re-hash and re-parse (or only read, when `lazy`) what changed; returns
    (parsed, hashed, removed). Not lazy, documents a lazy build left unparsed are parsed."""
    stored = {
        path: (size, mtime, sha, done)
        for path, size, mtime, sha, done in conn.execute(
            "SELECT path, size, mtime_ns, sha, parsed FROM files"
        )
    }
    gone = sorted(set(stored) - set(listing))
    stale = [p for p in sorted(listing) if stored.get(p, (0, 0))[:2] != _stat(listing[p][1])]
    pending = [] if lazy else sorted(p for p in set(listing) - set(stale) if not stored[p][3])
    if not gone and not stale and not pending and "digest" in store.read_meta(conn):
        return 0, 0, 0
    store.write_meta(conn, state="building")
    conn.commit()
    parsed = 0
    jobs = [Job(p, listing[p][0], stored[p][2] if p in stored else None) for p in stale]
    jobs = sorted([*jobs, *(Job(p, listing[p][0], None) for p in pending)], key=lambda j: j.path)
    results = (
        (read_one(job, strict=True) for job in jobs) if lazy else parse_all(jobs, root, base, url)
    )
    try:
        for path in gone:
            _drop(conn, path)
        for n, result in enumerate(results, start=1):
            parsed += _store(conn, result, listing[result.path][1], result.path in stored)
            if n % (LAZY_COMMIT_EVERY if lazy else COMMIT_EVERY) == 0:
                conn.commit()
    except BaseException:
        conn.rollback()  # the current batch of files only: earlier batches are whole
        raise
    finally:
        _finish(conn, parsed)
    return parsed, len(stale), len(gone)


def _finish(conn: sqlite3.Connection, parsed: int) -> None:
    """Record counts and the digest, and mark the index whole again.

    Runs after a `SourceError` too (the failed file's batch was rolled back, so every row
    left describes a file as it was parsed); a process killed before this leaves
    `state = building`, and the next run rebuilds.
    """
    if conn.in_transaction:
        conn.commit()
    previous = int(store.read_meta(conn).get("parses", "0"))
    documents, chunks = conn.execute(
        "SELECT count(*), coalesce(sum(chunks), 0) FROM files"
    ).fetchone()
    sections, words = section_counts(conn)
    store.write_meta(
        conn,
        parses=previous + parsed,
        documents=documents,
        chunks=chunks,
        sections=sections,
        words=words,
        digest=_digest(conn),
        state="ready",
    )
    conn.commit()


def _digest(conn: sqlite3.Connection) -> str:
    digest = hashlib.sha256()
    for path, sha in conn.execute("SELECT path, sha FROM files ORDER BY path"):
        digest.update(f"{path}\0{sha}\n".encode())
    return digest.hexdigest()[:24]


def _stat(info: os.stat_result) -> tuple[int, int]:
    return info.st_size, info.st_mtime_ns


def _store(conn: sqlite3.Connection, result: Parsed, info: os.stat_result, known: bool) -> int:
    """Write one file's new text and rows (or only its new stat); returns 1 if it was parsed."""
    if result.text is None:
        conn.execute(
            "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", (*_stat(info), result.path)
        )
        return 0
    if known:
        _drop(conn, result.path)
    cursor = conn.execute(
        "INSERT INTO files(path, size, mtime_ns, sha, chunks, parsed) VALUES (?, ?, ?, ?, 0, 0)",
        (result.path, *_stat(info), result.sha),
    )
    insert_sections(conn, int(cursor.lastrowid or 0), result.text)
    if result.rows is None:
        return 0
    store_rows(conn, result.path, result.rows)
    return 1


def _drop(conn: sqlite3.Connection, path: str) -> None:
    """Remove one file's chunks from the table and the full-text indexes, and its row."""
    rows = conn.execute("SELECT rowid, terms FROM chunks WHERE file = ?", (path,)).fetchall()
    conn.executemany("INSERT INTO fts(fts, rowid, terms) VALUES ('delete', ?, ?)", rows)
    conn.execute("DELETE FROM chunks WHERE file = ?", (path,))
    drop_sections(conn, path)
    conn.execute("DELETE FROM files WHERE path = ?", (path,))
