"""`ucop verify DIR` reviews a draft as an editor would: each problem a named finding."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_cli
from ucop.article.check import check_article

FIXTURES = Path(__file__).parent / "fixtures"

BAD = """---
title: Build a socket endpoint with Harbor
description: d
date: 2026-01-02
tags: [python]
slug: build-a-socket-endpoint-with-harbor
draft: true
sources: [/home/someone/docs/sockets.md]
---

This article shows you sockets, with words enough to pass the length check of the structure
test that wants a hundred and fifty words; so here are more words about sockets and harbor
and connections and endpoints and routing and testing, and even more words to be safe,
and yet more words, words, words, words, words, words, words, words, words, words, words.

## Accept a socket connection

The `HTTPException` class provides a base class for handled exceptions [1]. See the
[routing guide](routing.md) and [the file](../../../home/someone/docs/a.md).

!!! tip "Leftover"
    An admonition nobody converted.

<div class="grid">A div.</div>

## HTTPException

The `HTTPException` class provides a base class that you can use for handled exceptions.

## Store sessions in Redis

Store each session in Redis, keyed by the socket id, so sessions survive a restart.

## Wrapping up

Done, with `socket.accept()` and more words about accepting socket connections here.

## Sources

1. Exceptions (`docs/exceptions.md`)
"""


def findings(folder: Path) -> dict[str, tuple[bool, str]]:
    return {name: (ok, detail) for name, ok, detail in check_article(folder)}


def write(folder: Path, text: str, warnings: list[dict]) -> Path:
    folder.mkdir()
    (folder / "build-a-socket-endpoint-with-harbor.md").write_text(text)
    report = {"brief": str(FIXTURES / "brief.md"), "status": "ok", "warnings": warnings}
    (folder / "run.json").write_text(json.dumps(report))
    return folder


def test_each_problem_is_a_named_failing_finding(tmp_path):
    warning = {"kind": "uncovered_section", "message": 'section 2 "Store sessions in Redis"'}
    found = findings(write(tmp_path / "bad", BAD, [warning]))
    ok, detail = found["sections on topic"]
    assert not ok and '"Accept a socket connection"' in detail and "Redis" not in detail
    assert '"HTTPException" (nothing in the brief asks for it)' in detail
    ok, detail = found["links publishable"]
    assert not ok
    assert "dead relative link routing.md" in detail
    assert "machine-local link ../../../home/someone/docs/a.md" in detail
    assert "machine path in front matter sources: /home/someone/docs/sockets.md" in detail
    ok, detail = found["no markup leftovers"]
    assert not ok and "!!! tip" in detail and "<div" in detail
    ok, detail = found["code where asked"]
    assert not ok and '"Store sessions in Redis"' in detail  # its notes ask "with code"
    assert "Accept a socket connection" not in detail  # the brief asks no code there
    ok, detail = found["sources cover the brief"]
    assert not ok and "Store sessions in Redis" in detail


def test_a_generated_draft_passes_the_review_except_its_coverage_gap(tmp_path):
    out = tmp_path / "out"
    assert run_cli("generate", "-i", FIXTURES / "brief.md", "-o", out, "--quiet").exit_code == 0
    found = findings(out)
    failing = sorted(name for name, (ok, _) in found.items() if not ok)
    assert failing == ["sources cover the brief"]
    result = run_cli("verify", out)
    assert result.exit_code == 1 and "✗ sources cover the brief" in result.stdout


def test_a_replaced_answer_is_not_a_coverage_gap_and_a_kept_cut_answer_fails(tmp_path):
    """SmolLM2's articles failed `sources cover the brief` on warnings about its own answers
    (session 6): those are the model's, said in their own finding."""
    replaced = {"kind": "model_answer_replaced", "agent": "section_writer[1]", "message": "x"}
    cut_replaced = {"kind": "truncated", "agent": "section_writer[1]", "message": "cut"}
    found = findings(write(tmp_path / "replaced", BAD, [replaced, cut_replaced]))
    assert found["sources cover the brief"] == (True, "no coverage warnings")
    assert found["model answers used whole"][0]
    cut_kept = {"kind": "truncated", "agent": "conclusion_writer", "message": "cut"}
    found = findings(write(tmp_path / "kept", BAD, [replaced, cut_kept]))
    ok, detail = found["model answers used whole"]
    assert not ok and "conclusion_writer" in detail and "section_writer" not in detail
