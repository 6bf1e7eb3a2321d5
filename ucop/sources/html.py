"""HTML pages to Markdown, through the standard library's HTML parser.

The page is parsed into a small element tree (`html.parser` tokenises; unclosed `p` and `li`
close as browsers close them), then written out: headings, paragraphs, lists, quotes, tables,
`pre` blocks as fences (language from a `language-x`/`highlight-x` class, else guessed), inline
code, emphasis and links. Scripts, styles, forms, navigation, headers, footers and sidebars
(by tag or ARIA role) are dropped, and so are Sphinx's `¶` permalinks and images. When the
page has a `<main>` or `<article>`, only that is read. Sphinx's and MkDocs' admonitions
(`div.admonition` with its `admonition-title`) become `> **Note:** ...` quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ucop.sources import mdwrite as md

# fmt: off
DROPPED = frozenset(
    [
        "script", "style", "nav", "header", "footer", "aside", "form", "button", "noscript",
        "template", "svg", "iframe", "object", "select", "textarea", "head", "canvas", "title"
    ]
)
# fmt: on
DROPPED_ROLES = {"navigation", "search", "banner", "contentinfo", "complementary"}
DROPPED_CLASSES = {"headerlink", "sphinxsidebar", "related", "toctree-wrapper", "md-sidebar"}
# fmt: off
VOID = frozenset(
    [
        "br", "img", "hr", "meta", "link", "input", "wbr", "source", "area", "base", "col",
        "embed", "param", "track"
    ]
)
# fmt: on
_P_ENDS = {"p", "div", "ul", "ol", "pre", "table", "blockquote", "dl", "section"}
# Elements a start tag closes when left open, as browsers do: a tag -> the tags that close it.
CLOSED_BY = {
    "p": _P_ENDS | {"h1", "h2", "h3", "h4", "h5", "h6"},
    "li": {"li"},
    "dt": {"dt", "dd"},
    "dd": {"dt", "dd"},
    "tr": {"tr"},
    "td": {"td", "th", "tr"},
    "th": {"td", "th", "tr"},
    "option": {"option"},
}
HEADINGS = {f"h{n}": n for n in range(1, 7)}
MAX_DEPTH = 200  # deeper elements are read as part of their ancestor, not nested further
_LANG_CLASS = re.compile(r"^(?:language|lang|highlight|sourceCode)-([\w+#.-]+)$")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        closes = {t for t, by in CLOSED_BY.items() if tag in by}
        while len(self.stack) > 1 and self.stack[-1].tag in closes:
            self.stack.pop()
        element = Element(tag, {k: v or "" for k, v in attrs})
        if tag == "pre":
            element.attrs["data-ucop-lang"] = self._wrapper_language()
        self.stack[-1].children.append(element)
        if tag not in VOID and len(self.stack) < MAX_DEPTH:
            self.stack.append(element)

    def _wrapper_language(self) -> str:
        """Sphinx writes `<div class="highlight-python"><div class="highlight"><pre>`."""
        for element in reversed(self.stack):
            for name in element.classes():
                match = _LANG_CLASS.match(name)
                if match:
                    return match.group(1)
        return ""

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if self._closing and data.lstrip().startswith("<"):
            self._leftover = True  # an unterminated comment or tag at the end (`<!--<script>`)
        if self._leftover:
            return
        self.stack[-1].children.append(data)

    _closing = False
    _leftover = False

    def close(self) -> None:
        """Flush the page; what html.parser hands back as text at the end is only the raw
        markup it could not finish, which a browser would not show either."""
        self._closing = True
        super().close()


def html_to_markdown(text: str) -> str:
    """The Markdown of an HTML page: its title as the H1 when the body has none."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    title = _find(builder.root, lambda e: e.tag == "title", everywhere=True)
    main = _find(builder.root, lambda e: e.tag in ("main", "article") or _role(e) == "main")
    body = _Writer().blocks(main or builder.root)
    has_h1 = _find(main or builder.root, lambda e: e.tag == "h1") is not None
    head = md.heading(1, title.text()) if title is not None and not has_h1 else ""
    return md.join_blocks([head, body]) + "\n"


def _role(element: Element) -> str:
    return element.attrs.get("role", "").lower()


def _find(root: Element, want: object, everywhere: bool = False) -> Element | None:
    """The first element in document order that `want` accepts (outside dropped parts unless
    `everywhere`: the page title is in `head`)."""
    stack: list[Element] = [root]
    while stack:
        element = stack.pop()
        if want(element):  # type: ignore[operator]
            return element
        kids = [
            c
            for c in element.children
            if isinstance(c, Element) and (everywhere or not _dropped(c))
        ]
        stack.extend(reversed(kids))
    return None


