"""What a docs snippet needs to stand on its own: the page's imports, or a note that it is part.

Docs split an example over a page: the imports at the top, `app` in one block, the test of
it in the next. Carried into an article alone, a block opens with the page's import lines for
the names it uses (so it runs), and a name no import gives (`client`, built two examples
earlier) is named in a note, so the reader knows the snippet is an excerpt.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Sequence, Set

from ucop.pyparse import parse as parse_python

PYTHON = {"python", "py", "python3"}
_BUILTINS = frozenset(dir(builtins))


def language(block: str) -> str:
    """The fence's language (`python` for ```` ```python title="x" ````), lower case."""
    info = block.splitlines()[0].lstrip("`~").strip()
    return info.split()[0].lower() if info else ""


def is_session(block: str) -> bool:
    """A Python prompt session (`>>> r = requests.get(...)`), whatever the fence says."""
    lines = [ln for ln in block.splitlines()[1:-1] if ln.strip()]
    return bool(lines) and lines[0].lstrip().startswith(">>>")


def fragment(block: str) -> str:
    """A block that does not compile, fenced as `text` so no check runs it."""
    return re.sub(r"^(`{3,}|~{3,})[^\n]*", r"\1text", block, count=1)


def relabel(block: str) -> str:
    """A session fenced as `python` is fenced as `pycon`, so checks read its prompts."""
    if language(block) in PYTHON and is_session(block):
        return re.sub(r"^(`{3,}|~{3,})[^\n]*", r"\1pycon", block, count=1)
    return block


def completed(
    block: str,
    imports: Sequence[str],
    bound: set[str],
    later: Set[str] = frozenset(),
    defined: Set[str] | None = None,
) -> list[str]:
    """A Python snippet made to stand on its own as far as its page allows, and a note.

    The import lines it needs from its page (the docs put them at the top, once) go at its
    top, so the reader can run it; the rest of it stays as the docs wrote it. A name no
    import gives is named for the reader: defined by an example below (`later`), or taken
    from an example of the docs not shown here, or (when `defined`, the names the page's code
    defines, leaves it out) the reader's own to fill in. `bound` holds what the excerpt's earlier
    snippets define (the reader has seen those); it grows.
    """
    body = block.splitlines()[1:-1]
    if language(block) not in PYTHON or is_session(block):
        bound.update(bound_names(_unprompted(body)))
        return [relabel(block)]
    code = "\n".join(body)
    missing = [name for name in missing_names(code) if name not in bound]
    needed = [line for line in imports if set(_bound_by(line)) & set(missing)]
    given = {name for line in needed for name in _bound_by(line)}
    still = [name for name in missing if name not in given]
    bound.update(given, still, bound_names(code))
    if needed:
        lines = block.splitlines()
        block = "\n".join([lines[0], *needed, "", *lines[1:]])
    return [block, note(still, later, defined)] if still else [block]


def note(names: Sequence[str], later: Set[str], defined: Set[str] | None = None) -> str:
    """What a snippet takes from elsewhere, said to the reader.

    A name defined by an example below, by an earlier example of its page, or by none: a
    class (`Mount`) is the library's, its import not shown in the docs; a plain name
    (`filename`) is left to the reader.
    """
    below = [name for name in names if name in later]
    elsewhere = [n for n in names if n not in later and (defined is None or n in defined)]
    unknown = [n for n in names if n not in below and n not in elsewhere]
    library = [n for n in unknown if n[:1].isupper()]
    yours = [n for n in unknown if not n[:1].isupper()]
    parts = []
    if below:
        parts.append(f"{_names(below)} {_are(below)} defined just below")
    if elsewhere:
        parts.append(f"it uses {_names(elsewhere)} from an earlier example in the docs")
    if library:
        parts.append(f"{_names(library)} {_are(library)} imported in none of the docs' examples")
    if yours:
        them = "it" if len(yours) == 1 else "them"
        parts.append(f"{_names(yours)} {_are(yours)} left to you: the docs do not define {them}")
    text = "; ".join(parts)
    return f"*{text[:1].upper()}{text[1:]}.*"


def _are(names: Sequence[str]) -> str:
    return "is" if len(names) == 1 else "are"


def _names(names: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _unprompted(lines: Sequence[str]) -> str:
    return "\n".join(re.sub(r"^\s*(?:>>>|\.\.\.) ?", "", ln) for ln in lines if ln.strip())


def bound_names(code: str) -> set[str]:
    """Names the code defines (assigns, imports, functions, classes)."""
    try:
        tree = parse_python(code)
    except SyntaxError:
        return set()
    return _binds(tree)


def missing_names(code: str) -> list[str]:
    """Names the code reads but never binds, imports or gets from builtins, first seen first."""
    try:
        tree = parse_python(code)
    except SyntaxError:
        return []
    bound = set(_BUILTINS) | _binds(tree)
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name)]
    loads = [n.id for n in names if isinstance(n.ctx, ast.Load)]
    return [name for name in dict.fromkeys(loads) if name not in bound]


def _binds(tree: ast.AST) -> set[str]:
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


def _bound_by(line: str) -> list[str]:
    try:
        tree = parse_python(line.strip())
    except SyntaxError:
        return []
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.Import, ast.ImportFrom)):
        return []
    return [a.asname or a.name.split(".")[0] for a in node.names]
