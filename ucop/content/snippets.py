"""What a docs snippet needs to stand on its own: the page's imports, or a note that it is part.

Docs split an example over a page: the imports at the top, `app` in one block, the test of
it in the next. Carried into an article alone, a block is introduced with the page's import
lines for the names it uses, and a name no import gives (`client`, built two examples
earlier) is named, so the reader knows the snippet is an excerpt.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Sequence

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


def needs(block: str, imports: Sequence[str], said: set[str] | None = None) -> str:
    """A note on what a Python snippet takes from elsewhere on its page ('' when nothing).

    The snippet itself stays as the docs have it (it is quoted, and checked as a quote); the
    note gives the page's imports it relies on and names what an earlier example defines.
    What `said` holds (notes given earlier in the same excerpt) is not said again; it grows.
    """
    said = set() if said is None else said
    if language(block) not in PYTHON or is_session(block):
        return ""
    missing = missing_names("\n".join(block.splitlines()[1:-1]))
    if not missing:
        return ""
    needed = [line for line in imports if set(_bound_by(line)) & set(missing)]
    given = {name for line in needed for name in _bound_by(line)}
    still = [name for name in missing if name not in given and name not in said]
    needed = [line for line in needed if line not in said]
    said.update(needed, still)
    parts = []
    if needed:
        lines = ", ".join(f"`{line}`" for line in needed)
        parts.append(f"It needs {lines} from the same page")
    if still:
        names = ", ".join(f"`{name}`" for name in still)
        parts.append(f"{names} {'comes' if len(still) == 1 else 'come'} from an earlier example")
    return f"*{'; '.join(parts)}.*"


def missing_names(code: str) -> list[str]:
    """Names the code reads but never binds, imports or gets from builtins, first seen first."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    bound: set[str] = set(_BUILTINS)
    loads: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loads.append(node.id)
            else:
                bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return [name for name in dict.fromkeys(loads) if name not in bound]


def _bound_by(line: str) -> list[str]:
    try:
        tree = ast.parse(line.strip())
    except SyntaxError:
        return []
    node = tree.body[0] if tree.body else None
    if not isinstance(node, (ast.Import, ast.ImportFrom)):
        return []
    return [a.asname or a.name.split(".")[0] for a in node.names]
