"""SIGTERM is handled like Ctrl-C: the run stops the same way, and the exit code says which.

`install()` (called by the CLI's entry point) makes SIGTERM raise KeyboardInterrupt in the main
thread, so the scheduler, `ucop generate` and `ucop batch` need one interruption path only:
finished results stay in the cache, no article is written, and the message names --resume.
The exit code is 128 + the signal number: 130 for Ctrl-C, 143 for SIGTERM.
"""

from __future__ import annotations

import signal
from types import FrameType

_received: list[int] = []


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise KeyboardInterrupt


def install() -> None:
    """Route SIGTERM through KeyboardInterrupt (main thread only, as Python requires)."""
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_signal)


def exit_code() -> int:
    """128 + the signal that stopped the run: SIGTERM gives 143, Ctrl-C 130."""
    return 128 + (_received[0] if _received else signal.SIGINT)


def describe(message: str) -> str:
    """`message`, saying 'terminated (SIGTERM)' instead of 'interrupted' after a SIGTERM."""
    if not _received:
        return message
    name = signal.Signals(_received[0]).name
    return message.replace("interrupted", f"terminated ({name})", 1)
