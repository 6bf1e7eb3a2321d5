"""A hostile output folder: planted lock links and other people's temporary files.

The output folder may come from a cloned repository (git stores symlinks) or be shared with
another local user. ucop writes its lock only into a regular file it made, never through a
link, and deletes only its own temporary files of runs that are gone.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import copy_example, run_cli
from ucop.errors import OutputError
from ucop.files import LOCK_FILE, atomic_write_text, output_lock, temporary_prefix

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX links and PIDs")

PRECIOUS = "the user's file, which no run may touch\n"


def _dead_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(child.stdout)


def test_a_planted_lock_symlink_is_refused_and_its_target_kept(tmp_path):
    victim = tmp_path / "notes.txt"
    victim.write_text(PRECIOUS)
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_FILE).symlink_to(victim)
    with pytest.raises(OutputError, match="symbolic link"), output_lock(out):
        pass
    assert victim.read_text() == PRECIOUS
    assert (out / LOCK_FILE).is_symlink()  # left for the user to look at


def test_a_dangling_lock_symlink_creates_nothing_at_its_target(tmp_path):
    target = tmp_path / "would-be-created"
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_FILE).symlink_to(target)
    with pytest.raises(OutputError, match="symbolic link"), output_lock(out):
        pass
    assert not target.exists()


def test_a_hard_linked_lock_is_refused(tmp_path):
    victim = tmp_path / "pid-like.txt"
    victim.write_text("123")  # even content that looks like a PID
    out = tmp_path / "out"
    out.mkdir()
    os.link(victim, out / LOCK_FILE)
    with pytest.raises(OutputError, match="hard links"), output_lock(out):
        pass
    assert victim.read_text() == "123"


def test_a_lock_holding_user_text_is_refused_not_truncated(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_FILE).write_text(PRECIOUS)
    with pytest.raises(OutputError, match="something other than"), output_lock(out):
        pass
    assert (out / LOCK_FILE).read_text() == PRECIOUS


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_FILE).write_text(str(_dead_pid()))
    with output_lock(out):
        assert (out / LOCK_FILE).read_text() == str(os.getpid())
    assert not (out / LOCK_FILE).exists()


def test_only_ucops_own_stale_temporary_files_are_removed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    users = out / ".draft.md.tmp"
    users.write_text(PRECIOUS)
    dead = out / f".ucop-{_dead_pid()}-article.md.x1y2.tmp"
    dead.write_text("half an article from a killed run")
    live = out / f".ucop-{os.getppid()}-article.md.a1b2.tmp"  # a process that is alive
    live.write_text("a run still writing")
    linked = out / f".ucop-{_dead_pid()}-run.json.zz.tmp"
    linked.symlink_to(users)
    with output_lock(out):
        assert not dead.exists()
        assert users.read_text() == PRECIOUS
        assert live.exists()
        assert linked.is_symlink()  # a link is not a temporary file ucop made


def test_temporary_files_carry_the_prefix_the_cleanup_knows(tmp_path, monkeypatch):
    target = tmp_path / "article.md"
    seen = []
    real_replace = os.replace

    def spy(src, dst):  # records the name only; the real rename still happens
        seen.append(os.path.basename(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    atomic_write_text(target, "text")
    assert seen and seen[0].startswith(temporary_prefix("article.md"))
    assert target.read_text() == "text"


def test_generate_into_a_folder_with_a_planted_lock_is_exit_2_and_harmless(tmp_path):
    brief = copy_example(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text(PRECIOUS)
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_FILE).symlink_to(victim)
    result = run_cli("generate", "-i", str(brief), "-o", str(out), "-q")
    assert result.exit_code == 2, result.output
    assert "symbolic link" in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert victim.read_text() == PRECIOUS
    assert sorted(p.name for p in out.iterdir()) == [LOCK_FILE]
