"""The resume cache: every successful agent output, keyed by a hash of what determines it.

The key (see `Agent.cache_key`) covers the agent, its prompt template, the provider, model and
settings, and its inputs. Entries are JSON files written atomically, so a run killed at any
moment leaves only whole entries behind, and `--resume` re-runs just the agents without one.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from ucop.engine.state import thaw
from ucop.files import atomic_write_text
from ucop.redaction import configured_secrets, scrub


def default_cache_dir(env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    if env.get("UCOP_CACHE_DIR"):
        return Path(env["UCOP_CACHE_DIR"]).expanduser()
    base = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".cache")
    return Path(base) / "ucop"


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
        return {k: float(v) for k, v in data.items() if isinstance(v, (int, float))}

    def save_durations(self, workflow: str, durations: dict[str, float]) -> None:
        path = self.root / "durations" / f"{workflow}.json"
        # estimates are an optimisation: losing them costs nothing else
        with contextlib.suppress(OSError):
            atomic_write_text(path, json.dumps(durations, sort_keys=True, indent=1))
