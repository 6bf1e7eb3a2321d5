"""Which documents a knowledge-base folder holds, without walking it when nothing moved.

`kb_files` walks the whole tree and resolves every path (symlinks must stay inside the
folder): about a second per 5,000 files. Adding, removing or renaming an entry changes its
directory's mtime, so when every directory the last build saw has the same mtime, the file
list is the one the index recorded, and only each file's own `stat` is needed. Any doubt (a
directory changed or gone, a symlinked directory in the tree, an index of another listing
rule) falls back to `kb_files`.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from ucop.sources.index import store

Listing = dict[str, tuple[Path, os.stat_result]]
Found = tuple[Listing, "dict[str, int] | None"]  # documents(): files, directories to record


def rule() -> str:
    """What decides the file list besides the tree: the loader's suffixes and the format."""
    from ucop.sources.kb import KB_SUFFIXES, LEGAL_FILES

    return json.dumps([store.FORMAT, sorted(KB_SUFFIXES), sorted(LEGAL_FILES)])


def documents(root: Path, folder: Path) -> Found:
    """Each document `kb_files(root)` returns, by its key in the index, with its stat; and
    the directories to record for next time (None: keep the recorded ones / track none)."""
    if root.is_dir():
        found = _recorded(root, folder / store.DB_NAME)
        if found is not None:
            return found, None
    from ucop.sources.kb import kb_files

    dirs = snapshot(root)  # before the walk: a change during it shows up next time
    return {_key(file, root): (file, os.stat(file)) for file in kb_files(root)}, dirs


def _key(file: Path, root: Path) -> str:
    return file.name if root.is_file() else file.relative_to(root).as_posix()


def _recorded(root: Path, db: Path) -> Listing | None:
    if not db.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            meta = store.read_meta(conn)
            if meta.get("state") != "ready" or meta.get("listing") != rule():
                return None
            paths = [row[0] for row in conn.execute("SELECT path FROM files ORDER BY path")]
        finally:
            conn.close()
        dirs = json.loads(meta.get("dirs", "null"))
    except (sqlite3.DatabaseError, ValueError):
        return None
    if not isinstance(dirs, dict) or not _same_dirs(root, dirs):
        return None
    try:
        return {path: (root / path, os.stat(root / path)) for path in paths}
    except OSError:
        return None  # a file went away without its directory changing: walk again


def _same_dirs(root: Path, dirs: dict[str, int]) -> bool:
    try:
        return all(os.stat(root / rel).st_mtime_ns == mtime for rel, mtime in dirs.items())
    except OSError:
        return False


def snapshot(root: Path) -> dict[str, int] | None:
    """Every directory under `root` with its mtime, or None if one is a symlink (not tracked)."""
    if not root.is_dir():
        return None
    dirs = {".": os.stat(root).st_mtime_ns}
    for parent, names, _ in os.walk(root):
        for name in names:
            path = Path(parent, name)
            if path.is_symlink():
                return None
            dirs[path.relative_to(root).as_posix()] = os.stat(path).st_mtime_ns
    return dirs
