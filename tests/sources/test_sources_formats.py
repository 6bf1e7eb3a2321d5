"""Docs as people write them: reStructuredText, Jupyter notebooks and HTML become the same
Markdown chunks as a Markdown knowledge base (real parsers, real files in tmp)."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import CORPUS
from ucop.errors import SourceError
from ucop.sources.html import html_to_markdown
from ucop.sources.kb import kb_files, load_kb
from ucop.sources.notebook import notebook_to_markdown
from ucop.sources.rst import rst_to_markdown

RST = """\
.. _quickstart:

Quickstart
==========

.. module:: requests.models

.. currentmodule:: requests

.. toctree::
   :maxdepth: 2

   user/install

Make a :class:`Response <requests.Response>` with :func:`requests.get`, read
:attr:`~requests.Response.text`, see :ref:`installed <install>` and `the site
<https://example.org/docs>`_. An extension role :issue:`123` and ``literal``.

Streaming
---------

.. note::
   Set ``stream=True`` first.

Download with a literal block::

    >>> r = requests.get(url, stream=True)

.. code-block:: python
   :emphasize-lines: 2

   for chunk in r.iter_content(8192):
       handle(chunk)

.. image:: /_static/logo.png

.. autoclass:: requests.Response
   :members:

.. some-extension-directive:: with arguments
   :option: value

   Content nobody can render.

.. warning:: Close the response.

.. versionadded:: 2.1 The ``chunk_size`` argument.

* first item
* second item with :meth:`Session.get`

.. include:: /etc/passwd
"""


def test_rst_roles_directives_and_blocks_become_markdown():
    md = rst_to_markdown(RST, "quickstart.rst")
    assert md.startswith("# Quickstart\n")
    assert "## Streaming" in md
    assert "Make a `Response` with `requests.get`, read `text`, see installed and" in md
    assert "[the site](https://example.org/docs)" in md
    assert "`123`" in md and "`literal`" in md
    assert "> **Note:** Set `stream=True` first." in md
    assert "```pycon\n>>> r = requests.get(url, stream=True)\n```" in md
    assert "```python\nfor chunk in r.iter_content(8192):\n    handle(chunk)\n```" in md
    assert "> **Warning:** Close the response." in md
    assert "> **New in version 2.1:** The `chunk_size` argument." in md
    assert "- first item\n- second item with `Session.get`" in md


def test_rst_leaves_no_sphinx_markup_and_reads_no_other_file():
    md = rst_to_markdown(RST, "quickstart.rst")
    assert not re.search(r":\w+:`|^\.\. |^[=\-~^]{3,}$", md, re.M), md
    for dropped in ("toctree", "user/install", "logo.png", "members", "nobody can render"):
        assert dropped not in md
    assert "root:" not in md  # `include` is off: /etc/passwd is never read


def test_docutils_prints_nothing(capfd):
    broken = "Title\n=====\n\n:unknown-role:`x` and `unclosed\n\n.. unknown::\n\n  *x\n\nT\n==\n"
    md = rst_to_markdown(broken, "broken.rst")
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert "`x`" in md and "System Message" not in md and "ERROR" not in md


def test_literal_blocks_always_get_a_language():
    text = "Shell::\n\n    $ pip install requests\n\nPlain::\n\n    just words here\n\n"
    text += ".. highlight:: ini\n\nConfig::\n\n    [section]\n    key = value\n"
    langs = re.findall(r"^```(\w*)$", rst_to_markdown(text), re.M)
    assert langs == ["console", "", "text", "", "ini", ""]  # openers then closers


def test_rst_tables_and_definition_lists():
    text = """\
=====  =====
Name   Kind
=====  =====
get    read
post   write
=====  =====

term
   Its definition.
