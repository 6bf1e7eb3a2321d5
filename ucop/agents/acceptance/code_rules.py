"""Rules on an answer's code: it must parse and pass the spec's checks, call the API rather
than return made-up data, and do nothing an article must not."""

from __future__ import annotations

import ast
import builtins
import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ucop import pyparse
from ucop.agents.acceptance.evidence import ACCEPTED, NAME, Evidence, Verdict, plain_lines


def _model_blocks(answer: str, evidence: Evidence) -> Iterable[dict[str, Any]]:
    """The answer's code blocks, except those copied verbatim from the material."""
    from ucop.codegen.blocks import all_code_blocks
    from ucop.content.excerpts import below_page_imports

    plain = evidence.plain_material()
    for block in all_code_blocks(answer):
        # the page's import lines a carried snippet opens with are the docs' lines too
        copied = plain_lines(below_page_imports(block["code"], plain))
        if copied and copied in plain:
            continue
        yield block


def dangerous_code(answer: str, evidence: Evidence) -> Verdict:
    from ucop.codegen.audit import block_problems, installed_packages
    from ucop.codegen.hazards import reach_of

    reach = reach_of(dict(evidence.spec) if evidence.spec else None)
    # a package the docs install may be installed by the answer too (`pip install ...`)
    docs = installed_packages(evidence.plain_material())
    reach = dataclasses.replace(reach, packages=reach.packages | docs)
    for block in _model_blocks(answer, evidence):
        problems = block_problems(block["lang"], block["code"], reach)
        if problems:
            name = block["lang"] or ("unlabelled" if block["form"] == "fence" else block["form"])
            return Verdict(
                False,
                "dangerous_code",
                f"its {name} block does what an article must not: {problems[0]}",
            )
    return ACCEPTED


def bad_code(answer: str, evidence: Evidence) -> Verdict:
    from ucop.codegen.validate import validate_block

    spec = dict(evidence.spec) if evidence.spec else None
    for block in _model_blocks(answer, evidence):
        for finding in validate_block(block, spec):
            if not finding["ok"]:
                return Verdict(
                    False,
                    "code",
                    f"its {block['lang'] or 'code'} block fails a check: {finding['message']}",
                )
        pretended = _pretended_operation(block, spec)
        if pretended:
            return Verdict(
                False,
                "code",
                f"its python block names the operation {pretended} but makes no request "
                "(an example must call the API, not return made-up data)",
            )
    return ACCEPTED


def _pretended_operation(block: Mapping[str, Any], spec: Mapping[str, Any] | None) -> str | None:
    """An operation a Python block names (its id, snake_case too) without any HTTP call."""
    from ucop.codegen.calls import python_calls
    from ucop.codegen.validate import PYTHON_LANGS

    if not spec or block["lang"] not in PYTHON_LANGS:
        return None
    try:
        if python_calls(block["code"]):
            return None
    except (SyntaxError, ValueError, RecursionError):
        return None
    words = set(NAME.findall(block["code"]))
    for op in spec.get("operations") or ():
        op_id = str(op.get("id") or "")
        snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", op_id).lower()
        if op_id and (op_id in words or snake in words):
            return f"{op_id} ({op.get('method')} {op.get('path')})"
    return None


def undefined_names(answer: str, evidence: Evidence) -> Verdict:
    """A Python block of the model's that uses a name nothing defines: not the block (or an
    earlier one of the answer), not Python's builtins, not the passages, spec or brief
    (`urlparse(url)` with no import, in SmolLM2's introduction of requests-guide-10)."""
    bound: set[str] = set()
    for block in _model_blocks(answer, evidence):
        if block["lang"] not in ("python", "py", "python3"):
            continue
        try:
            tree = pyparse.parse(block["code"])
        except (SyntaxError, ValueError, RecursionError):
            continue  # `bad_code` names it
        used, defined = _names_of(tree)
        bound |= defined
        known = evidence.names()
        missing = sorted(n for n in used - bound - _BUILTINS if n.lower() not in known)
        if missing:
            return Verdict(
                False,
                "identifiers",
                f"its python block uses {', '.join(f'`{n}`' for n in missing[:3])}, which "
                "nothing defines (not the block, Python, or the passages); use the passages' "
                "own names and imports",
            )
    return ACCEPTED


def _names_of(tree: ast.AST) -> tuple[set[str], set[str]]:
    """(names read, names bound) anywhere in `tree`."""
    used: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            bound |= set(node.names)
    return used, bound


_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__"}
