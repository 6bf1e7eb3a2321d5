"""Cache-key digests of source folders that read exactly what ingestion reads, and no more.

Every digest walks the loader's own file list (no hidden files, no links out of the folder,
the same suffixes) and applies its limits: each file within the input size limit, the folder
within the total limit (exit 2 with the numbers). The knowledge base's digest is its files'
names, sizes and mtimes, the key its index (`ucop.sources.index`) keeps them by; blog posts
and API specs are small and hashed whole. A plugin source is read by code
ucop does not know, so its digest covers names, sizes and modification times, never bytes.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from ucop.files import read_input_bytes
from ucop.sources.index.build import check_total, source_limit
from ucop.sources.index.listing import Found


def kb_digest(
    root: Path,
    url: str | None = None,
    *,
    limit: int | None = None,
    cache_dir: Path | None = None,
    found: Found | None = None,
) -> str:
    """The documents `load_kb` reads, by name, size and mtime_ns (the index's own file key).

    Reads no file: the index re-hashes a document whose size or mtime changed, and this key
    changes with them. When no directory changed since the index was built, the file list is
    the index's (`ucop.sources.index.listing`). SourceError when they pass `limit` bytes.
    """
    from ucop.files import default_cache_dir
    from ucop.sources.index.listing import documents
    from ucop.sources.index.store import index_dir

    if found is None:
        found = documents(root, index_dir(cache_dir or default_cache_dir(), root, url))
    listing = found[0]
    check_total("kb", root, [info.st_size for _, info in listing.values()], limit or source_limit())
    digest = hashlib.sha256()
    for name, (_, info) in sorted(listing.items()):
        digest.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]


def spec_digest(path: Path) -> str:
    """The API spec file's bytes (a regular file within the input size limit).

    A spec that cannot be opened gets a placeholder: its loader reports why, in its words.
    """
    try:
        return hashlib.sha256(read_input_bytes(path)).hexdigest()[:24]
    except OSError:
        return "unreadable"


def blog_digest(root: Path, limit: int | None = None) -> str:
    """The post files `load_blog` reads, by name and bytes; SourceError past `limit` in all."""
    from ucop.sources.blog import _post_files

    files = [root] if root.is_file() else _post_files(root)
    check_total("blog", root, [os.stat(f).st_size for f in files], limit or source_limit())
    digest = hashlib.sha256()
    for file in files:
        name = file.name if root.is_file() else file.relative_to(root).as_posix()
        digest.update(f"{name}\0".encode())
        digest.update(hashlib.sha256(read_input_bytes(file)).digest())
    return digest.hexdigest()[:24]


def listing_digest(root: Path) -> str:
    """Names, sizes and mtimes of the regular, visible files under `root` (links not followed)."""
    digest = hashlib.sha256()
    for name, info in sorted(_visible(root)):
        digest.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]


def _visible(root: Path) -> list[tuple[str, os.stat_result]]:
    if not root.is_dir():
        info = os.lstat(root) if root.exists() or root.is_symlink() else None
        return [(root.name, info)] if info is not None and stat.S_ISREG(info.st_mode) else []
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(folder, name)
            info = os.lstat(path)
            if not name.startswith(".") and stat.S_ISREG(info.st_mode):
                found.append((path.relative_to(root).as_posix(), info))
    return found
