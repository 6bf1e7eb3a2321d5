"""Documentation markup made portable: what a KB document says, without its site's syntax.

MkDocs admonitions (`!!! tip "Title"`, `??? note`) become blockquotes (`> **Tip:** ...`),
mkdocstrings directives (`::: module.Class`) and HTML are removed, and relative links are
resolved against the document's public URL when the brief gives one, otherwise reduced to
their text. Code (fenced blocks and inline spans) is left exactly as written.
"""

from __future__ import annotations

import re
from posixpath import dirname, join, normpath

_ADMONITION = re.compile(r'^(\s*)(?:!!!|\?\?\?\+?)\s+([\w-]+)(?:\s+"([^"]*)")?\s*$')
_FENCE = re.compile(r"^\s*(```|~~~)")
_HTML_BLOCK = re.compile(r"^\s*</?[A-Za-z][\w-]*(\s[^>]*)?/?>|^\s*<!--")
_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>", re.DOTALL)
_IMAGE_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_LINK = re.compile(r"(!?)\[([^\[\]]*)\]\(\s*([^()\s]+)(?:\s+\"[^\"]*\")?\s*\)")
_ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
_CODE_SPAN = re.compile(r"(`+)(?:.*?)\1")
_REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*(\S+)(?:\s+\"[^\"]*\")?\s*$")
_REF_LINK = re.compile(r"(!?)\[([^\[\]]+)\]\[([^\]]*)\]")
_DOC_SUFFIX = re.compile(r"\.(md|markdown|txt|rst|ipynb)$")


def page_url(base_url: str | None, doc_path: str) -> str | None:
    """The public URL of a document under `base_url`, MkDocs-style (`a/b.md` -> `a/b/`, and
    so for .rst and .ipynb pages too); an HTML page keeps its file name."""
    if not base_url:
        return None
    if re.search(r"\.html?$", doc_path, re.IGNORECASE):
        return base_url.rstrip("/") + "/" + doc_path.lstrip("/")
    stem = re.sub(_DOC_SUFFIX, "", doc_path)
    if stem == "index" or stem.endswith("/index"):
        stem = stem[: -len("index")]
    else:
        stem += "/"
    return base_url.rstrip("/") + "/" + stem.lstrip("/")


def normalize_markdown(text: str, doc_path: str = "", base_url: str | None = None) -> str:
    """`text` with admonitions as blockquotes, no HTML or directives, portable links."""
    lines = text.splitlines()
    if "!!!" in text or "???" in text:
        lines = _admonitions(lines)
    if "]:" in text:
        lines = _inline_references(lines)
    out: list[str] = []
    in_fence = False
    in_html = False
    for line in lines:
        if ("`" in line or "~" in line) and _FENCE.match(line.lstrip("> ")):
            in_fence = not in_fence
            out.append(line)
            continue
        if in_fence:
            out.append(line)
            continue
        if in_html:
            in_html = bool(line.strip())
            continue
        stripped = line.lstrip("> ").strip()
        if stripped.startswith(":::"):
            continue  # a mkdocstrings directive: rendered API docs we do not have
        if "<" in stripped and _HTML_BLOCK.match(stripped) and not _TAG.sub("", stripped).strip():
            in_html = not _closes(stripped)
            continue
        line = _inline(line, doc_path, base_url)
        if line.strip() or (out and out[-1].strip()):  # one blank line between blocks
            out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def _inline_references(lines: list[str]) -> list[str]:
    """`[text][ref]` -> `[text](url)`, so a paragraph carried over keeps its link target."""
    refs = {}
    for line in lines:
        match = _REF_DEF.match(line) if "]:" in line else None
        if match:
            refs[match.group(1).lower()] = match.group(2).strip("<>")
    if not refs:
        return lines

    def inline(match: re.Match[str]) -> str:
        url = refs.get((match.group(3) or match.group(2)).lower())
        return f"{match.group(1)}[{match.group(2)}]({url})" if url else match.group(0)

    kept = [ln for ln in lines if "]:" not in ln or not _REF_DEF.match(ln)]
    return [_REF_LINK.sub(inline, ln) if "][" in ln else ln for ln in kept]


def _closes(line: str) -> bool:
    """An HTML line that ends its own block (`<br/>`, `<img ...>`, `<p>..</p>`)."""
    return line.endswith("/>") or bool(re.search(r"</[A-Za-z][\w-]*>\s*$", line))


def _admonitions(lines: list[str]) -> list[str]:
    """`!!! kind "Title"` + indented body -> `> **Title:** body` (nested ones too)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _ADMONITION.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        indent, kind, title = match.group(1), match.group(2), match.group(3)
        body, i = _indented_body(lines, i + 1, len(indent) + 4)
        body = _admonitions(body)
        if _only_directives(body):
            continue  # an "API Reference" box holding only a mkdocstrings directive
        label = title.strip() if title else kind.replace("-", " ").capitalize()
        while body and not body[0].strip():
            body.pop(0)
        while body and not body[-1].strip():
            body.pop()
        if not body:
            continue
        first, rest = body[0], body[1:]
        quoted = [f"{indent}> **{label}:** {first.strip()}"]
        quoted += [f"{indent}> {ln}".rstrip() for ln in rest]
        out.extend([*quoted, ""])
    return out


def _only_directives(body: list[str]) -> bool:
    text = [ln for ln in body if ln.strip()]
    return (
        bool(text) and text[0].startswith(":::") and all(ln.startswith((":::", " ")) for ln in text)
    )


def _indented_body(lines: list[str], start: int, width: int) -> tuple[list[str], int]:
    body: list[str] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if line.strip() and len(line) - len(line.lstrip(" ")) < width:
            break
        body.append(line[width:] if line.strip() else "")
        i += 1
    return body, i


def _inline(line: str, doc_path: str, base_url: str | None) -> str:
    """Fix links (their labels may hold code), then strip HTML outside code spans."""
    if "[" not in line and "<" not in line:
        return line  # no link, no tag: nothing to do

    def link(match: re.Match[str]) -> str:
        image, label, target = match.group(1), match.group(2), match.group(3)
        url = resolve_link(target, doc_path, base_url)
        if image:
            return f"![{label}]({url})" if url else ""
        return f"[{label}]({url})" if url else label

    line = _LINK.sub(link, line)
    pieces = []
    last = 0
    for span in _CODE_SPAN.finditer(line):
        pieces.append(_TAG.sub("", _IMAGE_TAG.sub("", line[last : span.start()])))
        pieces.append(span.group(0))
        last = span.end()
    pieces.append(_TAG.sub("", _IMAGE_TAG.sub("", line[last:])))
    return "".join(pieces)


def resolve_link(target: str, doc_path: str, base_url: str | None) -> str | None:
    """A link target as a public URL, or None when it would be dead in a published article."""
    if _ABSOLUTE.match(target):
        return target if target.lower().startswith(("http:", "https:", "mailto:")) else None
    if not base_url:
        return None
    path, _, anchor = target.partition("#")
    if not path:
        page = page_url(base_url, doc_path)
    else:
        joined = normpath(join(dirname(doc_path), path)) if not path.startswith("/") else path
        if joined.startswith(".."):
            return None
        is_doc = re.search(r"\.(md|markdown|rst|ipynb)$", joined) is not None
        page = page_url(base_url, joined) if is_doc else base_url.rstrip("/") + "/" + joined
    return f"{page}#{anchor}" if anchor else page
