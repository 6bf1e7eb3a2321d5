"""What docutils needs to read Sphinx pages: Sphinx's roles and directives, and any unknown one.

Sphinx adds dozens of roles (`:class:`, `:ref:`) and directives (`code-block`, `toctree`,
`autoclass`) to reStructuredText, and extensions add more. Plain docutils reports each as an
error and leaves its raw text in the tree. Here every one gets a meaning a Markdown page can
have: code-like roles become inline code showing the name a reader sees (`~a.b.c` is `c`,
`Title <target>` is `Title`), cross-references become their text; `code-block` is a code
block with its language, `seealso`/`versionadded` are admonitions, and the directives that
pull in other files or render API docs we do not have (`toctree`, `autoclass`, `include`,
`literalinclude`, `image`) are dropped. A role or directive nobody knows is treated the same
way (inline code; dropped), so an extension's markup never breaks a page or leaks into it.

docutils keeps its registries in module globals; registering is idempotent (the same
functions under the same names), so concurrent readers in threads agree.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes, utils
from docutils.parsers.rst import Directive, directives, roles
from docutils.parsers.rst.languages import en

CODE_DIRECTIVES = ("code-block", "sourcecode", "code", "testcode", "doctest")
# fmt: off
DROPPED = tuple(
    [
        "toctree", "autoclass", "autofunction", "automodule", "autoexception", "automethod",
        "autoattribute", "autodata", "module", "currentmodule", "image", "figure", "include",
        "literalinclude", "raw", "meta", "contents", "sectnum", "header", "footer", "title",
        "target-notes", "index", "only", "testoutput", "testsetup", "testcleanup",
        "tabularcolumns", "highlightlang", "default-domain", "py:module", "py:currentmodule",
        "automodapi"
    ]
)
# fmt: on
LABELLED = {
    "seealso": "See also",
    "versionadded": "New in version {}",
    "versionchanged": "Changed in version {}",
    "deprecated": "Deprecated since version {}",
    "versionremoved": "Removed in version {}",
}
# fmt: off
CONTAINERS = tuple(
    [
        "glossary", "hlist", "centered", "tab", "tabs", "group-tab", "card"
    ]
)
# fmt: on
# fmt: off
TEXT_ROLES = tuple(
    [
        "ref", "doc", "term", "numref", "abbr", "dfn", "guilabel", "menuselection", "download",
        "manpage", "index", "keyword"
    ]
)
# fmt: on


class _AnyOption(dict):
    """An option spec that accepts every option (kept as text): Sphinx options vary by version."""

    def __missing__(self, key: str) -> Any:
        return directives.unchanged


ANY_OPTION = _AnyOption(name=directives.unchanged)
_ROLE_NAME = re.compile(r"(?<![\w`]):((?:[\w.+-]+:)?[\w.+-]+):`")
_DIRECTIVE_NAME = re.compile(r"^\s*\.\.\s+([\w.+:-]+?)::", re.M)


class CodeBlock(Directive):
    """`.. code-block:: python` and its aliases: a literal block that knows its language."""

    optional_arguments = 1
    final_argument_whitespace = False
    has_content = True
    option_spec = ANY_OPTION

    def run(self) -> list[nodes.Node]:
        code = "\n".join(self.content)
        fallback = {"doctest": "pycon", "testcode": "python"}.get(self.name, "")
        lang = (self.arguments[0] if self.arguments else fallback).lower()
        return [nodes.literal_block(code, code, language=lang)]


class Highlight(Directive):
    """`.. highlight:: lang`: the language of the `::` literal blocks that follow."""

    required_arguments = 1
    option_spec = ANY_OPTION

    def run(self) -> list[nodes.Node]:
        return [nodes.comment("", "", ucop_highlight=self.arguments[0].lower())]


class Dropped(Directive):
    """A directive whose output a Markdown page cannot have: nothing is kept."""

    optional_arguments = 99
    final_argument_whitespace = True
    has_content = True
    option_spec = ANY_OPTION

    def run(self) -> list[nodes.Node]:
        return []


class Contents(Directive):
    """A Sphinx container (`glossary`, `tab`): its content parsed, the wrapper dropped."""

    optional_arguments = 99
    final_argument_whitespace = True
    has_content = True
    option_spec = ANY_OPTION

    def run(self) -> list[nodes.Node]:
        box = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, box)
        return [box]


class Labelled(Directive):
    """`seealso`, `versionadded` and friends: an admonition titled as Sphinx renders it."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = ANY_OPTION

    def run(self) -> list[nodes.Node]:
        version, _, rest = (self.arguments[0] if self.arguments else "").partition(" ")
        label = LABELLED[self.name]
        if "{}" not in label:
            version, rest = "", " ".join(self.arguments)
        box = nodes.admonition()
        box += nodes.title(text=label.format(version))
        if rest.strip():
            text_nodes, _ = self.state.inline_text(rest.strip(), self.lineno)
            box += nodes.paragraph("", "", *text_nodes)
        self.state.nested_parse(self.content, self.content_offset, box)
        return [box]


def code_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: Any = None,
    content: Any = None,
) -> tuple[list[nodes.Node], list[Any]]:
    """`:class:`Response <requests.Response>`` -> inline code `Response`; `~a.b` -> `b`."""
    return [nodes.literal(rawtext, shown(utils.unescape(text), code=True))], []


def text_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: Any = None,
    content: Any = None,
) -> tuple[list[nodes.Node], list[Any]]:
    """`:ref:`installed <install>`` -> the words `installed`."""
    return [nodes.Text(shown(utils.unescape(text), code=False))], []


def shown(text: str, *, code: bool) -> str:
    """What Sphinx shows for a role's text: an explicit title, else the (shortened) target."""
    match = re.match(r"^(.*?)\s*<([^<>]*)>$", text, re.S)
    if match and match.group(1):
        return match.group(1)
    target = match.group(2) if match else text
    target = target.lstrip("!")
    if target.startswith("~"):
        target = target[1:].rsplit(".", 1)[-1]
    return target if code else target.replace("-", " ").replace("_", " ").rsplit("/", 1)[-1]


def register_for(source: str) -> None:
    """Give every role and directive `source` uses a meaning before docutils parses it."""
    _register_builtins()
    known_roles = set(roles._role_registry) | set(en.roles) | set(roles._roles)
    for name in set(_ROLE_NAME.findall(source)) - known_roles:
        base = name.split(":")[-1]
        roles.register_local_role(name, text_role if base in TEXT_ROLES else code_role)
    known = set(directives._directive_registry) | set(en.directives) | set(directives._directives)
    for name in set(_DIRECTIVE_NAME.findall(source)) - known:
        directives.register_directive(name, Dropped)


_registered: list[bool] = []


def _register_builtins() -> None:
    if _registered:
        return
    for name in CODE_DIRECTIVES:
        directives.register_directive(name, CodeBlock)
    directives.register_directive("highlight", Highlight)
    for name in DROPPED:
        directives.register_directive(name, Dropped)
    for name in CONTAINERS:
        directives.register_directive(name, Contents)
    for name in LABELLED:
        directives.register_directive(name, Labelled)
    for name in TEXT_ROLES:
        roles.register_local_role(name, text_role)
    _registered.append(True)
