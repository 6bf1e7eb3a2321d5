"""A docs snippet made to stand on its own: the imports it needs, or a note of what it lacks.

Docs split an example over a page: the imports at the top, `app` in one block, the test of
it in the next. Carried into an article alone, a block gets the page's import lines for the
names it uses; a name no import gives (`client`, built two examples earlier) is named in a
comment on the first line, so the reader knows the snippet is an excerpt.
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


def complete(block: str, imports: Sequence[str]) -> str:
    """`block` with the page's imports it needs; a session is fenced as `pycon`."""
    if language(block) not in PYTHON and language(block) != "pycon":
        return block
    if is_session(block):
        return re.sub(r"^(`{3,}|~{3,})[^\n]*", r"\1pycon", block, count=1)
    lines = block.splitlines()
    code = "\n".join(lines[1:-1])
    missing = missing_names(code)
    if not missing:
        return block
    needed = [line for line in imports if set(_bound_by(line)) & set(missing)]
    given = {name for line in needed for name in _bound_by(line)}
    still = [name for name in missing if name not in given]
    head = [f"# an excerpt: {', '.join(still)} as in the example before"] if still else []
    return "\n".join([lines[0], *head, *needed, *lines[1:]])


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
