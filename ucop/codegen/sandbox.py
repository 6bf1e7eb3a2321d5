"""Run a Python sample in a child process — only when the user explicitly enables execution.

The child gets a fresh temporary working directory, isolated mode (`-I`: no user site, no
PYTHON* variables), an environment without anything that looks like a credential, and a
timeout after which its whole process group is killed. This limits accidents; it is not a
security boundary against hostile code.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Collection, Mapping
from typing import IO, Any

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD", re.IGNORECASE)
MAX_OUTPUT_CHARS = 10_000


def scrubbed_env(env: Mapping[str, str], keep: Collection[str] = ()) -> dict[str, str]:
    """`env` without variables whose names contain KEY, TOKEN, SECRET or PASSWORD.

    Names in `keep` pass through anyway; use it only for a credential the user chose to
    expose to their samples (say a sandbox token for a test server).
    """
    return {k: v for k, v in env.items() if k in keep or not SECRET_NAME.search(k)}


def run_python(
    code: str,
    *,
    timeout_s: float = 10.0,
    env: Mapping[str, str] | None = None,
    keep: Collection[str] = (),
) -> dict[str, Any]:
    """Run `code` in a child Python; returns `{ok, returncode, stdout, stderr, timed_out}`.

    `env` defaults to this process's environment; either way secrets are removed first,
    except the names listed in `keep`.
    Output is captured up to MAX_OUTPUT_CHARS per stream and the rest discarded.
    """
    child_env = scrubbed_env(os.environ if env is None else env, keep)
    with tempfile.TemporaryDirectory(prefix="ucop-run-") as workdir:
        process = subprocess.Popen(
            [sys.executable, "-I", "-c", code],
            cwd=workdir,
            env=child_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=os.name == "posix",
        )
        stdout, stderr = _Capture(process.stdout), _Capture(process.stderr)
        timed_out = False
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
        _kill(process)  # also reaps anything the sample left running in the background
        out, err = stdout.text(), stderr.text()
    return {
        "ok": process.returncode == 0 and not timed_out,
        "returncode": process.returncode,
        "stdout": out,
        "stderr": err,
        "timed_out": timed_out,
    }


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill the child, if still running, and anything it started (its POSIX process group)."""
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


class _Capture:
    """Drains a pipe on a thread, keeping the first MAX_OUTPUT_CHARS characters."""

    def __init__(self, stream: IO[bytes] | None) -> None:
        self._chunks: list[bytes] = []
        self._size = 0
        self._dropped = False
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        with stream:
            for chunk in iter(lambda: stream.read(65536), b""):
                if self._size < MAX_OUTPUT_CHARS * 4:
                    self._chunks.append(chunk)
                    self._size += len(chunk)
                else:
                    self._dropped = True

    def text(self) -> str:
        self._thread.join(timeout=5)
        text = b"".join(self._chunks).decode("utf-8", errors="replace")
        if self._dropped or len(text) > MAX_OUTPUT_CHARS:
            return text[:MAX_OUTPUT_CHARS] + "\n… [output truncated]"
        return text
