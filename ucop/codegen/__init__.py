"""Code in articles: generate request examples, find code blocks, check them, run them.

Names are imported on first use. An eager package `__init__` that imports its submodules can
deadlock when two threads import the package and one of its submodules at the same moment
(each holds one module lock and waits for the other: importlib's `_DeadlockError`); agents
import these lazily from worker threads, so the package must not hold that second lock.
"""

from __future__ import annotations

from ucop.lazy import lazy_attributes

_HOMES = {
    "curl_example": "examples",
    "extract_code_blocks": "blocks",
    "python_example": "examples",
    "run_python": "sandbox",
    "validate_block": "validate",
    "validate_markdown": "validate",
}

__all__ = sorted(_HOMES)

__getattr__ = lazy_attributes(__name__, _HOMES, globals())
