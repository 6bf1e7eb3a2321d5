"""Excerpts: whole blocks of one source passage, carried into an article as they are.

The offline writer's way of staying faithful: paragraphs, lists, tables and quotes are copied
whole and in order, each with the code block that belongs to it, and cited once. Nothing is
spliced across passages, and no block is cut in half.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any


def carry_over(
    passage: Mapping[str, Any],
    *,
    words: int,
    code: int,
    prose_blocks: int = 6,
    need_code: bool = False,
    step: str = "",
) -> str:
    """Whole blocks from the start of one passage: prose up to `words`, up to `code` code blocks.

    Nothing is spliced: blocks are copied in order and the excerpt stops at a block boundary.
    A paragraph that introduces code ("... you can do:") is kept only with its code, and code
    that does not compile is left out with the paragraph that introduced it. With
    `need_code`, an excerpt that reached its word budget before any code also gets the
    passage's first example, with the paragraph that introduces it.
    """
    if passage.get("kind") == "api":
        return _operation_text(passage, step)
    blocks = split_blocks(passage.get("markdown") or passage.get("text", ""))
    out: list[str] = []
    count = prose = 0
    stop = len(blocks)
    for at, block in enumerate(blocks):
        if is_code(block):
            if code <= 0 or not _compiles(block):
                stop = at
                break
            out.append(block)
            code -= 1
            continue
        if count >= words or prose >= prose_blocks or block.startswith("#"):
            stop = at
            break
        if len(block.split()) < 3 and not block.lstrip().startswith(("-", "*", "|", ">")):
            continue  # a scrap: a link label left alone ("GitHub"), a stray word
        out.append(_unwrap(block))
        count += len(block.split())
        prose += 1
    while out and not is_code(out[-1]) and out[-1].rstrip().endswith(":"):
        out.pop()  # a lead-in whose code or list was not carried over
    if need_code and code > 0 and not any(is_code(b) for b in out):
        out += _first_example(blocks[stop:])
    if not any(not is_code(b) for b in out):
        return ""
    return "\n\n".join(_cite(out, passage["n"]))


def is_code(block: str) -> bool:
    return block.startswith(("```", "~~~"))


def _first_example(blocks: Sequence[str]) -> list[str]:
    """The first example of `blocks`, with the paragraph just before it.

    A compiling block is preferred; failing that, a fragment (`routes = [..., Mount(...)]`)
    is shown as plain text, so it reads as the excerpt it is and no check mistakes it for
    runnable code.
    """
    code = [at for at, block in enumerate(blocks) if is_code(block)]
    good = [at for at in code if _compiles(blocks[at])]
    if not code:
        return []
    at = (good or code)[0]
    block = blocks[at] if good else re.sub(r"^(`{3,}|~{3,})\S*", r"\1text", blocks[at])
    before = blocks[at - 1] if at and not is_code(blocks[at - 1]) else ""
    return [_unwrap(before), block] if before and not before.startswith("#") else [block]


def fence_roles(lines: Sequence[str]) -> list[str]:
    """Each line's part in fenced code: "open", "code", "close", or "" for text outside.

    A fence closes on a marker that starts with the opening one (```` ``` ```` inside `~~~`
    is code); a fence left open runs to the end.
    """
    roles: list[str] = []
    fence = ""
    for line in lines:
        marker = re.match(r"^\s*(`{3,}|~{3,})", line)
        if fence:
            closes = bool(marker and marker.group(1).startswith(fence))
            roles.append("close" if closes else "code")
            fence = "" if closes else fence
        elif marker:
            roles.append("open")
            fence = marker.group(1)
        else:
            roles.append("")
    return roles


def split_blocks(markdown: str) -> list[str]:
    """Blank-line separated blocks, with each fenced code block kept whole."""
    blocks: list[str] = []
    current: list[str] = []
    lines = markdown.splitlines()
    for line, role in zip(lines, fence_roles(lines), strict=True):
        if role == "open" or (not role and not line.strip()):
            if current:
                blocks.append("\n".join(current))
            current = [line] if role else []
        elif role == "close":
            blocks.append("\n".join([*current, line]))
            current = []
        else:
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    # A quote whose code block was lifted out of it leaves an empty `>` line behind.
    blocks = [re.sub(r"(\n>\s*)+$", "", b.strip("\n")) for b in blocks]
    return [b for b in blocks if b.strip() and b.strip() != ">"]


def _unwrap(block: str) -> str:
    """A plain paragraph on one line; lists, tables and quotes keep their lines."""
    if re.match(r"^\s*(?:[-*+] |\d+[.)] |\||>)", block):
        return block
    return " ".join(line.strip() for line in block.splitlines())


def _cite(blocks: list[str], n: int) -> list[str]:
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

    lines = block.splitlines()
    lang = lines[0].lstrip("`~").strip().split()[0].lower() if lines[0].lstrip("`~").strip() else ""
    code = "\n".join(lines[1:-1])
    return all(f["ok"] for f in validate_block({"lang": lang, "code": code, "line": 1}, None))


def _operation_text(passage: Mapping[str, Any], step: str = "") -> str:
    """An API operation's own description and parameters, cited; `step` is the brief's name
    for the call ("Checking the order")."""
    lines = passage.get("text", "").splitlines()
    if not lines:
        return ""
    head, rest = lines[0], lines[1:]
    prose = [
        ln for ln in rest if not ln.startswith(("Parameter ", "Response ", "Request body", "Auth:"))
    ]
    facts = [ln for ln in rest if ln not in prose]
    call, _, summary = head.partition(" — ")
    if step:
        text = f"{step}: call `{call}`" + (f" ({_lower(summary.rstrip('.'))})." if summary else ".")
    else:
        text = f"`{call}`" + (f": {summary}" if summary else ".")
    if prose:
        text += " " + " ".join(prose)
    text = f"{text.rstrip()} [{passage['n']}]"
    if facts:
        text += "\n\n" + "\n".join(f"- {fact}" for fact in facts)
    return text


def _lower(text: str) -> str:
    """'Finds Pets by status' -> 'finds Pets by status' (an acronym such as 'ID' stays)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text
