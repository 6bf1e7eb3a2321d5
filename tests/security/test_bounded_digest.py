"""The cache key reads what ingestion reads: no hidden file, no ignored file, no link target."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.engine.helpers import Probe
from tests.helpers import EXAMPLE
from ucop.engine import Scheduler, Task, TaskGraph
from ucop.sources.digest import blog_digest, kb_digest

ROOT = Path(__file__).resolve().parents[2]
GIB = 2**30


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)  # no disk used; reading it whole takes `size` bytes of memory
    return path


def _hostile_folder(tmp_path: Path, kind: str) -> Path:
    folder = tmp_path / kind
    shutil.copytree(EXAMPLE / kind, folder)
    _sparse(folder / ".video.md", GIB)  # hidden: the loaders skip it
    _sparse(folder / "talk.mp4", GIB)  # not a document suffix
    (folder / ".git").mkdir()
    _sparse(folder / ".git" / "pack.md", GIB)  # inside a hidden folder
    _sparse(tmp_path / "outside.bin", GIB)
    os.symlink(tmp_path / "outside.bin", folder / ".link.md")  # hidden link out
    return folder


def test_digests_read_no_hidden_ignored_or_linked_file(tmp_path):
    kb, blog = _hostile_folder(tmp_path, "kb"), _hostile_folder(tmp_path, "blog")
    code = (
        "import json, re, sys; from pathlib import Path\n"
        "from ucop.sources.digest import blog_digest, kb_digest\n"
        "keys = [kb_digest(Path(sys.argv[1])), blog_digest(Path(sys.argv[2]))]\n"
        # VmHWM, not ru_maxrss: ru_maxrss keeps the forked parent's size (a pytest process
        # hundreds of MiB big after a full suite), VmHWM is this program's own peak
        "hwm = re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text())\n"
        "rss = int(hwm.group(1)) / 1024\n"
        "print(json.dumps({'keys': keys, 'rss_mib': rss}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code, str(kb), str(blog)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["rss_mib"] < 300  # reading any one of those files would take 1024 MiB
    # the same keys as the folders without those files (copytree keeps sizes and mtimes)
    assert found["keys"] == [kb_digest(EXAMPLE / "kb"), blog_digest(EXAMPLE / "blog")]


def test_ignored_files_do_not_change_the_key_and_documents_do(tmp_path):
    kb = _hostile_folder(tmp_path, "kb")
    before = kb_digest(kb)
    (kb / "talk.mp4").write_bytes(b"another video")
    (kb / ".video.md").write_text("# hidden notes")
    assert kb_digest(kb) == before
    page = kb / "webhooks.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    assert kb_digest(kb) != before


class FullDisk:
    """A cache on a full disk: nothing is ever found, and every store fails with ENOSPC."""

    def load(self, key):
        return False, None

    def store(self, key, value):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_cache_write_failure_is_a_warning_naming_what_resume_will_redo():
    probe = Probe()
    graph = TaskGraph(
        [
            Task("kb_ingestion", probe.body(), cache_key=lambda inputs, item: "k"),
            Task("outline", probe.body(), ("kb_ingestion",)),  # no key: never stored
        ]
    )
    result = Scheduler(graph, cache=FullDisk()).run()
    assert result.outputs["outline"]["name"] == "outline"  # the run still finished
    (warning,) = result.records["kb_ingestion"].warnings
    assert warning["kind"] == "cache_write_failed"
    assert "No space left on device" in warning["message"]
    assert "--resume will run kb_ingestion again" in warning["message"]
    assert result.records["outline"].warnings == []
