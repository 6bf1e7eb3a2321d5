"""A long page is split: no chunk, and so no model request, is megabytes, whatever the page.

The attacks: a 9.9 MB page with no whitespace at all (one "word"), a code block of megabytes,
a single line of a megabyte inside a fence, a heading of a megabyte, and a 10 MB run of `[`
(markdown-it's inline pass is superlinear on it). Each is written in tmp_path, under the
10 MB input limit, and read through the knowledge-base loader the pipeline uses.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import generate_over
from ucop.sources.chunking import MAX_CHUNK_CHARS, MAX_CODE_CHARS, MAX_HEADING_CHARS
from ucop.sources.kb import load_kb
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

pytestmark = pytest.mark.slow
NEAR_LIMIT = 9_900_000
CHUNK_BOUND = 3 * (MAX_CHUNK_CHARS + MAX_CODE_CHARS)  # text + code + Markdown of both + ids


def size(chunk: dict) -> int:
    return len(json.dumps(chunk))


def kb_with(tmp_path: Path, name: str, text: str) -> Path:
    kb = tmp_path / "kb"
    kb.mkdir(exist_ok=True)
    (kb / name).write_text(text)
    return kb


def test_a_page_with_no_whitespace_is_cut_into_bounded_chunks_and_nothing_is_lost(tmp_path):
    kb = kb_with(tmp_path, "page.md", "# Big\n\n" + "a" * NEAR_LIMIT + "\n")
    chunks = load_kb(kb, tmp_path)
    assert len(chunks) >= NEAR_LIMIT // MAX_CHUNK_CHARS
    assert max(len(c["text"]) for c in chunks) <= MAX_CHUNK_CHARS
    assert max(size(c) for c in chunks) < CHUNK_BOUND
    assert "".join(c["text"] for c in chunks) == "a" * NEAR_LIMIT
    assert len({c["id"] for c in chunks}) == len(chunks)


def test_a_giant_code_block_and_a_huge_code_line_are_cut_at_line_ends(tmp_path):
    lines = [f"value_{i} = {i}" for i in range(200_000)]
    huge_line = "x" * 1_000_000
    page = "# Code\n\nIntro.\n\n```python\n" + "\n".join(lines) + "\n```\n\n```text\n"
    chunks = load_kb(kb_with(tmp_path, "code.md", page + huge_line + "\n```\n"), tmp_path)
    assert max(sum(len(b["code"]) for b in c["code_blocks"]) for c in chunks) <= MAX_CODE_CHARS
    assert max(size(c) for c in chunks) < CHUNK_BOUND
    python = [b["code"] for c in chunks for b in c["code_blocks"] if b["lang"] == "python"]
    assert "\n".join(python).split("\n") == lines  # cut between lines, every line kept
    text = [b["code"] for c in chunks for b in c["code_blocks"] if b["lang"] == "text"]
    assert "".join(text) == huge_line
    assert chunks[0]["text"] == "Intro."  # the introduction stays with the first piece


def test_a_heading_of_a_megabyte_is_cut(tmp_path):
    chunks = load_kb(kb_with(tmp_path, "h.md", "# " + "h" * 1_000_000 + "\n\nBody.\n"), tmp_path)
    assert [c["text"] for c in chunks] == ["Body."]
    assert len(chunks[0]["title"]) == len(chunks[0]["heading"]) == MAX_HEADING_CHARS


@pytest.mark.parametrize(
    ("name", "page"),
    [
        ("brackets.md", "# B\n\n" + "[" * NEAR_LIMIT),
        ("page.rst", "Big\n===\n\n" + "a" * 2_000_000 + "\n"),
        ("page.html", "<h1>Big</h1><p>" + "a" * 2_000_000 + "</p>"),
        ("page.ipynb", json.dumps({"cells": [{"cell_type": "markdown", "source": "b" * 2**21}]})),
    ],
)
def test_every_format_is_cut_alike(tmp_path, name, page):
    chunks = load_kb(kb_with(tmp_path, name, page), tmp_path)
    assert len(chunks) >= 1_000
    assert max(size(c) for c in chunks) < CHUNK_BOUND


def test_no_model_request_carries_the_long_page(tmp_path):
    kb = kb_with(tmp_path, "page.md", "# Webhooks\n\n" + "w" * NEAR_LIMIT + "\n")
    (kb / "guide.md").write_text("# Webhooks guide\n\nRegister a webhook, then verify it.\n")
    brief = tmp_path / "brief.md"
    brief.write_text('---\ntitle: "Webhooks"\nsources:\n  kb: kb/\n---\nExplain webhooks.\n')
    sizes: list[int] = []

    def measuring(body: dict) -> str:
        sizes.append(len(json.dumps(body)))
        return article_responder(body)

    with ModelServer(responder=measuring) as server:
        result = generate_over(server.base_url, tmp_path / "out", "--model", "m", "-q", brief=brief)
    assert result.exit_code == 0, result.output
    assert len(sizes) >= 4
    assert max(sizes) < 200_000, sorted(sizes)[-3:]  # a 9.9 MB page, no request over 200 kB
