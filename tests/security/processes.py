"""Processes for the batch attacks: a batch as a real process, its descendants, who is alive."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.batch.conftest import openai_flags
from ucop.testing.model_server import ModelServer


def batch_argv(briefs: Path, out: Path, server: ModelServer, *extra: str) -> list[str]:
    """`python -m ucop batch BRIEFS -o OUT` against the loopback server."""
    flags = openai_flags(server)
    return [sys.executable, "-m", "ucop", "batch", str(briefs), "-o", str(out), *flags, *extra]


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, theirs, ...): psutil if present, else /proc."""
    try:
        import psutil
    except ImportError:
        return _proc_descendants(pid)
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _proc_descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent]
        found += children
        frontier += children
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not reaped, does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True  # no /proc: trust kill(0)
    return state != "Z"


def listening_ports(pid: int) -> list[int]:
    """TCP ports `pid` listens on (psutil)."""
    import psutil

    process = psutil.Process(pid)
    connections = getattr(process, "net_connections", process.connections)(kind="tcp")
    return [c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN]
