"""`StrEnum`: a state that is also its own string (Python 3.11's, or the same on 3.10).

A member compares equal to its value, formats as its value (`f"{Status.DONE}"` is "done")
and serialises as its value (`json.dumps` writes "done"), so typed states cost nothing in
run.json, `--json` output or messages.
"""

from __future__ import annotations

import sys
from enum import Enum

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:  # pragma: no cover - Python 3.10

    class StrEnum(str, Enum):
        """A str-valued Enum whose `str()` and `format()` are its value, as in 3.11."""

        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, spec: str) -> str:
            return format(str(self.value), spec)


__all__ = ["StrEnum"]
