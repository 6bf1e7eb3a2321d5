"""Agents of a batch parse Python on several threads at once: the parses must not collide.

CPython 3.11's AST constructor counts its recursion in state that all threads share; a
collection that runs finalizers inside one parse lets another thread's parse interleave, and
one of them raises `SystemError: AST constructor recursion depth mismatch`. That failed a
code-validation agent of a threaded batch now and then (the batch exited 1).
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable
from pathlib import Path

from ucop.pyparse import parse

SOURCE = (Path(__file__).resolve().parents[2] / "ucop" / "cli.py").read_text()


class Cycle:
    """Garbage that only the cycle collector frees, with a finalizer it runs mid-parse."""

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        pass


def parse_on_threads(parser: Callable[[str], ast.Module], threads: int, rounds: int) -> list[str]:
    errors: list[str] = []

    def work() -> None:
        for _ in range(rounds):
            junk = [Cycle() for _ in range(50)]
            del junk
            try:
                parser(SOURCE)
            except SystemError as exc:
                errors.append(str(exc))

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


def test_parses_on_four_threads_never_collide():
    assert parse_on_threads(parse, threads=4, rounds=60) == []


def test_the_parse_returns_the_module():
    tree = parse("import os\nx = 1\n")
    assert [type(s).__name__ for s in tree.body] == ["Import", "Assign"]
