"""Documentation markup made portable: admonitions, HTML, directives and links."""

from __future__ import annotations

from ucop.sources.markup import normalize_markdown, page_url, resolve_link

DOC = """Intro with a [guide](routing.md#top), an [anchor](#later), a [site](https://x.org/a)
and a [ref link][ref].

!!! tip "Keep it short"
    Do the slow work elsewhere.

    Second paragraph with `<div>` in code.

??? abstract "API Reference"
    ::: harbor.sockets.Socket
        options:
            show_root_heading: true

<div class="grid">
<img src="a.png" alt="x">
</div>

Text with <b>bold</b> and `<span>kept</span>`.

```html
<div>code stays</div>
```

[ref]: https://example.org/ref/
"""


def test_admonitions_become_blockquotes_and_directives_go():
    out = normalize_markdown(DOC, "sockets.md")
    assert "> **Keep it short:** Do the slow work elsewhere." in out
    assert ">\n> Second paragraph with `<div>` in code." in out
    assert "!!!" not in out and "???" not in out and ":::" not in out
    assert "API Reference" not in out and "show_root_heading" not in out


def test_html_is_removed_outside_code_only():
    out = normalize_markdown(DOC, "sockets.md")
    assert '<div class="grid">' not in out and "<img" not in out and "<b>" not in out
    assert "Text with bold and `<span>kept</span>`." in out
    assert "<div>code stays</div>" in out


def test_links_without_a_base_url_keep_only_their_text():
    out = normalize_markdown(DOC, "sockets.md")
    assert "Intro with a guide, an anchor, a [site](https://x.org/a)" in out
    assert "[ref link](https://example.org/ref/)" in out and "[ref]:" not in out


def test_links_resolve_against_the_public_base_url():
    out = normalize_markdown(DOC, "guide/sockets.md", "https://docs.example.org/")
    assert "[guide](https://docs.example.org/guide/routing/#top)" in out
    assert "[anchor](https://docs.example.org/guide/sockets/#later)" in out


def test_page_urls_follow_mkdocs_directory_urls():
    base = "https://docs.example.org"
    assert page_url(base, "index.md") == "https://docs.example.org/"
    assert page_url(base, "a/index.md") == "https://docs.example.org/a/"
    assert page_url(base, "a/b.md") == "https://docs.example.org/a/b/"
    assert page_url(None, "a/b.md") is None
    assert resolve_link("../../x.md", "a.md", base) is None  # outside the docs: dead
    assert resolve_link("img/a.png", "a/b.md", base) == "https://docs.example.org/a/img/a.png"
    assert resolve_link("javascript:alert(1)", "a.md", base) is None
