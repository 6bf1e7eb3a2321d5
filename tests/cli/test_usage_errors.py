"""Usage errors: exit 2, one line, nothing written, no model called; odd files refused at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, copy_example, generate_over, run_cli
from ucop.cli import main
from ucop.files import MAX_INPUT_BYTES
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder


def _one_line_exit_2(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def _brief_with(tmp_path, front: str) -> Path:
    brief = copy_example(tmp_path)
    brief.write_text(f"---\ntitle: T\n{front}sources: {{kb: kb/, api: openapi.yaml}}\n---\nbody\n")
    return brief


@pytest.fixture
def server():
    with ModelServer(latency_s=0.0, responder=article_responder) as srv:
        yield srv


def test_unknown_progress_mode(tmp_path):
    brief = copy_example(tmp_path)
    out = tmp_path / "out"
    result = run_cli("generate", "-i", brief, "-o", out, "--progress", "fancy")
    assert "--progress 'fancy'" in _one_line_exit_2(result)
    assert not out.exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_output_folder_that_cannot_be_created(tmp_path):
    brief = copy_example(tmp_path)
    result = run_cli("generate", "-i", brief, "-o", "/proc/ucop-test/out", "-q")
    assert "is not writable" in _one_line_exit_2(result)


@pytest.mark.parametrize("how", ["flag", "env"])
def test_unknown_provider_in_verify(how):
    args, env = (["--provider", "nope"], None) if how == "flag" else ([], {"UCOP_PROVIDER": "nope"})
    result = run_cli("verify", *args, env=env)
    assert "unknown provider 'nope'" in _one_line_exit_2(result)


def test_unknown_provider_in_plan(tmp_path):
    brief = copy_example(tmp_path)
    result = run_cli("plan", "-i", brief, env={"UCOP_PROVIDER": "nope"})
    assert "unknown provider 'nope'" in _one_line_exit_2(result)


@pytest.mark.parametrize("url", ["ftp://example.com/v1", "not a url", "http://", "localhost:8080"])
def test_base_url_that_is_not_http(tmp_path, url):
    out = tmp_path / "out"
    result = run_cli(
        "generate",
        "-i",
        copy_example(tmp_path),
        "-o",
        out,
        "--provider",
        "openai",
        "--base-url",
        url,
    )
    assert "is not an http(s) URL" in _one_line_exit_2(result)
    assert not out.exists()


def test_invalid_date_is_found_before_any_model_call(tmp_path, server):
    out = tmp_path / "out"
    brief = _brief_with(tmp_path, "date: next tuesday\n")
    result = generate_over(server.base_url, out, "-q", brief=brief)
    assert "'date' 'next tuesday' is not a date" in _one_line_exit_2(result)
    assert server.count == 0
    assert not out.exists()


def test_a_valid_date_is_kept(tmp_path):
    out = tmp_path / "out"
    brief = _brief_with(tmp_path, "date: 2024-05-01\n")
    assert run_cli("generate", "-i", brief, "-o", out, "-q").exit_code == 0
    article = next(out.glob("*.md")).read_text()
    assert "date: '2024-05-01'" in article or "date: 2024-05-01" in article


def test_yaml_string_that_is_not_unicode(tmp_path):
    brief = _brief_with(tmp_path, 'description: "caf\\udc00"\n')
    result = run_cli("generate", "-i", brief, "-o", tmp_path / "out", "-q")
    assert "not valid Unicode" in _one_line_exit_2(result)
    config = tmp_path / "c.yaml"
    config.write_text('provider:\n  model: "m\\ud800"\n')
    result = run_cli("verify", "--config", config)
    assert result.exit_code == 1  # verify reports the config check as failed
    assert "not valid Unicode" in result.stdout


def test_spec_nested_too_deep(tmp_path, server):
    brief = copy_example(tmp_path)
    depth = 100_000
    (brief.parent / "openapi.yaml").write_text(
        '{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {}, "x": '
        + "[" * depth
        + "]" * depth
        + "}"
    )
    out = tmp_path / "out"
    result = generate_over(server.base_url, out, "-q", "--model", "loopback", brief=brief)
    assert "nested too deeply" in _one_line_exit_2(result)
    assert server.count == 0
    assert not out.exists()


def test_kb_file_over_the_size_limit(tmp_path):
    brief = copy_example(tmp_path)
    big = brief.parent / "kb" / "huge.md"
    big.write_bytes(b"# Huge\n" + b"word " * (MAX_INPUT_BYTES // 5 + 10))
    out = tmp_path / "out"
    result = run_cli("generate", "-i", brief, "-o", out, "-q")
    assert "MB limit" in _one_line_exit_2(result)
    assert not out.exists()


def _ucop(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess, so an input that blocks fails the test instead of hanging."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "ucop", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_and_device_inputs_are_refused_at_once(tmp_path):
    brief = copy_example(tmp_path)
    fifo = tmp_path / "brief.md"
    os.mkfifo(fifo)  # nobody ever writes to it: reading would block forever
    done = _ucop("generate", "-i", str(fifo), "-o", "out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "is not a regular file" in done.stderr
    brief.write_text("---\ntitle: T\nsources: {api: /dev/zero}\n---\nbody\n")
    done = _ucop("generate", "-i", str(brief), "-o", "out", "-q", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "/dev/zero: is not a regular file" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["plan", "--bogus"], "No such option: --bogus (see 'ucop plan -h')"),
        (["plan"], "Missing option '--input'"),
        (["generate", "-i", "b.md", "-o", "o", "--max-parallel", "x"], "'--max-parallel'"),
    ],
)
def test_flag_mistakes_are_one_line(capsys, argv, expected):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err, err


def test_short_help_and_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["-V"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("ucop ")
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "-h"])
    assert exit_info.value.code == 0
    assert "--output" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("bad.md", b"# Title\n\xff\xfe", "bad.md: line 2 is not valid UTF-8"),
        ("bad.ipynb", b"{not json", "bad.ipynb: not a Jupyter notebook we can read"),
        ("bad.rst", b"Title\n=====\n\x00", "bad.rst: looks binary"),
    ],
)
def test_plan_reports_an_unreadable_source_as_generate_does(tmp_path, name, content, says):
    brief = copy_example(tmp_path)
    (brief.parent / "kb" / name).write_bytes(content)
    planned = _one_line_exit_2(run_cli("plan", "-i", brief))
    generated = _one_line_exit_2(run_cli("generate", "-i", brief, "-o", tmp_path / "out", "-q"))
    assert says in planned
    assert planned == generated
    assert not (tmp_path / "out").exists()


def test_an_origin_is_typed_and_reads_as_before(tmp_path):
    """Where a value came from is an `Origin` (kind + detail), shown as the same words."""
    from ucop.config import load_settings
    from ucop.run_settings import Origin, OriginKind

    config = tmp_path / "main.yaml"
    config.write_text("provider:\n  name: offline\n  max_tokens: 900\n")
    settings = load_settings(
        str(config), {"site": "hugo"}, {"UCOP_RETRIES": "2", "PATH": "/usr/bin"}
    )
    assert settings.source("output.site") == Origin(OriginKind.FLAG, "--site")
    assert settings.source("agents.retries") == Origin(OriginKind.ENVIRONMENT, "UCOP_RETRIES")
    assert settings.source("provider.max_tokens") == Origin(OriginKind.FILE, "main.yaml")
    assert settings.source("agents.timeout_s").kind is OriginKind.DEFAULT
    assert [settings.origin(loc) for loc in ("output.site", "agents.retries")] == [
        "flag --site",
        "environment UCOP_RETRIES",
    ]
    assert (settings.origin("provider.max_tokens"), settings.origin("agents.timeout_s")) == (
        "config file main.yaml",
        "default",
    )
    assert settings.source("output.site").from_flag
    assert not settings.source("provider.max_tokens").from_flag


def test_one_line_from_any_exception():
    """The two ways an exception becomes one line, written once in ucop.errors."""
    from ucop.errors import first_line, one_line

    many = ValueError("  bad value\n  at line 3\n")
    assert one_line(many) == "bad value at line 3"
    assert first_line(many) == "ValueError: bad value"
    assert one_line(KeyError()) == "KeyError" == first_line(KeyError())
    assert first_line(SystemExit(3)) == "SystemExit: 3"
