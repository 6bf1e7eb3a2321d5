"""Property tests: any text in an .rst, .ipynb or .html document either becomes Markdown or
raises ucop's own SourceError (one clear line), and the Markdown chunks within bounds."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ucop.errors import SourceError
from ucop.sources.chunking import MAX_CHUNK_CHARS, MAX_CODE_CHARS
from ucop.sources.html import html_to_markdown
from ucop.sources.kb import document_chunks
from ucop.sources.notebook import notebook_to_markdown
from ucop.sources.rst import rst_to_markdown

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
RST_PIECES = [
    "Title\n=====\n", "Sub\n---\n", "::\n\n    code\n", ".. note::\n   body\n",
    ".. code-block:: python\n\n   x = 1\n", ":class:`A <b.C>` ", "``lit`` ", "`ref`_ ",
    ".. _ref: http://x.org\n", "* item\n", "1. one\n", "  indented\n", "| line\n",
    ".. toctree::\n   a\n", ".. unknown:: arg\n   :opt: v\n", "+--+--+\n|a |b |\n+--+--+\n",
    "===  ===\na    b\n===  ===\n", "term\n   def\n", ":field: value\n", "\n", ">>> 1\n1\n",
    ".. |s| replace:: x\n", "|s| ", "[#]_ ", ".. [#] note\n", ".. include:: /etc/passwd\n",
]  # fmt: skip
HTML_PIECES = [
    "<h1>", "</h1>", "<p>", "</p>", "<pre>", "</pre>", "<code>", "</code>", "<ul>", "<li>",
    "</ul>", "<table><tr><td>", "</table>", "<script>", "</script>", "<div class='admonition'>",
    "</div>", "<a href='http://x'>", "</a>", "text ", "&amp;", "<br>", "<!--", "-->", "<",
]  # fmt: skip


@SETTINGS
@given(st.lists(st.sampled_from(RST_PIECES) | st.text(max_size=12), max_size=25))
def test_any_rst_converts_or_is_a_source_error(pieces):
    text = "".join(pieces)
    try:
        markdown = rst_to_markdown(text, "doc.rst")
    except SourceError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(markdown, str) and "root:" not in markdown  # /etc/passwd is never read


@SETTINGS
@given(st.lists(st.sampled_from(HTML_PIECES) | st.text(max_size=12), max_size=40))
def test_any_html_converts(pieces):
    markdown = html_to_markdown("".join(pieces))
    assert isinstance(markdown, str) and "<script>" not in markdown


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=15,
)
cells = st.fixed_dictionaries(
    {"cell_type": st.sampled_from(["markdown", "code", "raw", 3]), "source": json_values}
)


@SETTINGS
@given(st.one_of(json_values, st.fixed_dictionaries({"cells": st.lists(cells, max_size=5)})))
def test_any_json_is_a_notebook_or_a_source_error(data):
    try:
        markdown = notebook_to_markdown(json.dumps(data), "nb.ipynb")
    except SourceError as exc:
        assert str(exc).startswith("nb.ipynb: not a Jupyter notebook we can read")
        return
    assert isinstance(markdown, str)


@SETTINGS
@given(st.text(alphabet="ab `#[\n.-=", max_size=4000))
def test_every_chunk_is_within_bounds(tmp_path, text):
    page = tmp_path / "page.md"
    page.write_text(text)
    for chunk in document_chunks(page, tmp_path, set()):
        assert len(chunk["text"]) <= MAX_CHUNK_CHARS
        assert sum(len(b["code"]) for b in chunk["code_blocks"]) <= MAX_CODE_CHARS
