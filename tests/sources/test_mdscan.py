"""The line scanner reads a page as markdown-it-py does, or hands it over.

Every document of the shared corpus (skipped when absent) and of the bundled examples is
chunked both ways and must give the same chunks; hand-made pages cover the edges of each
block the scanner reads (lists, quotes, lazy lines, fences) and the shapes it must refuse.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import CORPUS
from ucop.sources.formats import read_document
from ucop.sources.kb import document_chunks, heading_text, kb_files, page_blocks
from ucop.sources.markup import normalize_markdown
from ucop.sources.mdscan import scan

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def _compare(folder: Path) -> tuple[int, int]:
    """Chunk every document of `folder` both ways; returns (documents, read by the scanner)."""
    documents = scanned = 0
    for file in kb_files(folder):
        if "briefs" in file.parts:
            continue
        fast = document_chunks(file, folder, set(), root=folder, url="https://docs.example/")
        slow = document_chunks(
            file, folder, set(), root=folder, url="https://docs.example/", fast=False
        )
        assert fast == slow, file
        _, body = read_document(file, file.name)
        documents += 1
        scanned += scan(normalize_markdown(body)) is not None
    return documents, scanned


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")
def test_every_corpus_document_chunks_the_same_either_way():
    documents, scanned = _compare(CORPUS)
    assert documents >= 50
    assert scanned >= documents * 0.6  # the scanner reads most pages, or it does not pay


def test_every_example_document_chunks_the_same_either_way():
    documents, scanned = _compare(EXAMPLES)
    assert documents >= 10
    assert scanned >= 1


READ = {
    "headings": "# Title\n\nIntro text.\n\n## Install ##\n\npip install x\n### Use #\nMore\n",
    "heading interrupts": "para line\n# Heading\ntext\n",
    "fences": "```python title\ncode\n\n  more\n```\n\n~~~\ntilde ``` inside\n~~~~\nafter\n",
    "unclosed fence": "text\n\n```js\nlet a = 1;\n",
    "fence interrupts": "para\n```\ncode\n```\n",
    "indented code": "# T\n\n    code line\n\n      deeper\n\ntext\n    continued\n",
    "lists": "- one\n- two\n  continued\n\n  second para\n* star list\n\n1. first\n2. second\n",
    "nested lists": "- a\n  - b\n    - c\n lazy\n- d\n\n   indented para\nafter\n",
    "lazy list line": "- item text\nlazy continuation\n# head\n",
    "list after blank": "- item\n\nnot in the list\n",
    "ordered interrupts": "para\n1. one\n\npara\n2. two\n",
    "bullet interrupts": "para\n- item\n",
    "list then hr": "- a\n- b\n***\n- c\n",
    "other list kind": "- a\n+ b\n1) c\n2. d\n",
    "quotes": "> quoted\nlazy\n> more\n\n> a\n>\nnot lazy\n\n> x\n# h\n",
    "quote with list": "> - a\n>   b\n> - c\n\n> > nested\n> back\n",
    "quote ends": "> q\n- item\n\n> q\n---\n\n> q\n```\nc\n```\n",
    "hr": "text\n\n***\n\n- - -\n\n___\n",
    "inline marks": "# The *big* `thing` [link](x)\n\ntext\n",
    "list heading": "- # h\nnot lazy\n",
    "fence in a list": "- a\n\n  ```py\n  code\n    indented\n   three\n  ```\n- b\n",
    "fence in a list, cut by a line": "- a\n  ```\n  code\n lazy?\nafter\n",
    "fence in a list, to the end": "1. a\n\n   ```\n   code\n\n     more\n",
    "fence in a list, then a lazy line": "- a\n\n  ```\n  code\n  ```\n lazy?\n",
    "table": "| a | b |\n| --- | --- |\n| 1 | 2 |\nrow\n\n| x |\n|-|\n",
    "table interrupts": "text\na | b\n--- | ---\n> quote\n",
    "not a table": "a | b\n--- | --- | ---\n\n|x|\n| - |\n",
    "quote in a list": "- a\n  > quoted\nlazy\n- b\n  >\nnot lazy\n",
    "footnote": "Text.[^1]\n\n[^1]: A note, not a reference definition.\n",
}
REFUSED = {
    "table in a list": "- | a | b |\n  | --- | --- |\n",
    "html": "<div>\nx\n</div>\n",
    "setext": "Title\n=====\n",
    "reference": "[a]: https://x.example\n\ntext [a]\n",
    "reference with a title": '[a]: /x "Title"\n',
    "reference label on two lines": "[a\nb]: /x\n",
    "tab": "\tcode\n",
    "fence in a nested list": "- a\n  - b\n\n    ```\n    code\n    ```\n",
    "fence in a quote in a list": "- a\n  > ```\n  > code\n  > ```\n",
    "fence opening an item": "- ```\n  code\n  ```\n",
    "fence in quote": "> ```\n> code\n> ```\n",
    "empty item": "-\n  text\n",
    "indented fence": "  ```\n  code\n  ```\n",
}


@pytest.mark.parametrize("name", sorted(READ))
def test_the_scanner_reads_these_as_markdown_it_does(name):
    body = READ[name]
    found = scan(body)
    assert found is not None, name
    assert found == page_blocks(body, fast=False)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_scanner_hands_these_over(name):
    assert scan(REFUSED[name]) is None


# Lines from which random pages are made: every shape the scanner reads or refuses, at the
# indents where lists, quotes and fences change their reading.
LINES = [
    *("", "  ", "text", "more text", " lazy", "   three", "    four", "      six"),
    *("- item", "  - nested", "    - deeper", "* star", "+ plus", "-", "- ", "1. one"),
    *("2. two", "1) paren", "10. ten", "  1. nested one", "- - -", "* * *", "---", "==="),
    *("> quote", ">", "> > nested", "  > in item", ">     code", "> - quoted item", "# Head"),
    *("## Sub ##", "  # item head", "#no", "```", "```py", "  ```", "   ```js", "~~~", "````"),
    *("  code in item", "[^n]: a note here", "[a]: /url", "<div>", "text]: x", "| a | b |"),
    *("|---|---|", "--- | ---", "a | b", "| x |", "| :-: |", "|---|", r"| a \| b |", "-|-"),
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=14))
def test_any_page_is_read_as_markdown_it_reads_it_or_handed_over(lines):
    body = "\n".join(lines) + "\n"
    found = scan(body)
    assert found is None or found == page_blocks(body, fast=False)


def test_blocks_have_the_kinds_and_spans_chunking_uses():
    found = scan(READ["headings"])
    assert found is not None
    assert [(b.kind, b.start, b.end, b.level, b.text) for b in found.top] == [
        ("heading", 0, 1, 1, "Title"),
        ("prose", 2, 3, 0, ""),
        ("heading", 4, 5, 2, "Install"),
        ("prose", 6, 7, 0, ""),
        ("heading", 7, 8, 3, "Use"),
        ("prose", 8, 9, 0, ""),
    ]


def test_plain_headings_skip_the_inline_parser_with_the_same_text():
    for source in ("Install  it", " spaced ", "v1.2 (beta): what's new?", "a # b"):
        assert heading_text(source) == heading_text(source + "*")[: len(source.strip())]
    assert heading_text("The *big* `thing` [link](x)") == "The big thing link"