def _dropped(element: Element) -> bool:
    return (
        element.tag in DROPPED
        or _role(element) in DROPPED_ROLES
        or bool(element.classes() & DROPPED_CLASSES)
        or "hidden" in element.attrs
    )


class _Writer:
    """Writes an element tree as Markdown blocks; inline runs between blocks become paragraphs."""

    def blocks(self, element: Element) -> str:
        out: list[str] = []
        run: list[str] = []
        for child in element.children:
            if isinstance(child, Element) and _dropped(child):
                continue
            if isinstance(child, str) or not _is_block(child):
                run.append(child if isinstance(child, str) else self.span(child))
                continue
            out.append(md.one_paragraph("".join(run)))
            run = []
            out.append(self.block(child))
        out.append(md.one_paragraph("".join(run)))
        return md.join_blocks(out)

    def block(self, element: Element) -> str:
        tag = element.tag
        if tag in HEADINGS:
            return md.heading(HEADINGS[tag], self.inline(element))
        if tag == "pre":
            return self.pre(element)
        if tag in ("ul", "ol"):
            items = [self.blocks(li) for li in _children(element, "li")]
            return md.bullet_list(items, ordered=tag == "ol")
        if tag == "dl":
            return self.definitions(element)
        if tag == "blockquote":
            return md.quote(self.blocks(element))
        if tag == "table":
            return md.table(
                [[self.inline(c) for c in _children(r, "td", "th")] for r in _rows(element)]
            )
        if tag == "div" and "admonition" in element.classes():
            return self.admonition(element)
        if tag == "hr":
            return ""
        return self.blocks(element)

    def pre(self, element: Element) -> str:
        code = element.text()
        lang = _language(element)
        return md.code_fence(code, lang or md.guess_language(code))

    def definitions(self, element: Element) -> str:
        entries: list[str] = []
        for child in _children(element, "dt", "dd"):
            if child.tag == "dt":
                entries.append(f"**{md.one_paragraph(self.inline(child))}**:")
            elif entries:
                entries[-1] += " " + self.blocks(child)
            else:
                entries.append(self.blocks(child))
        return md.bullet_list(entries)

    def admonition(self, element: Element) -> str:
        title = next(
            (c for c in _children(element, "p") if "admonition-title" in c.classes()), None
        )
        body = Element("div", {}, [c for c in element.children if c is not title])
        label = md.one_paragraph(self.inline(title)) if title is not None else "Note"
        return md.quote(self.blocks(body), label=label)

    def inline(self, element: Element) -> str:
        parts = []
        for child in element.children:
            if isinstance(child, str):
                parts.append(child)
            elif not _dropped(child):
                parts.append(self.span(child))
        return "".join(parts)

    def span(self, element: Element) -> str:
        tag = element.tag
        if tag in ("code", "kbd", "samp", "tt") or "literal" in element.classes():
            return md.code_span(element.text())
        if tag in ("em", "i", "cite"):
            inner = self.inline(element).strip()
            return f"*{inner}*" if inner else ""
        if tag in ("strong", "b"):
            inner = self.inline(element).strip()
            return f"**{inner}**" if inner else ""
        if tag == "a":
            return self.link(element)
        if tag == "br":
            return " "
        if tag == "img":
            return ""
        return self.inline(element)

    def link(self, element: Element) -> str:
        text = self.inline(element)
        href = element.attrs.get("href", "")
        if href.lower().startswith(("http://", "https://", "mailto:")) and text.strip():
            return f"[{text.strip()}]({href})"
        return text


# fmt: off
_BLOCKS = frozenset(
    [
        "p", "div", "section", "pre", "ul", "ol", "dl", "blockquote", "table", "hr", "main",
        "article", "figure", "details", "body", "html", "li", "dd", "dt", "h1", "h2", "h3", "h4",
        "h5", "h6"
    ]
)
# fmt: on


def _is_block(element: Element) -> bool:
    return element.tag in _BLOCKS


def _children(element: Element, *tags: str) -> list[Element]:
    return [c for c in element.children if isinstance(c, Element) and c.tag in tags]


def _rows(table: Element) -> list[Element]:
    rows = _children(table, "tr")
    for part in _children(table, "thead", "tbody", "tfoot"):
        rows += _children(part, "tr")
    return rows


def _language(element: Element) -> str:
    """`language-x` on the `pre` or its `code`, else the wrapper's (see `_wrapper_language`)."""
    candidates = [element, *_children(element, "code")]
    for candidate in candidates:
        for name in candidate.classes():
            match = _LANG_CLASS.match(name)
            if match:
                return _usable(match.group(1))
    return _usable(element.attrs.get("data-ucop-lang", ""))


def _usable(lang: str) -> str:
    """A language label worth keeping ('' for Sphinx's `default`/`none`, to guess instead)."""
    return "" if lang.lower() in ("default", "none", "notranslate") else lang.lower()
