"""The resume cache: every successful agent output, keyed by a hash of what determines it.

The key (see `Agent.cache_key`) covers the agent, its prompt template, the provider, its base
URL, model and settings, and its inputs. Entries are JSON files written atomically, so a run
killed at any moment leaves only whole entries behind, and `--resume` re-runs just the agents
without one. An entry that cannot be read or has the wrong shape is a miss, never an error.

What it keeps: the API operations and blog posts each ingestion agent read and every model
answer, under `results/`, measured agent durations under `durations/`, and one knowledge-base
index per source folder under `index/` (`ucop.sources.index`). `ucop cache info` shows where
and how much; `ucop cache clear` (or deleting the folder) removes it all. A result that cannot
be written (a full disk) is reported by the scheduler as a `cache_write_failed` warning.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ucop.engine.state import thaw
from ucop.files import atomic_write_text
from ucop.files import default_cache_dir as default_cache_dir  # where it lives: below sources
from ucop.redaction import configured_secrets, scrub
from ucop.sources.index.catalog import IndexInfo, clear_indexes, list_indexes

FOLDERS = ("results", "durations")


@dataclass(frozen=True)
class CacheInfo:
    path: str
    exists: bool
    entries: int
    durations: int
    bytes: int  # results and durations; each index gives its own size
    indexes: list[IndexInfo] = field(default_factory=list)


class DiskCache:
    """Content-addressed results under `root/results/ab/abcdef....json`."""

    def __init__(self, root: Path, *, read: bool = True) -> None:
        self.root = root
        self.read = read
        self.hits = 0
        self.stores = 0

    def _path(self, key: str) -> Path:
        return self.root / "results" / key[:2] / f"{key}.json"

    def load(self, key: str) -> tuple[bool, Any]:
        if not self.read:
            return False, None
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False, None
        if not isinstance(data, dict) or "value" not in data:
            return False, None  # not an entry this version wrote: run the agent again
        self.hits += 1
        return True, data["value"]

    def store(self, key: str, value: Any) -> None:
        # key order is kept: outputs such as example payloads are rendered in that order
        plain = scrub(thaw(value), configured_secrets())  # backstop: no key is ever cached
        atomic_write_text(self._path(key), json.dumps({"value": plain}))
        self.stores += 1

    def durations(self, workflow: str) -> dict[str, float]:
        """Agent durations measured by the last run of `workflow` (scheduling estimates)."""
        try:
            data = json.loads((self.root / "durations" / f"{workflow}.json").read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: float(v) for k, v in data.items() if isinstance(v, (int, float))}

    def save_durations(self, workflow: str, durations: dict[str, float]) -> None:
        path = self.root / "durations" / f"{workflow}.json"
        # estimates are an optimisation: losing them costs nothing else
        with contextlib.suppress(OSError):
            atomic_write_text(path, json.dumps(durations, sort_keys=True, indent=1))

    def unwritable(self) -> str | None:
        """Why entries cannot be stored here, or None when they can (tried, not guessed)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root, prefix=".probe-"):
                pass
        except OSError as exc:
            return exc.strerror or type(exc).__name__
        return None

    def info(self) -> CacheInfo:
        """Where the cache is, how many entries it holds and how many bytes they take."""
        entries = durations = size = 0
        for folder in FOLDERS:
            for file in (self.root / folder).rglob("*.json"):
                with contextlib.suppress(OSError):
                    size += file.stat().st_size
                    if folder == "results":
                        entries += 1
                    else:
                        durations += 1
        indexes = list_indexes(self.root)
        return CacheInfo(str(self.root), self.root.is_dir(), entries, durations, size, indexes)

    def clear(self) -> CacheInfo:
        """Delete every entry, measured duration and index; returns what was there."""
        before = self.info()
        for folder in FOLDERS:
            shutil.rmtree(self.root / folder, ignore_errors=True)
        clear_indexes(self.root)
        return before
