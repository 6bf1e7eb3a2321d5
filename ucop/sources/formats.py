"""Which documents a knowledge base reads, and each one as Markdown with its front matter.

Markdown and plain text are read as written (YAML or TOML front matter split off);
reStructuredText (`ucop.sources.rst`), Jupyter notebooks (`ucop.sources.notebook`) and HTML
pages (`ucop.sources.html`) are converted to the same Markdown, so chunking, retrieval and
the writers never see another format's syntax.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ucop.sources.frontmatter import read_text_file, split_front_matter

MARKDOWN_SUFFIXES = (".md", ".markdown", ".txt")
DOC_SUFFIXES = (*MARKDOWN_SUFFIXES, ".rst", ".ipynb", ".html", ".htm")


def _rst(text: str, source: str) -> str:
    from ucop.sources.rst import rst_to_markdown

    return rst_to_markdown(text, source)


def _notebook(text: str, source: str) -> str:
    from ucop.sources.notebook import notebook_to_markdown

    return notebook_to_markdown(text, source)


def _html(text: str, source: str) -> str:
    from ucop.sources.html import html_to_markdown

    return html_to_markdown(text)


CONVERTERS: dict[str, Callable[[str, str], str]] = {
    ".rst": _rst,
    ".ipynb": _notebook,
    ".html": _html,
    ".htm": _html,
}


def read_document(file: Path, source: str) -> tuple[dict[str, Any], str]:
    """(front matter, Markdown body) of one document; `source` names it in errors.

    Raises SourceError when the file cannot be read or is not what its suffix says.
    """
    text = read_text_file(file)
    convert = CONVERTERS.get(file.suffix.lower())
    if convert is None:
        return split_front_matter(text, source=source)
    return {}, convert(text, source)
