"""Run a Python sample in a child process — only when the user explicitly enables execution.

The child gets a fresh temporary working directory, isolated mode (`-I`: no user site, no
PYTHON* variables), a minimal environment (PATH, LANG, HOME pointing at the temporary
folder, and only the variables the caller passes), and a timeout after which its whole
process group is killed. While a child runs, ucop marks itself non-dumpable (Linux), so a
child running as the same non-root user cannot read ucop's `/proc/<pid>/environ`.

This limits accidents; it is not a container. The child can still use the network, read
any file the user can read, and read `/proc` of the user's other processes (the shell that
started ucop included); running as root, it can read everything. See docs/SECURITY.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD", re.IGNORECASE)
MAX_OUTPUT_CHARS = 10_000
_PR_GET_DUMPABLE, _PR_SET_DUMPABLE = 3, 4
_dumpable_lock = threading.Lock()
_dumpable_users = [0, 1]  # children running, the dumpable flag to restore afterwards


def scrubbed_env(env: Mapping[str, str], keep: Collection[str] = ()) -> dict[str, str]:
    """`env` without variables whose names contain KEY, TOKEN, SECRET or PASSWORD.

    Names in `keep` pass through anyway; use it only for a credential the user chose to
    expose to their samples (say a sandbox token for a test server).
    """
    return {k: v for k, v in env.items() if k in keep or not SECRET_NAME.search(k)}


def minimal_env(workdir: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """What a sample needs to start and nothing else: no keys, proxies or PYTHON* settings."""
    env = {"PATH": os.defpath, "LANG": "C.UTF-8", "HOME": workdir, "NO_PROXY": "*"}
    return {**env, **(extra or {})}


def run_python(
    code: str,
    *,
    timeout_s: float = 10.0,
    env: Mapping[str, str] | None = None,
    keep: Collection[str] = (),
    extra_env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Run `code` in a child Python; returns `{ok, returncode, stdout, stderr, timed_out}`.

    Without `env` the child gets `minimal_env` plus `extra_env` (say placeholder
    credentials); a given `env` still loses anything that looks like a secret, except the
    names listed in `keep`. Output is captured up to MAX_OUTPUT_CHARS per stream.
    """
    with tempfile.TemporaryDirectory(prefix="ucop-run-") as workdir, _not_dumpable():
        child_env = minimal_env(workdir, extra_env) if env is None else scrubbed_env(env, keep)
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


@contextlib.contextmanager
def _not_dumpable() -> Iterator[None]:
    """Mark this process non-dumpable while any child runs (Linux; elsewhere a no-op).

    A non-dumpable process's /proc files belong to root, so a child running as the same
    ordinary user cannot read our environment (which holds the model keys) or memory.
    """
    prctl = _prctl()
    with _dumpable_lock:
        if prctl is not None and _dumpable_users[0] == 0:
            _dumpable_users[1] = prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0)
            prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        _dumpable_users[0] += 1
    try:
        yield
    finally:
        with _dumpable_lock:
            _dumpable_users[0] -= 1
            if prctl is not None and _dumpable_users[0] == 0 and _dumpable_users[1] == 1:
                prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)


def _prctl() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def is_dumpable() -> bool | None:
    """This process's dumpable flag (None where it cannot be read)."""
    prctl = _prctl()
    return None if prctl is None else bool(prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0))


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
