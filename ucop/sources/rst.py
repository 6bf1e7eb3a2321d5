"""reStructuredText to Markdown, through docutils' own parser.

The page is parsed (not rendered) by docutils with Sphinx's roles and directives given a
meaning (`ucop.sources.sphinx`), then the document tree is written out as the Markdown the
knowledge base chunks: sections as ATX headings, `code-block` and `::` literal blocks as
fences with a language, roles as inline code or words, admonitions as `> **Note:** ...`
quotes. Nothing is read besides the page: `include`, `raw` and file or URL options are off,
and docutils prints nothing (its reports stay inside the tree, which we skip).
"""

from __future__ import annotations

import copy
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from ucop.errors import SourceError
from ucop.sources import mdwrite as md
from ucop.sources.sphinx import register_for

_SETTINGS = {
    "report_level": 5,  # never print: problems stay in the tree as system_message nodes
    "halt_level": 5,
    "warning_stream": None,
    "file_insertion_enabled": False,  # no `include`, no `:file:`/`:url:` options
    "raw_enabled": False,
    "line_length_limit": 20_000_000,  # the 10 MB input limit is the bound
    "character_level_inline_markup": False,
    "syntax_highlight": "none",
}
_SKIPPED = (
    nodes.comment, nodes.target, nodes.substitution_definition, nodes.system_message,
    nodes.pending, nodes.raw, nodes.image, nodes.figure, nodes.meta, nodes.decoration,
    nodes.transition, nodes.footnote_reference, nodes.citation_reference, nodes.title,
)  # fmt: skip


def rst_to_markdown(text: str, source: str = "") -> str:
    """The Markdown of a reStructuredText page; raises SourceError if it cannot be parsed."""
    register_for(text)
    parser = Parser()
    settings = copy.copy(_settings())  # a page's own copy: docutils sets attributes on it
    settings.warning_stream = io.StringIO()
    document = new_document(source or "<rst>", settings)
    try:
        parser.parse(text, document)
        return _Writer(document).write() + "\n"
    except RecursionError as exc:
        raise SourceError(
            f"{source}: nested too deeply to read as reStructuredText — flatten its lists or"
            " quotes",
            path=source,
        ) from exc


@functools.lru_cache(maxsize=1)
def _settings() -> Any:
    """docutils' settings with ours applied, made once (making them costs a tenth of a page)."""
    settings = get_default_settings(Parser)
    for key, value in _SETTINGS.items():
        setattr(settings, key, value)
    return settings