"""
    md = rst_to_markdown(text)
    assert "| Name | Kind |\n| --- | --- |\n| get | read |\n| post | write |" in md
    assert "- **term**: Its definition." in md


def notebook(cells: list[dict], language: str = "python") -> str:
    meta = {"kernelspec": {"language": language}, "language_info": {"name": language}}
    return json.dumps({"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5})


def test_notebook_cells_become_markdown_and_fences():
    text = notebook(
        [
            {"cell_type": "markdown", "source": ["# Analysis\n", "\n", "Load the data."]},
            {
                "cell_type": "code",
                "source": "import pandas as pd\ndf = pd.read_csv('x.csv')",
                "outputs": [{"output_type": "stream", "text": ["LEAKED OUTPUT"]}],
                "execution_count": 1,
            },
            {"cell_type": "raw", "source": "RAW CELL"},
            {"cell_type": "code", "source": ["   \n"]},
        ]
    )
    md = notebook_to_markdown(text, "nb.ipynb")
    assert md == (
        "# Analysis\n\nLoad the data.\n\n"
        "```python\nimport pandas as pd\ndf = pd.read_csv('x.csv')\n```\n"
    )


def test_notebook_language_comes_from_its_metadata():
    md = notebook_to_markdown(notebook([{"cell_type": "code", "source": "x <- 1"}], "R"))
    assert md.startswith("```r\n")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{not json", "not valid JSON (line 1)"),
        ("[1, 2]", "no list of cells"),
        (json.dumps({"nbformat": 3, "worksheets": []}), "nbformat 3"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_a_broken_notebook_is_one_clear_source_error(tmp_path, text, why):
    (tmp_path / "nb.ipynb").write_text(text)
    with pytest.raises(SourceError, match=re.escape(why)) as caught:
        load_kb(tmp_path, tmp_path)
    assert "nb.ipynb: not a Jupyter notebook we can read" in str(caught.value)


HTML = """<!DOCTYPE html><html><head><title>Site &amp; docs</title>
<style>p { color: red }</style><script>document.write("<p>SCRIPT</p>")</script></head>
<body><nav><a href="/">NAVIGATION</a></nav><div class="sphinxsidebar">SIDEBAR</div>
<div role="main"><h1>Quickstart<a class="headerlink" href="#q">¶</a></h1>
<p>Call <code>requests.get</code>, read <a href="https://example.org/a">the guide</a> and
<a href="other.html">a local page</a>.<p>Second <em>paragraph</em>.
<div class="highlight-python notranslate"><div class="highlight"><pre><span>import</span> requests
r = requests.get(url)
</pre></div></div>
<div class="admonition note"><p class="admonition-title">Note</p><p>Be careful.</p></div>
<ul><li>one<li>two</ul>
<h2>Install</h2><pre><code class="language-bash">pip install requests</code></pre>
<img src="logo.png" alt="logo"></div><footer>FOOTER</footer></body></html>"""


def test_html_page_becomes_markdown_without_chrome():
    md = html_to_markdown(HTML)
    assert md == (
        "# Quickstart\n\n"
        "Call `requests.get`, read [the guide](https://example.org/a) and a local page.\n\n"
        "Second *paragraph*.\n\n"
        "```python\nimport requests\nr = requests.get(url)\n```\n\n"
        "> **Note:** Be careful.\n\n"
        "- one\n- two\n\n"
        "## Install\n\n"
        "```bash\npip install requests\n```\n"
    )


def test_html_title_is_the_heading_when_the_page_has_no_h1():
    md = html_to_markdown("<title>Only a title</title><p>Body text.</p>")
    assert md == "# Only a title\n\nBody text.\n"


def test_html_nested_past_the_depth_bound_is_still_read():
    md = html_to_markdown("<div>" * 5000 + "<p>deep text</p>" + "</div>" * 5000)
    assert md == "deep text\n"


def test_kb_files_reads_every_format_and_chunks_them_alike(tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "a.rst").write_text("Guide\n=====\n\nUse :func:`get`.\n\nPart\n----\n\nMore.\n")
    (kb / "b.ipynb").write_text(notebook([{"cell_type": "markdown", "source": "# NB\n\nText."}]))
    (kb / "c.html").write_text("<h1>Page</h1><p>Para.</p>")
    (kb / "d.htm").write_text("<h1>Old</h1><p>Para.</p>")
    (kb / "e.md").write_text("# Md\n\nText.\n")
    (kb / "f.png").write_bytes(b"\x89PNG")
    assert [f.name for f in kb_files(kb)] == ["a.rst", "b.ipynb", "c.html", "d.htm", "e.md"]
    chunks = load_kb(kb, tmp_path, url="https://docs.example.org")
    found = [(c["source"], c["title"], c["text"], c.get("url")) for c in chunks]
    assert found == [
        ("kb/a.rst", "Guide", "Use `get`.", "https://docs.example.org/a/"),
        ("kb/a.rst", "Guide > Part", "More.", "https://docs.example.org/a/#part"),
        ("kb/b.ipynb", "NB", "Text.", "https://docs.example.org/b/"),
        ("kb/c.html", "Page", "Para.", "https://docs.example.org/c.html"),
        ("kb/d.htm", "Old", "Para.", "https://docs.example.org/d.htm"),
        ("kb/e.md", "Md", "Text.", "https://docs.example.org/e/"),
    ]


REQUESTS_DOCS = CORPUS / "requests-docs"


@pytest.mark.skipif(not REQUESTS_DOCS.is_dir(), reason=f"no corpus at {REQUESTS_DOCS}")
def test_requests_sphinx_docs_leave_no_rst_markup(capfd):
    chunks = load_kb(REQUESTS_DOCS, REQUESTS_DOCS.parent)
    assert len(chunks) > 100
    assert capfd.readouterr().err == ""
    for chunk in chunks:
        prose = chunk["text"]
        assert not re.search(r":[\w:]+:`", prose), (chunk["id"], prose)
        assert not re.search(r"^\s*\.\. [\w:-]+::", prose, re.M), chunk["id"]
        assert not re.search(r"^([=\-~^\"'`#*+])\1{2,}\s*$", prose, re.M), chunk["id"]
        for block in chunk["code_blocks"]:
            assert block["lang"], chunk["id"]
            assert not re.search(r"^[A-Z][a-z]+ [a-z]+ [a-z]+ [a-z]+ .*\.$", block["code"]), (
                chunk["id"],
                block["code"][:80],
            )  # a sentence of prose inside a fence: an underline opened it
    quickstart = [c for c in chunks if c["source"].endswith("user-quickstart.rst")]
    assert quickstart[0]["title"] == "Quickstart"
    headings = {c["heading"] for c in quickstart}
    assert {"Make a Request", "Passing Parameters In URLs", "Timeouts"} <= headings


def test_an_html_page_docutils_wrote_reads_like_its_rst_source():
    from docutils.core import publish_string
    from docutils.writers.html5_polyglot import Writer

    from ucop.sources.sphinx import register_for

    register_for(RST)
    overrides = {"report_level": 5, "file_insertion_enabled": False, "raw_enabled": False}
    page = publish_string(
        RST, writer=Writer(), settings_overrides={**overrides, "output_encoding": "unicode"}
    )
    from_html, from_rst = html_to_markdown(str(page)), rst_to_markdown(RST)
    for md in (from_html, from_rst):
        assert re.findall(r"^#+ .+$", md, re.M) == ["# Quickstart", "## Streaming"]
        assert "`Response` with `requests.get`" in md
        assert "for chunk in r.iter_content(8192):" in md
    assert len(re.findall(r"^```", from_html, re.M)) == len(re.findall(r"^```", from_rst, re.M))


def test_markup_left_unfinished_at_the_end_of_a_page_is_not_text():
    """html.parser hands back an unterminated comment or tag at the end as text (found by the
    property test: `<!--<script>`); a browser shows none of it, and neither does ucop."""
    from ucop.sources.html import html_to_markdown

    assert html_to_markdown("<p>a &lt;b&gt; c</p><!--<script>") == "a <b> c\n"
    assert html_to_markdown("<p>x</p><scr") == "x\n"
    assert html_to_markdown("<p>x</p>tail text") == "x\n\ntail text\n"


def test_sessions_indented_after_a_one_colon_lead_in_are_one_fence_not_a_quote():
    text = (
        "Pass it with the ``json`` parameter:\n\n"
        "    >>> payload = {'some': 'data'}\n\n"
        "    >>> r = requests.post(url, json=payload)\n\n"
        "Done.\n"
    )
    md = rst_to_markdown(text)
    assert (
        "```pycon\n>>> payload = {'some': 'data'}\n\n>>> r = requests.post(url, json=payload)\n```"
        in md
    )
    assert not re.search(r"^>(?!>>)", md, re.M)  # no quote line


def test_a_definition_term_written_with_a_colon_gets_one_colon():
    md = rst_to_markdown("Available hooks:\n\n``response``:\n    The response generated.\n")
    assert "- **`response`**: The response generated." in md
    assert ":**:" not in md
