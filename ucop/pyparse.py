"""`ast.parse` and `ast.literal_eval` behind one process-wide lock, for agents on threads.

CPython 3.11 keeps the AST constructor's recursion counter in state that every thread shares.
A garbage collection inside one thread's parse can hand the interpreter to another thread
that is parsing too; the counters interleave and one of them fails with `SystemError: AST
constructor recursion depth mismatch` (python/cpython#106905). Four threads parsing ucop's
own cli.py 300 times each, with finalizers in the heap, failed 139 of 1,200 parses; a batch
of articles on threads failed one code-validation agent that way. Parses are short, so one
lock costs nothing measurable; a re-entrant one, since a finalizer run by the collector
inside a parse may parse again on the same thread.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

_lock = threading.RLock()


def parse(source: str) -> ast.Module:
    """`ast.parse(source)`, one thread at a time."""
    with _lock:
        return ast.parse(source)


def literal_eval(source: str) -> Any:
    """`ast.literal_eval(source)`, one thread at a time (it parses too)."""
    with _lock:
        return ast.literal_eval(source)