@dataclass
class _Writer:
    """Walks a docutils tree depth-first, returning Markdown blocks."""

    document: nodes.document
    highlight: str = ""
    depth: int = 0
    handlers: dict[type, Callable[[nodes.Element], str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.handlers = {
            nodes.section: self.section,
            nodes.paragraph: lambda n: md.one_paragraph(self.inline(n)),
            nodes.literal_block: self.literal_block,
            nodes.doctest_block: lambda n: md.code_fence(n.astext(), "pycon"),
            nodes.math_block: lambda n: md.code_fence(n.astext(), "math"),
            nodes.bullet_list: lambda n: md.bullet_list(self.items(n)),
            nodes.enumerated_list: self.enumerated,
            nodes.definition_list: self.definitions,
            nodes.field_list: self.definitions,
            nodes.option_list: self.definitions,
            nodes.block_quote: self.block_quote,
            nodes.Admonition: self.admonition,
            nodes.rubric: lambda n: f"**{md.one_paragraph(self.inline(n))}**",
            nodes.table: self.table,
            nodes.line_block: self.line_block,
            nodes.footnote: self.note,
            nodes.citation: self.note,
            nodes.topic: self.titled,
            nodes.sidebar: self.titled,
        }

    def write(self) -> str:
        return self.children(self.document)

    def children(self, node: nodes.Element) -> str:
        return md.join_blocks(self.block(child) for child in node.children)

    def block(self, node: nodes.Node) -> str:
        if isinstance(node, nodes.comment) and node.get("ucop_highlight"):
            self.highlight = node["ucop_highlight"]
        if isinstance(node, _SKIPPED) or not isinstance(node, nodes.Element):
            return ""
        for kind, handler in self.handlers.items():
            if isinstance(node, kind):
                return handler(node)
        if isinstance(node, nodes.TextElement):
            return md.one_paragraph(self.inline(node))
        return self.children(node)  # compound, container, attribution's parent, ...

    def section(self, node: nodes.Element) -> str:
        title = next((c for c in node.children if isinstance(c, nodes.title)), None)
        self.depth += 1
        try:
            head = md.heading(self.depth, self.inline(title)) if title is not None else ""
            return md.join_blocks([head, self.children(node)])
        finally:
            self.depth -= 1

    def block_quote(self, node: nodes.Element) -> str:
        """A quote; one that holds only `>>>` sessions is code indented after a one-colon
        lead-in ("... encoded automatically:"): one `pycon` fence, not a quote of fences."""
        kids = [c for c in node.children if isinstance(c, nodes.Element)]
        if kids and all(isinstance(c, nodes.doctest_block) for c in kids):
            return md.code_fence("\n\n".join(c.astext() for c in kids), "pycon")
        return md.quote(self.children(node))

    def literal_block(self, node: nodes.Element) -> str:
        code = node.astext()
        classes = [c for c in node.get("classes", []) if c != "code"]
        default = self.highlight if self.highlight not in ("default", "none") else ""
        lang = node.get("language") or (classes[0] if classes else "") or default
        return md.code_fence(code, lang or md.guess_language(code))

    def items(self, node: nodes.Element) -> list[str]:
        return [self.children(item) for item in node.children if isinstance(item, nodes.Element)]

    def enumerated(self, node: nodes.Element) -> str:
        return md.bullet_list(self.items(node), ordered=True, start=int(node.get("start", 1)))

    def definitions(self, node: nodes.Element) -> str:
        """Definition, field and option lists: `- **term**: definition`."""
        entries = []
        for item in node.children:
            if not isinstance(item, nodes.Element) or not item.children:
                continue
            head, *body = item.children
            term = md.one_paragraph(self.inline(head)) if isinstance(head, nodes.Element) else ""
            term = term.rstrip().removesuffix(":").rstrip()  # "``response``:" reads `response`
            text = md.join_blocks(self.block(part) for part in body)
            if isinstance(head, nodes.option_group):
                term = md.code_span(head.astext())
            entries.append(f"**{term}**: {text}" if term else text)
        return md.bullet_list(entries)

    def admonition(self, node: nodes.Element) -> str:
        title = next((c for c in node.children if isinstance(c, nodes.title)), None)
        label = self.inline(title) if title is not None else node.tagname.capitalize()
        return md.quote(self.children(node), label=label)

    def titled(self, node: nodes.Element) -> str:
        title = next((c for c in node.children if isinstance(c, nodes.title)), None)
        head = f"**{md.one_paragraph(self.inline(title))}**" if title is not None else ""
        return md.join_blocks([head, self.children(node)])

    def note(self, node: nodes.Element) -> str:
        label = next((c.astext() for c in node.children if isinstance(c, nodes.label)), "")
        body = md.join_blocks(
            self.block(c) for c in node.children if not isinstance(c, nodes.label)
        )
        return f"[{label}] {body}" if label else body

    def table(self, node: nodes.Element) -> str:
        rows = [
            [md.one_paragraph(self.cell(entry)) for entry in row.children]
            for row in node.findall(nodes.row)
        ]
        return md.table(rows)

    def cell(self, entry: nodes.Node) -> str:
        if not isinstance(entry, nodes.Element):
            return ""
        return " ".join(
            self.inline(c) if isinstance(c, nodes.TextElement) else c.astext()
            for c in entry.children
        )

    def line_block(self, node: nodes.Element) -> str:
        lines = [md.one_paragraph(self.inline(line)) for line in node.findall(nodes.line)]
        return "\\\n".join(line for line in lines if line)

    def inline(self, node: nodes.Node | None) -> str:
        if node is None:
            return ""
        return "".join(self.span(child) for child in node.children)

    def span(self, node: nodes.Node) -> str:
        if isinstance(node, nodes.Text):
            return str(node).replace("\x00", "")
        if isinstance(node, (*_SKIPPED, nodes.substitution_reference)):
            return self.substitution(node)
        if isinstance(node, (nodes.literal, nodes.title_reference, nodes.math)):
            return md.code_span(node.astext())
        if isinstance(node, nodes.emphasis):
            return f"*{self.inline(node)}*"
        if isinstance(node, nodes.strong):
            return f"**{self.inline(node)}**"
        if isinstance(node, nodes.reference):
            return self.reference(node)
        return self.inline(node)

    def substitution(self, node: nodes.Node) -> str:
        if not isinstance(node, nodes.substitution_reference):
            return ""
        name = node.get("refname", "")
        definition = self.document.substitution_defs.get(name)
        return definition.astext() if definition is not None else node.astext()

    def reference(self, node: nodes.Element) -> str:
        text = self.inline(node)
        uri = node.get("refuri") or self._named_uri(node.get("refname", ""))
        if uri and uri.lower().startswith(("http://", "https://", "mailto:")):
            return f"[{text}]({uri})"
        return text

    def _named_uri(self, name: str) -> str:
        target_id = self.document.nameids.get(name) if name else None
        target = self.document.ids.get(target_id) if target_id else None
        return str(target.get("refuri", "")) if target is not None else ""
