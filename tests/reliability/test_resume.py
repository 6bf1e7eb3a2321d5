"""Resume: a killed or edited run re-runs only what has no cached result."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time

from tests.helpers import BRIEF, copy_example, generate_process, run_cli, wait_for
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

MODEL_CALLS = 8


def _cmd(brief, out, server, *extra):
    return generate_process(
        brief, out, server.base_url, "--progress", "plain", *extra, model="model-server"
    )


def _article(out):
    report = json.loads((out / "run.json").read_text())
    return report, (out / report["article"]).read_text()


def test_kill_9_then_resume_makes_only_the_remaining_calls_and_the_same_article(tmp_path):
    with ModelServer(responder=article_responder) as server:
        # the reference: one uninterrupted run (its cache is separate), at full speed
        reference = tmp_path / "reference"
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache-ref")}
        subprocess.run(
            _cmd(BRIEF, reference, server, "--sequential"),
            env=env,
            check=True,
            capture_output=True,
            timeout=60,
        )
        server.reset_stats()
        server.latency_s = 0.3  # slow answers only here, so the kill lands with one in flight
        out = tmp_path / "out"
        env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
        proc = subprocess.Popen(
            _cmd(BRIEF, out, server, "--sequential"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: server.count >= 5)  # four calls answered, the fifth in flight
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        finished_before = sum(1 for r in server.requests if r.finished is not None)
        assert not out.exists() or not list(out.glob("*.md"))  # nothing half-written
        server.reset_stats()
        server.latency_s = 0.0
        resumed = subprocess.run(
            _cmd(BRIEF, out, server, "--sequential", "--resume"),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert resumed.returncode == 0, resumed.stderr
        assert server.count == MODEL_CALLS - 4
        assert finished_before in (4, 5)  # the fifth may have been answered just before the kill
    report, text = _article(out)
    cached = [a["name"] for a in report["agents"] if a["status"] == "cached"]
    assert "outline_planner" in cached and len(cached) >= 4 + 3  # 4 model agents + 3 ingestion
    _, expected = _article(reference)
    assert text == expected


def test_editing_one_required_section_reruns_only_what_depends_on_it(tmp_path):
    brief = copy_example(tmp_path)
    out = tmp_path / "out"
    with ModelServer(responder=article_responder) as server:
        first = run_cli(
            "generate",
            "-i",
            brief,
            "-o",
            out,
            "--provider",
            "openai",
            "--base-url",
            server.base_url,
            "--model",
            "model-server",
            "--quiet",
        )
        assert first.exit_code == 0, first.stderr
        text = brief.read_text()
        edited = text.replace(
            "and how to\nuse the `Lumen-Delivery` id",
            "and how to\nuse the `Lumen-Delivery` header id",
        )
        assert edited != text
        brief.write_text(edited)
        server.reset_stats()
        second = run_cli(
            "generate",
            "-i",
            brief,
            "-o",
            out,
            "--provider",
            "openai",
            "--base-url",
            server.base_url,
            "--model",
            "model-server",
            "--quiet",
            "--resume",
        )
        assert second.exit_code == 0, second.stderr
        prompts = [r.body["messages"][-1]["content"] for r in server.requests]
    report = json.loads((out / "run.json").read_text())
    status = {a["name"]: a["status"] for a in report["agents"]}
    rerun = {name for name, s in status.items() if s == "done"}
    assert "section_writer[2]" in rerun and "outline_planner" in rerun
    assert {
        "section_writer[1]",
        "section_writer[3]",
        "section_writer[4]",
        "code_generation",
        "kb_ingestion",
        "api_ingestion",
        "blog_ingestion",
    } <= {n for n, s in status.items() if s == "cached"}
    assert rerun <= {
        "outline_planner",
        "introduction_writer",
        "section_writer[2]",
        "conclusion_writer",
        "code_validation",
        "assembly",
    }
    written = [re.search(r'section "([^"]+)"', p) for p in prompts]
    assert [m.group(1) for m in written if m] == ["Handle retries and duplicate deliveries"]


def test_resume_without_an_earlier_run_just_runs(tmp_path):
    out = tmp_path / "out"
    result = run_cli("generate", "-i", BRIEF, "-o", out, "--resume", "--quiet")
    assert result.exit_code == 0
    report = json.loads((out / "run.json").read_text())
    assert all(a["status"] == "done" for a in report["agents"])


def test_ctrl_c_exits_130_with_one_line_and_no_article(tmp_path):
    with ModelServer(latency_s=0.5, responder=article_responder) as server:
        out = tmp_path / "out"
        proc = subprocess.Popen(
            _cmd(BRIEF, out, server), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        wait_for(lambda: server.count >= 2)
        began = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
        assert time.monotonic() - began < 3
    assert proc.returncode == 130
    assert "Traceback" not in stderr
    errors = [ln for ln in stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "interrupted" in errors[0] and "--resume" in errors[0]
    assert not out.exists() or not list(out.glob("*.md"))
