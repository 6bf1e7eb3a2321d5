"""The indexes under a cache directory: what each holds, and removing them all."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ucop.sources.index import store


@dataclass(frozen=True)
class IndexInfo:
    """One index: the folder it covers, what it holds and its size on disk."""

    path: str
    root: str
    documents: int
    chunks: int
    bytes: int
    state: str


def list_indexes(cache_dir: Path) -> list[IndexInfo]:
    """Every index under `cache_dir`, by folder; an unreadable one shows as `damaged`."""
    found = []
    for db in sorted((cache_dir / store.FOLDER).glob(f"*/{store.DB_NAME}")):
        size = sum(_size(db.parent / f"{store.DB_NAME}{s}") for s in ("", "-wal", "-shm"))
        found.append(_describe(db, size))
    return found


def _describe(db: Path, size: int) -> IndexInfo:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            meta = store.read_meta(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        meta = {}
    state = meta.get("state", "damaged") if meta.get("format") == store.FORMAT else "damaged"
    return IndexInfo(
        path=str(db),
        root=meta.get("root", "?"),
        documents=int(meta.get("documents", 0) or 0),
        chunks=int(meta.get("chunks", 0) or 0),
        bytes=size,
        state=state,
    )


def _size(path: Path) -> int:
    with contextlib.suppress(OSError):
        return path.stat().st_size
    return 0


def clear_indexes(cache_dir: Path) -> list[IndexInfo]:
    """Remove every index under `cache_dir`; returns what was there."""
    before = list_indexes(cache_dir)
    shutil.rmtree(cache_dir / store.FOLDER, ignore_errors=True)
    return before
