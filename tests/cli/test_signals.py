"""SIGTERM stops a run like Ctrl-C: results kept, no article, one line naming --resume, exit 143."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from tests.helpers import ROOT, copy_example, generate_process, wait_for
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

MODEL_CALLS = 8  # the example's workflow with the openai provider


def _generate(brief, out, server, *extra):
    return generate_process(brief, out, server.base_url, "--progress", "plain", *extra)


def test_sigterm_stops_like_ctrl_c_and_resume_finishes(tmp_path):
    brief = copy_example(tmp_path)
    out = tmp_path / "out"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    with ModelServer(latency_s=0.4, responder=article_responder) as server:
        proc = subprocess.Popen(
            _generate(brief, out, server),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        wait_for(lambda: server.count >= 3)  # the outline is done, writers are in flight
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
        assert time.monotonic() - began < 5
        assert proc.returncode == 143, stderr
        assert "Traceback" not in stderr
        errors = [ln for ln in stderr.splitlines() if ln.startswith("error:")]
        assert len(errors) == 1, stderr
        assert "terminated (SIGTERM)" in errors[0] and "--resume" in errors[0]
        assert not out.exists() or not list(out.glob("*.md"))
        before = server.count
        resumed = subprocess.run(
            _generate(brief, out, server, "--resume"),
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert resumed.returncode == 0, resumed.stderr
        # the finished calls were kept: the resumed run makes only the rest
        assert 0 < server.count - before < MODEL_CALLS
    report = json.loads((out / "run.json").read_text())
    assert (out / report["article"]).is_file()
