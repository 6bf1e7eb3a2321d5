"""--record writes every model exchange; --replay re-runs from it without a network."""

from __future__ import annotations

import json
import shutil

from tests.helpers import BRIEF, EXAMPLE, generate_over, run_cli
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

KEY = "sk-test-record-9a8b7c6d5e4f3a2b"


def _replay(recording, out, *extra):
    # no --provider or --model: both come from the recording
    return run_cli("generate", "-i", BRIEF, "-o", out, "--replay", recording, *extra)


def _article(out):
    report = json.loads((out / "run.json").read_text())
    return report, (out / report["article"]).read_bytes()


def test_a_recording_replays_to_a_byte_identical_article(tmp_path, monkeypatch) -> None:
    recording = tmp_path / "run.jsonl"
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with ModelServer(responder=article_responder, misbehave="ignore_format") as server:
        first = generate_over(
            server.base_url, tmp_path / "a", "--retries", "1", "--record", recording, "-q"
        )
        calls = server.counts["openai"]
    assert first.exit_code == 0, first.stderr
    lines = [json.loads(line) for line in recording.read_text().splitlines()]
    assert len(lines) == calls == 9
    assert {line["task"] for line in lines} == {
        "outline",
        "code_explanation",
        "introduction",
        "section",
        "conclusion",
    }
    assert all(line["elapsed_s"] >= 0 and line["request"]["messages"] for line in lines)
    assert KEY not in recording.read_text()

    monkeypatch.delenv("OPENAI_API_KEY")  # no key and no server: nothing can reach a network
    second = _replay(recording, tmp_path / "b", "--retries", "1", "-q")
    assert second.exit_code == 0, second.stderr
    (report_a, article_a), (report_b, article_b) = (
        _article(tmp_path / "a"),
        _article(tmp_path / "b"),
    )
    assert article_a == article_b
    assert report_b["model"] == report_a["model"] == "model-server"
    assert report_b["provider"] == report_a["provider"] == "openai"
    assert report_b["warnings"] == report_a["warnings"] and len(report_b["warnings"]) == 2


def test_a_request_the_recording_does_not_hold_fails_in_one_line(tmp_path) -> None:
    recording = tmp_path / "run.jsonl"
    with ModelServer(responder=article_responder) as server:
        generate_over(server.base_url, tmp_path / "a", "--record", recording, "-q")
    result = _replay(recording, tmp_path / "b", "--model", "another-model", "-q")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: replay:") and "holds no answer" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "b").exists() or not any((tmp_path / "b").iterdir())


def test_a_file_that_is_not_a_recording_is_refused(tmp_path) -> None:
    bogus = tmp_path / "notes.jsonl"
    bogus.write_text('{"hello": "world"}\n')
    result = _replay(bogus, tmp_path / "b", "-q")
    assert result.exit_code == 2
    assert "line 1 is not a ucop recording line" in result.stderr
    missing = _replay(tmp_path / "nope.jsonl", tmp_path / "c", "-q")
    assert missing.exit_code == 2 and "cannot read" in missing.stderr


def test_a_batch_replays_each_article_from_its_own_recording_without_a_key(
    tmp_path, monkeypatch
) -> None:
    folder = tmp_path / "briefs"
    shutil.copytree(EXAMPLE, folder)
    shutil.copy(folder / "brief.md", folder / "second.md")
    recording = tmp_path / "run.jsonl"
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with ModelServer(responder=article_responder) as server:
        first = run_cli(
            "batch", folder, "-o", tmp_path / "a", "--provider", "openai",
            "--base-url", server.base_url, "--record", recording, "-q",
        )  # fmt: skip
    assert first.exit_code == 0, first.stderr
    assert sorted(p.name for p in tmp_path.glob("run-*.jsonl")) == [
        "run-brief.jsonl",
        "run-second.jsonl",
    ]
    monkeypatch.delenv("OPENAI_API_KEY")  # a replay calls no model: no key is asked for
    second = run_cli(
        "batch", folder, "-o", tmp_path / "b", "--provider", "openai", "--replay", recording, "-q"
    )
    assert second.exit_code == 0, second.stderr
    for name in ("brief", "second"):
        _, article_a = _article(tmp_path / "a" / name)
        report_b, article_b = _article(tmp_path / "b" / name)
        assert article_a == article_b and report_b["provider"] == "openai"
