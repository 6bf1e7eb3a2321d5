"""A line scanner for the Markdown most documentation pages are made of, or None.

It reads ATX headings, fenced code at the top level and in list items, indented code,
paragraphs, thematic breaks, GFM tables, and the extent of top-level lists and block quotes
(their insides are prose), by markdown-it-py's own rules for where each block ends. It gives
up (returns None, and the page goes to markdown-it-py) on anything whose reading it does not
reproduce: tabs, HTML blocks, tables inside lists or quotes, setext headings, possible link
reference definitions, code in a quote or a nested list, an indented fence, empty list
items, and lines markdown-it would treat by a special case.
"""

from __future__ import annotations

import re

from markdown_it.common.utils import mdTrim
from markdown_it.rules_block.table import MAX_AUTOCOMPLETED_CELLS, escapedSplit, headerLineRe

from ucop.sources.mdblocks import Block, PageBlocks

_ODD_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")  # splitlines() != "\n"
_ATX = re.compile(r"(#{1,6})(?:[ \t]|$)")
_FENCE = re.compile(r"(`{3,}|~{3,})(.*)$")
_HR = re.compile(r"([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_SETEXT = re.compile(r"(?:=+|-+)[ \t]*$")
_ITEM = re.compile(r"([-+*]|\d{1,9}[.)])( *)(.*)$")
_DELIMITER = re.compile(r"[ |:-]*-[ |:-]*$")
_QUOTE = re.compile(r"(?: {0,3}> ?)+")
# `[^note]: Some words`: a word after the destination, where a reference definition could
# only have a quoted title, so markdown-it reads the line as text (footnotes without a plugin)
_NOTE = re.compile(r"\[[^\[\]]*\]: *[^\s<]\S* +[^\s\"'(]")


class GiveUp(Exception):
    """The page holds something the scanner does not read as markdown-it would."""


def scan(body: str) -> PageBlocks | None:
    """The page's blocks, or None when it must go to markdown-it-py."""
    if "\t" in body or _ODD_BREAKS.search(body):
        return None
    lines = body.split("\n")
    if body.endswith("\n"):
        lines.pop()  # markdown-it's lines, as splitlines() gives them
    scanner = _Scanner(lines)
    try:
        top = scanner.run()
    except GiveUp:
        return None
    code = [b for b in top if b.kind == "code"] + scanner.nested
    return PageBlocks(top, sorted(code, key=lambda b: b.start))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _blank(line: str) -> bool:
    return not line.strip(" ")


def _check(text: str, tables: bool = False) -> None:
    """Give up on a line whose inside needs more than extents: HTML, references, and tables
    other than at the top level (`tables=True` where the scanner reads them)."""
    if text[:1] == "<" or (not tables and ("|" in text or ":" in text) and _table_row(text)):
        raise GiveUp
    if "]:" in text and (text.count("]:") > 1 or not _NOTE.match(text)):
        raise GiveUp  # maybe a link reference definition (markdown-it drops its lines)


def _table_row(text: str) -> bool:
    return bool(_DELIMITER.match(text))


def _delimiters(line: str) -> int:
    """How many columns a table's delimiter row (`| --- | :-: |`) gives; 0 if it is not one."""
    text = line.lstrip(" ")
    if len(line) - len(text) >= 4 or len(text) < 2 or text.strip("|-: "):
        return 0
    if text[0] not in "|-:" or (text[0] == "-" and text[1] == " "):
        return 0
    columns = text.split("|")
    count = 0
    for n, column in enumerate(columns):
        cell = mdTrim(column)
        if not cell and n in (0, len(columns) - 1):
            continue
        if not headerLineRe.search(cell):
            return 0
        count += 1
    return count


def _cells(line: str) -> int:
    """How many cells a table row has (pipes escaped with `\\` do not count)."""
    cells = escapedSplit(mdTrim(line.lstrip(" ")))
    if cells and cells[0] == "":
        cells.pop(0)
    if cells and cells[-1] == "":
        cells.pop()
    return len(cells)


def _marker(text: str) -> re.Match[str] | None:
    """A list item's marker at the start of `text` (a space after it, or nothing)."""
    item = _ITEM.match(text)
    return item if item and (item.group(2) or not item.group(3)) else None


class _Scanner:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.n = len(lines)
        self.nested: list[Block] = []  # code inside list items

    def run(self) -> list[Block]:
        blocks: list[Block] = []
        i = 0
        while i < self.n:
            line = self.lines[i]
            if _blank(line):
                i += 1
                continue
            block = self.block(i, line)
            blocks.append(block)
            i = block.end
        return blocks

    def block(self, i: int, line: str) -> Block:
        ind = _indent(line)
        if ind >= 4:
            return self.indented_code(i)
        text = line[ind:]
        table = self.table_end(i) if "|" in text else None
        if table:
            return Block("prose", i, table)
        heading = _ATX.match(text)
        if heading:
            return Block("heading", i, i + 1, len(heading.group(1)), _atx_content(text))
        fence = _FENCE.match(text)
        if fence:
            return self.fence(i, ind, fence)
        if _HR.match(text):
            return Block("prose", i, i + 1)
        if text[0] == ">":
            return self.quote(i)
        item = _marker(text)
        if item:
            return self.list(i, item)
        return self.paragraph(i, text)

    def indented_code(self, i: int) -> Block:
        last = j = i + 1
        while j < self.n:
            if _blank(self.lines[j]):
                j += 1
            elif _indent(self.lines[j]) >= 4:
                j += 1
                last = j
            else:
                break
        code = "\n".join(ln[min(_indent(ln), 4) :] for ln in self.lines[i:last])
        return Block("code", i, last, text=code.rstrip("\n"))

    def fence(self, i: int, ind: int, match: re.Match[str]) -> Block:
        marker, info = match.group(1), match.group(2)
        if ind or (marker[0] == "`" and "`" in info) or "\\" in info or "&" in info:
            raise GiveUp  # indented fences lose indentation; escapes change the info string
        j = i + 1
        while j < self.n:
            line = self.lines[j]
            ind_j = _indent(line)
            rest = line[ind_j:]
            if ind_j < 4 and rest.startswith(marker) and not rest.lstrip(marker[0]).strip(" "):
                break
            j += 1
        code = "\n".join(self.lines[i + 1 : j])
        lang = info.strip().split()[0].lower() if info.strip() else ""
        return Block("code", i, min(j + 1, self.n), text=code.rstrip("\n"), lang=lang)

    def paragraph(self, i: int, text: str) -> Block:
        _check(text, tables=True)
        j = i + 1
        while j < self.n:
            line = self.lines[j]
            if _blank(line):
                break
            ind = _indent(line)
            rest = line[ind:]
            _check(rest, tables=True)
            if ind < 4:
                if _SETEXT.match(rest):
                    raise GiveUp
                if _interrupts(rest) or ("|" in rest and self.table_end(j)):
                    break
            j += 1
        return Block("prose", i, j)

    def table_end(self, i: int) -> int | None:
        """Where a GFM table starting at line i ends, or None if none starts there (markdown-it's
        rule: a header row with pipes, a delimiter row of as many columns, rows to the first
        blank line or the first line that starts another block)."""
        if i + 1 >= self.n or _indent(self.lines[i]) >= 4 or "|" not in self.lines[i]:
            return None
        columns = _delimiters(self.lines[i + 1])
        if not columns or _cells(self.lines[i]) != columns:
            return None
        j, missing = i + 2, 0
        while j < self.n:
            line = self.lines[j]
            ind = _indent(line)
            rest = line[ind:]
            if not mdTrim(rest) or ind >= 4:
                break
            if rest[0] == "<":
                raise GiveUp
            if rest[0] == ">" or _ends_quote(rest):
                break
            missing += columns - _cells(line)
            if missing > MAX_AUTOCOMPLETED_CELLS:
                break
            j += 1
        return j

    def quote(self, i: int) -> Block:
        empty = self.quote_line(self.lines[i])
        j = i + 1
        while j < self.n:
            line = self.lines[j]
            if _blank(line):
                if empty:
                    raise GiveUp  # markdown-it's span then runs on over blank lines
                break
            ind = _indent(line)
            rest = line[ind:]
            if ind < 4 and rest[0] == ">":
                empty = self.quote_line(line)
            elif empty:
                break
            else:
                _check(rest)
                if ind < 4 and _ends_quote(rest):
                    break
                if ind >= 4 and not rest[0].isalnum():
                    raise GiveUp
            j += 1
        return Block("prose", i, j)

    def quote_line(self, line: str) -> bool:
        """Check one `>` line; returns whether it holds nothing after its markers."""
        marks = _QUOTE.match(line)
        inner = line[marks.end() if marks else 0 :]
        if _blank(inner):
            return True
        ind = _indent(inner)
        rest = inner[ind:]
        while (item := _marker(rest)) and item.group(3):
            rest = item.group(3).lstrip(" ")
        _check(rest)
        if ind >= 4 or _FENCE.match(rest):
            raise GiveUp  # code in the quote (or in a list in it): chunks cut code out
        return False

    def list(self, i: int, item: re.Match[str]) -> Block:
        kind = item.group(1)[-1]  # the bullet, or an ordered list's `.` / `)`
        width, paragraph = self.item(self.lines[i], item)
        blank = nested = False
        j = i + 1
        while j < self.n:
            line = self.lines[j]
            if _blank(line):
                blank, paragraph = True, False
                j += 1
                continue
            ind = _indent(line)
            rest = line[ind:]
            fence = _FENCE.match(rest) if ind >= width and not nested else None
            if fence and ind - width < 4:
                j, paragraph, blank = self.item_fence(j, ind, width, fence), False, False
                continue
            if ind >= width:
                nested = nested or _marker(rest) is not None
                paragraph = self.inside(rest, ind - width)
            elif ind < 4 and (new := _marker(rest)) and not _HR.match(rest):
                if new.group(1)[-1] != kind:
                    break  # another kind of list starts
                width, paragraph = self.item(line, new)
                nested = False
            elif blank or not paragraph:
                break
            else:  # a lazy line, continuing the paragraph unless it starts a block
                _check(rest)
                if ind >= 4:
                    raise GiveUp  # markdown-it has special cases for these
                if _interrupts(rest) or _marker(rest):
                    break
            blank = False
            j += 1
        return Block("prose", i, j)

    def item_fence(self, i: int, ind: int, width: int, match: re.Match[str]) -> int:
        """A fence in a list item (not in a list nested in it); returns the line after it.

        As markdown-it-py reads it: a line indented less than the item ends it unclosed, and
        each line loses as many leading spaces as the opening fence has, at most.
        """
        marker, info = match.group(1), match.group(2)
        if (marker[0] == "`" and "`" in info) or "\\" in info or "&" in info:
            raise GiveUp
        j, end = i + 1, self.n
        while j < self.n:
            line = self.lines[j]
            ind_j = _indent(line)
            if ind_j < width and not _blank(line):
                end = j
                break
            rest = line[ind_j:]
            if (
                ind_j - width < 4
                and rest.startswith(marker)
                and not rest.lstrip(marker[0]).strip(" ")
            ):
                end = j + 1
                break
            j += 1
        code = "\n".join(ln[min(_indent(ln), ind) :] for ln in self.lines[i + 1 : j])
        lang = info.strip().split()[0].lower() if info.strip() else ""
        self.nested.append(Block("code", i, end, text=code.rstrip("\n"), lang=lang))
        return end

    def item(self, line: str, item: re.Match[str]) -> tuple[int, bool]:
        """An item's content indent, and whether its first line is a paragraph's (giving up
        on empty items and items that start with code)."""
        spaces, content = item.group(2), item.group(3)
        if not content or len(spaces) > 4 or not spaces:
            raise GiveUp
        return _indent(line) + len(item.group(1)) + len(spaces), self.inside(content, 0)

    def inside(self, text: str, extra: int) -> bool:
        """Check a line inside a list item; returns whether it continues a paragraph."""
        if extra >= 4:
            raise GiveUp  # maybe code, in this item or in a list nested in it
        while (nested := _marker(text)) and not _HR.match(text):
            spaces, text = nested.group(2), nested.group(3)
            if not text or not spaces or len(spaces) > 4:
                raise GiveUp
        if text[0] == ">":
            return not self.quote_line(text)  # a quote takes a lazy line unless it is empty
        _check(text)
        if _FENCE.match(text) or _SETEXT.match(text) or _HR.match(text):
            raise GiveUp
        return text[0] != "#"


def _atx_content(text: str) -> str:
    """An ATX heading's inline source, as markdown-it-py cuts it."""
    rest = text.lstrip("#").rstrip(" \t")
    stripped = rest.rstrip("#")
    if len(stripped) < len(rest) and stripped and stripped[-1] in " \t":
        rest = stripped
    return rest.strip()


def _interrupts(text: str) -> bool:
    """Whether a line (indented less than 4) ends a paragraph at the top level."""
    if _ATX.match(text) or _FENCE.match(text) or text[0] == ">" or _HR.match(text):
        return True
    item = _ITEM.match(text)
    if item is None or not item.group(2) or not item.group(3):
        return False
    marker = item.group(1)
    return marker[-1] not in ".)" or marker[:-1] == "1"


def _ends_quote(text: str) -> bool:
    """Whether a line after a quote ends it (markdown-it's terminators for a block quote)."""
    if _ATX.match(text) or _FENCE.match(text) or _HR.match(text):
        return True
    item = _ITEM.match(text)
    return item is not None and (bool(item.group(2)) or not item.group(3))
