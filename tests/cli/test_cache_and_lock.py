"""The cache as users expect it, and one run at a time per output folder."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time

from tests.helpers import ROOT, copy_example, generate_over, generate_process, run_cli
from ucop.cache import DiskCache, default_cache_dir
from ucop.files import LOCK_FILE, output_lock
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

MODEL_CALLS = 8


def _cache_dir(tmp_path):
    return default_cache_dir()  # under the isolated home of tests/conftest.py


def test_cache_info_and_clear(tmp_path, monkeypatch):
    monkeypatch.setenv("UCOP_CACHE_DIR", str(tmp_path / "c"))
    empty = json.loads(run_cli("cache", "info", "--json").stdout)
    assert empty == {
        "path": str(tmp_path / "c"),
        "exists": False,
        "entries": 0,
        "durations": 0,
        "bytes": 0,
        "indexes": [],
    }
    assert (
        run_cli("generate", "-i", copy_example(tmp_path), "-o", tmp_path / "o", "-q").exit_code == 0
    )
    info = json.loads(run_cli("cache", "info", "--json").stdout)
    assert info["entries"] > 5 and info["durations"] == 1 and info["bytes"] > 1000
    text = run_cli("cache", "info").stdout
    assert f"results    {info['entries']}" in text and "ucop cache clear" in text
    (index,) = info["indexes"]  # the example's knowledge base, searched in place
    assert (index["documents"], index["chunks"], index["state"]) == (8, 44, "ready")
    assert index["root"].endswith("kb") and index["bytes"] > 10_000
    assert f"{index['root']}  8 documents, 44 chunks" in text
    cleared = run_cli("cache", "clear", "--json")
    assert cleared.exit_code == 0
    assert json.loads(cleared.stdout)["entries"] == info["entries"]
    assert len(json.loads(cleared.stdout)["indexes"]) == 1
    after = json.loads(run_cli("cache", "info", "--json").stdout)
    assert after["entries"] == 0 and after["bytes"] == 0 and after["indexes"] == []
    assert not (tmp_path / "c" / "index").exists()


def test_the_base_url_is_part_of_the_cache_key(tmp_path):
    brief = copy_example(tmp_path)
    with (
        ModelServer(responder=article_responder) as one,
        ModelServer(responder=article_responder) as two,
    ):
        model = ("--model", "loopback")  # no /models discovery request: count chat calls only
        first = generate_over(one.base_url, tmp_path / "a", "-q", *model, brief=brief)
        assert first.exit_code == 0
        resumed = generate_over(two.base_url, tmp_path / "b", "-q", "--resume", *model, brief=brief)
        assert resumed.exit_code == 0
        assert one.count == MODEL_CALLS
        assert two.count == MODEL_CALLS  # another server: nothing reused
        again = generate_over(two.base_url, tmp_path / "c", "-q", "--resume", *model, brief=brief)
        assert again.exit_code == 0 and two.count == MODEL_CALLS  # same server: all reused


def test_an_entry_of_the_wrong_shape_is_a_miss(tmp_path):
    brief = copy_example(tmp_path)
    assert run_cli("generate", "-i", brief, "-o", tmp_path / "a", "-q").exit_code == 0
    entries = sorted((_cache_dir(tmp_path) / "results").rglob("*.json"))
    assert len(entries) >= 10
    shapes = ["[1, 2]", '{"other": 1}', "null", "not json", ""]
    for i, entry in enumerate(entries):
        entry.write_text(shapes[i % len(shapes)])
    result = run_cli("generate", "-i", brief, "-o", tmp_path / "b", "-q", "--resume")
    assert result.exit_code == 0, result.stderr
    report = json.loads((tmp_path / "b" / "run.json").read_text())
    assert {a["status"] for a in report["agents"]} == {"done"}  # every agent ran again
    cache = DiskCache(_cache_dir(tmp_path))
    assert cache.load("0" * 64) == (False, None)


def test_an_unwritable_cache_folder_is_a_warning_at_the_start(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("UCOP_CACHE_DIR", str(blocker / "cache"))
    out = tmp_path / "out"
    result = run_cli("generate", "-i", copy_example(tmp_path), "-o", out, "--progress", "plain")
    assert result.exit_code == 0, result.stderr
    warning = result.stderr.index("warning: the cache folder")
    assert warning < result.stderr.index("Run summary")
    assert "--resume" in result.stderr[warning:].splitlines()[0]


def _generate_cmd(brief, out, server):
    return generate_process(brief, out, server.base_url, "-q")


def test_two_runs_into_one_output_folder_the_second_is_refused(tmp_path):
    brief = copy_example(tmp_path)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    # The first run's answers wait until the second run has been refused: it holds the
    # folder however long a Python process takes to start on a loaded machine.
    refused = threading.Event()

    def held(body):
        refused.wait(60)
        return article_responder(body)

    with ModelServer(latency_s=0.0, responder=held) as server:
        first = subprocess.Popen(
            _generate_cmd(brief, out, server),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while server.count < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        second = subprocess.run(
            [*_generate_cmd(brief, out, server), "--force"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        refused.set()
        stdout, stderr = first.communicate(timeout=60)
        assert second.returncode == 2, second.stderr
        assert "another ucop run" in second.stderr and "--output" in second.stderr
        assert second.stderr.count("\n") == 1
        assert first.returncode == 0, stderr
        assert server.count == MODEL_CALLS  # the refused run called nothing
    names = sorted(p.name for p in out.iterdir())
    assert names == ["run.json", "sync-tasks-in-real-time-with-lumen-webhooks.md", "timeline.svg"]


def _finished_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_the_lock_cleans_up_stale_temporary_files_and_itself(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    gone = _finished_pid()
    (out / f".ucop-{gone}-article.md.abc123.tmp").write_text("half an article from a killed run")
    with output_lock(out):
        assert (out / LOCK_FILE).is_file()
        assert not list(out.glob("*.tmp"))
    assert list(out.iterdir()) == []
    fresh = tmp_path / "fresh"
    with output_lock(fresh):
        assert fresh.is_dir()
    assert not fresh.exists()  # created by the run, left empty: removed
