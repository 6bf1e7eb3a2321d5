"""Carrying a passage whole: its prose blocks in order, every code block with its lead-in.

The offline writer's way of staying faithful: paragraphs, lists, tables and quotes are copied
whole and in order, and each code example comes with the sentence that introduces it and
the imports it needs from the same page (or a comment saying what it takes from an earlier
step). Nothing is spliced across passages, and no block is cut in half.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ucop.content.excerpts import is_code, split_blocks
from ucop.content.pointers import drop_pointers
from ucop.content.sentences import sentences
from ucop.content.snippets import PYTHON, bound_names, completed, fragment, is_session, language

SCRAP_WORDS = 3  # a prose block shorter than this is a scrap (a link label, a stray word)


def carry_over(
    passage: Mapping[str, Any],
    *,
    words: int,
    code: int,
    prose_blocks: int = 6,
    need_code: bool = False,
    step: str = "",
    bound: set[str] | None = None,
) -> str:
    """Whole blocks of one passage: prose up to `words`, and up to `code` code blocks.

    Past the prose budget, a code block still comes with the paragraph that introduces it,
    so an example is never cut from its explanation nor an explanation from its example.
    Code that does not compile ends the excerpt (what follows may refer to it). With
    `need_code`, a passage whose examples all fall outside the excerpt still shows its
    first one (a fragment as `text`).
    """
    if passage.get("kind") == "api":
        from ucop.content.excerpts import operation_text

        return operation_text(passage, step)
    blocks = _portion(
        split_blocks(passage.get("markdown") or passage.get("text", "")),
        str(passage.get("portion") or ""),
    )
    if passage.get("portion") == "opening":  # another section carries the rest
        code, prose_blocks, need_code = 0, 1, False
    imports = list(passage.get("imports") or ())
    # what the page's code defines; None when not known (then any name is "earlier")
    defined = set(passage["defined"]) if passage.get("defined") is not None else None
    # what the earlier snippets (of the section, with `bound`) define or import; it grows
    bound = set() if bound is None else bound
    out: list[str] = []
    count = prose = shown = 0
    for at, block in enumerate(blocks):
        if is_code(block):
            if shown >= code or not _usable(block):
                break
            later = _defined(blocks[at + 1 :], code - shown - 1)
            out += completed(block, imports, bound, later, defined)
            shown += 1
            continue
        if block.startswith("#"):
            break
        block = drop_pointers(block)
        if not block:
            continue
        if _scrap(block, blocks[at + 1] if at + 1 < len(blocks) else ""):
            continue
        if count >= words or prose >= prose_blocks:
            if shown < code and _leads_to_code(blocks, at):
                out.append(_unwrap(block))
            continue
        out.append(_unwrap(block))
        count += len(block.split())
        prose += 1
    out = _drop_dangling(out)
    if need_code and code > 0 and not any(is_code(b) for b in out):
        example = _first_example(blocks, imports)
        # its lead-in may be the excerpt's last paragraph already: not twice
        out += example[1:] if out and example and example[0] == out[-1] else example
    if not any(not is_code(b) for b in out):
        return ""
    return "\n\n".join(cite(out, passage["n"]))


def _portion(blocks: list[str], portion: str) -> list[str]:
    """The blocks of the part of a passage a section carries: all, or those after its
    opening paragraph (`rest`: another section opens with that paragraph)."""
    if portion != "rest":
        return blocks
    first = next((at for at, b in enumerate(blocks) if not is_code(b) and b[:1] != "#"), -1)
    return blocks[first + 1 :] if first >= 0 else blocks


def _scrap(block: str, after: str) -> bool:
    """A stray word or link label; not a list, table or quote, nor the short lead-in of the
    list after it ("Available hooks:")."""
    if len(block.split()) >= SCRAP_WORDS or block.lstrip().startswith(("-", "*", "|", ">")):
        return False
    return not (block.rstrip().endswith(":") and re.match(r"\s*(?:[-*+] |\d+[.)] )", after))


def _usable(block: str) -> bool:
    return is_session(block) or _compiles(block)


def _leads_to_code(blocks: Sequence[str], at: int) -> bool:
    return at + 1 < len(blocks) and is_code(blocks[at + 1])


_EXAMPLE_NEXT = re.compile(r"^(?:for\s+example|for\s+instance|like\s+this)\b.*(?:\.\.\.|…)$", re.I)


def _drop_dangling(out: list[str]) -> list[str]:
    """Drop lead-ins ("... you can do:", "For example...") whose code or list was not
    carried over; a paragraph loses only its last sentence, the lead-in."""
    kept: list[str] = []
    for i, block in enumerate(out):
        follows = out[i + 1] if i + 1 < len(out) else ""
        if is_code(follows) or re.match(r"^\s*(?:[-*+] |\d+[.)] )", follows) or is_code(block):
            kept.append(block)
            continue
        said = sentences(block) if not re.match(r"^\s*(?:[-*+] |\d+[.)] |\||>)", block) else []
        last = said[-1] if said else block.rstrip()
        if not (last.endswith(":") or _EXAMPLE_NEXT.match(last)):
            kept.append(block)
        elif len(said) > 1:
            kept.append(" ".join(said[:-1]))
    return kept


def _first_example(blocks: Sequence[str], imports: Sequence[str]) -> list[str]:
    """The first example of `blocks`, with the paragraph just before it.

    A compiling block is preferred; failing that, a fragment (`routes = [..., Mount(...)]`)
    is shown as plain text, so it reads as the excerpt it is and no check mistakes it for
    runnable code.
    """
    code = [at for at, block in enumerate(blocks) if is_code(block)]
    good = [at for at in code if _usable(blocks[at])]
    if not code:
        return []
    at = (good or code)[0]
    shown = completed(blocks[at], imports, set()) if good else [fragment(blocks[at])]
    before = blocks[at - 1] if at and not is_code(blocks[at - 1]) else ""
    return [_unwrap(before), *shown] if before and not before.startswith("#") else shown


def _defined(blocks: Sequence[str], count: int) -> set[str]:
    """Names the next `count` code blocks define (a hook used before its function)."""
    code = [b for b in blocks if is_code(b) and language(b) in PYTHON]
    return {name for b in code[: max(count, 0)] for name in bound_names(_body(b))}


def _body(block: str) -> str:
    return "\n".join(block.splitlines()[1:-1])


def _unwrap(block: str) -> str:
    """A plain paragraph on one line; lists, tables and quotes keep their lines."""
    if re.match(r"^\s*(?:[-*+] |\d+[.)] |\||>)", block):
        return block
    return " ".join(line.strip() for line in block.splitlines())


def cite(blocks: list[str], n: int) -> list[str]:
    """Put [n] after the first plain paragraph (before a closing colon), else after the last."""
    marker = f"[{n}]"
    for i, block in enumerate(blocks):
        if not re.match(r"^\s*(?:[-*+] |\d+[.)] |\||>|```|~~~)", block):
            if block.endswith(":"):
                blocks[i] = f"{block[:-1]} {marker}:"
            else:
                blocks[i] = f"{block} {marker}"
            return blocks
    prose = [i for i, b in enumerate(blocks) if not b.startswith(("```", "~~~", "|"))]
    if prose:
        blocks[prose[-1]] += f" {marker}"
    else:
        blocks.append(f"(Source: {marker}.)")
    return blocks


def _compiles(block: str) -> bool:
    from ucop.codegen.validate import validate_block

    code = "\n".join(block.splitlines()[1:-1])
    found = validate_block({"lang": language(block), "code": code, "line": 1}, None)
    return all(f["ok"] for f in found)


def page_imports(chunks: Iterable[Mapping[str, Any]], source: str) -> list[str]:
    """Every import line in the code of one page's chunks, first seen first."""
    lines: dict[str, None] = {}
    for chunk in chunks:
        if chunk.get("source") != source:
            continue
        for block in chunk.get("code_blocks") or ():
            for line in str(block.get("code", "")).splitlines():
                line = re.sub(r"^(?:>>>|\.\.\.) ", "", line)
                if re.match(r"^(?:from\s+[\w.]+\s+)?import\s+[\w., ]+$", line.strip()):
                    lines.setdefault(line.strip())
    return list(lines)


def page_names(chunks: Iterable[Mapping[str, Any]], source: str) -> list[str]:
    """Every name the code of one page's chunks defines (`filename` in none: the reader's)."""
    names: dict[str, None] = {}
    for chunk in chunks:
        if chunk.get("source") != source:
            continue
        for block in chunk.get("code_blocks") or ():
            code = "\n".join(
                re.sub(r"^\s*(?:>>>|\.\.\.) ?", "", line)
                for line in str(block.get("code", "")).splitlines()
            )
            names.update(dict.fromkeys(sorted(bound_names(code))))
    return list(names)
