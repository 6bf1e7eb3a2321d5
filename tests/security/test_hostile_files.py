"""Files that are not files, and disks that fill up: one clear line, never a hang.

A recording named on the command line may be a FIFO (reading or writing it blocks until
someone opens the other end) or a device (`/dev/zero` is endless, `/dev/full` refuses every
write); a disk may fill up while the outputs are written.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.helpers import BRIEF

pytestmark = pytest.mark.skipif(os.name != "posix", reason="FIFOs, devices and mounts: POSIX")


def _generate(tmp_path: Path, out: Path, *extra: str, **popen) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "ucop", "generate", "-i", str(BRIEF), "-o", str(out), *extra]
    env = {**os.environ, "UCOP_CACHE_DIR": str(tmp_path / "cache")}
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, **popen)


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "recording.jsonl"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("flag", ["--record", "--replay"])
@pytest.mark.parametrize("target", ["fifo", "/dev/zero", "/dev/full"])
def test_a_recording_that_is_a_fifo_or_a_device_is_refused_at_once(tmp_path, flag, target):
    path = _fifo(tmp_path) if target == "fifo" else Path(target)
    out = tmp_path / "out"
    result = _generate(tmp_path, out, "--provider", "offline", flag, str(path))
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("error: ")
    assert "is not a regular file" in errors[0] and str(path) in errors[0]
    assert not out.exists()


@contextlib.contextmanager
def _tiny_disk(size: str):
    """A tmpfs of `size` (root only); skips the test where it cannot be mounted."""
    folder = tempfile.mkdtemp(prefix="ucop-full-")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", folder], capture_output=True
    )
    if mounted.returncode != 0:
        os.rmdir(folder)
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield Path(folder)
    finally:
        subprocess.run(["umount", folder], check=False)
        os.rmdir(folder)


@pytest.mark.parametrize("size", ["8k", "16k", "28k"])  # full at the first, second, third file
def test_a_full_disk_is_one_line_exit_1_and_leaves_no_folder(tmp_path, size):
    with _tiny_disk(size) as disk:
        out = disk / "out"
        result = _generate(tmp_path, out, "--provider", "offline")
        left = sorted(p.name for p in disk.rglob("*"))
    assert result.returncode == 1, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: could not write into {out} (No space left on device)")
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert left == []  # no article without its report, no temporary file, no empty folder


def _small_files() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (6000, 6000))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG


def test_a_file_size_limit_is_the_same_clean_failure(tmp_path):
    out = tmp_path / "out"
    result = _generate(tmp_path, out, "--provider", "offline", preexec_fn=_small_files)
    assert result.returncode == 1, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: could not write into {out} (File too large)")
    assert not out.exists()


def test_a_batch_on_a_full_disk_stops_cleanly_with_every_article_whole(tmp_path):
    """Whether an article or batch.json is the first file that does not fit: one line, exit
    1, and every article folder left holds all three files."""
    from tests.batch.conftest import make_briefs

    make_briefs(tmp_path / "briefs", 3)
    env = {**os.environ, "UCOP_CACHE_DIR": str(tmp_path / "cache")}
    with _tiny_disk("40k") as disk:  # batch.json and about one article fit, not three
        out = disk / "out"
        argv = [sys.executable, "-m", "ucop", "batch", str(tmp_path / "briefs"), "-o", str(out)]
        result = subprocess.run(
            [*argv, "--provider", "offline", "-q", "--workers", "1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        files = {p.name: sorted(f.name for f in p.iterdir()) for p in out.iterdir() if p.is_dir()}
        temporary = [p.name for p in disk.rglob("*.tmp")]
    assert result.returncode == 1, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "No space left on device" in result.stderr
    assert 1 <= len(files) < 3 and temporary == []
    for names in files.values():  # no empty folder, no article without its report
        assert len(names) == 3 and "run.json" in names and "timeline.svg" in names
