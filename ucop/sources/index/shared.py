"""The index a run uses: in the cache directory, or a private temporary one if that fails.

Every article of a batch on this machine calls `refresh_for_run` for the same folder; the
build lock lets the first one parse and the others find the index up to date.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import sqlite3
import tempfile
from pathlib import Path

from ucop.errors import SourceError
from ucop.sources.frontmatter import locate
from ucop.sources.index.build import IndexRef, refresh
from ucop.sources.index.listing import Found, documents
from ucop.sources.index.store import index_dir


def kb_root(path: Path, base: Path) -> Path:
    """The brief's `sources.kb` as an absolute path; SourceError if it is not there."""
    root = locate(path, base).absolute()
    if not root.exists():
        raise SourceError(f"{root}: not found — fix sources.kb in the brief", path=str(root))
    return root


def listing_for_run(path: Path, base: Path, url: str | None = None) -> Found:
    """The documents of the brief's knowledge base (see `listing.documents`)."""
    from ucop.files import default_cache_dir

    root = kb_root(path, base)
    return documents(root, index_dir(default_cache_dir(), root, url))


def refresh_for_run(
    path: Path, base: Path, url: str | None = None, found: Found | None = None
) -> IndexRef:
    """The up-to-date index of the brief's `sources.kb`; SourceError as `load_kb` gives."""
    from ucop.files import default_cache_dir

    root = kb_root(path, base)
    try:
        ref, _ = refresh(default_cache_dir(), root, base, url, found=found)
    except (OSError, sqlite3.OperationalError):
        ref, _ = refresh(_private_dir(), root, base, url)  # the cache folder is unusable
    if not ref["documents"]:
        raise SourceError(
            f"{root}: no .md, .markdown or .txt documents found — add some or fix sources.kb"
            " in the brief",
            path=str(root),
        )
    return ref


def text_lengths_for_run(path: Path, base: Path, url: str | None = None) -> dict[int, int]:
    """How many chunks of the brief's `sources.kb` have each length of text, from its index
    (built or refreshed first, as a run would): the knowledge base is never held in memory."""
    from ucop.sources.index.view import IndexView

    ref = refresh_for_run(path, base, url)
    view = IndexView(Path(ref["db"]), Path(ref["root"]), base)
    try:
        return view.text_lengths()
    finally:
        view.close()


@functools.lru_cache(maxsize=1)
def _private_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="ucop-index-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
