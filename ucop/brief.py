"""The brief: Markdown with YAML front matter that says what to write and from which sources.

    ---
    title: "Sync tasks in real time with Lumen webhooks"
    audience: "Backend developers"
    tags: [webhooks, api]
    sections: 4            # how many sections in all (required ones included)
    sources:
      kb: kb/              # folder or file of Markdown docs
      api: openapi.yaml    # OpenAPI 3.x or Swagger 2.0, YAML or JSON
      blog: blog/          # past posts with front matter
    ---
    Free text: what the article should achieve.

    ## A section the author requires
    Notes for that section.

Source paths are relative to the brief (or absolute); a brief read from standard input
(`-i -`) has them relative to the working folder. Every problem is a `BriefError` or
`SourceError` naming the file, raised before anything runs or is written.
"""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ucop.errors import BriefError, SourceError
from ucop.files import MAX_INPUT_BYTES
from ucop.sources.frontmatter import read_text_file, split_front_matter
from ucop.sources.text import slugify

ALLOWED_KEYS = {
    "title",
    "audience",
    "tags",
    "sections",
    "sources",
    "description",
    "slug",
    "date",
    "author",
    "topics",
}
MAX_SECTIONS = 200


@dataclass(frozen=True)
class RequiredSection:
    title: str
    notes: str


@dataclass(frozen=True)
class Brief:
    path: Path
    title: str
    audience: str
    tags: tuple[str, ...]
    sections: int
    body: str
    required: tuple[RequiredSection, ...]
    sources: dict[str, Path | None]
    description: str = ""
    slug: str = ""
    date: str | None = None
    author: str | None = None
    # Public base URL per source kind (`kb: {path: docs/, url: https://...}`), for links.
    source_urls: dict[str, str] = field(default_factory=dict)
    # The sections' topics as a list (`topics: [Sessions, Timeouts]`), besides the body's asks.
    topics: tuple[str, ...] = ()
    # Whether `sections:` was given (a count the author asked for), not the default.
    sections_asked: bool = False

    @property
    def base(self) -> Path:
        return self.path.parent

    def digest(self, *parts: str) -> str:
        """A stable hash of the named brief fields (for cache keys)."""
        text = "\x1f".join(str(getattr(self, p)) for p in parts)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


STDIN = Path("-")


def load_brief(path: Path, stdin: BinaryIO | None = None) -> Brief:
    """Load and check the brief at `path`; `-` reads it from `stdin` (sources relative to the
    working folder)."""
    if path == STDIN:
        return _parse(Path.cwd() / "<stdin>", _read_stdin(stdin or sys.stdin.buffer))
    try:
        text = read_text_file(path)
    except SourceError as exc:
        raise BriefError(f"brief {exc}".replace("— check the path", "- check --input")) from None
    return _parse(path, text)


def _read_stdin(stream: BinaryIO) -> str:
    if stream.isatty():
        raise BriefError("-i -: reads the brief from standard input - pipe one in (< brief.md)")
    data = stream.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise BriefError(f"brief on standard input: larger than {MAX_INPUT_BYTES // 2**20} MB")
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise BriefError("brief on standard input: not valid UTF-8 - send UTF-8 text") from None


def _parse(path: Path, text: str) -> Brief:
    if "\x00" in text:
        raise BriefError(f"brief {path}: looks binary (has NUL bytes) - use a text file")
    if not text.strip():
        raise BriefError(
            f"brief {path}: is empty - write front matter (title:, sources:) and a body"
        )
    try:
        front, body = split_front_matter(text, source=str(path))
    except SourceError as exc:
        raise BriefError(f"brief {exc}") from None
    if not front:
        raise BriefError(
            f"brief {path}: no front matter - start the file with a '---' block "
            "giving at least title: and sources:"
        )
    return _build(path, front, body)


def _build(path: Path, front: dict[str, Any], body: str) -> Brief:
    where = f"brief {path}"
    unknown = sorted(set(front) - ALLOWED_KEYS)
    if unknown:
        allowed = ", ".join(sorted(ALLOWED_KEYS))
        raise BriefError(
            f"{where}: unknown front matter key(s) {', '.join(unknown)} (allowed: {allowed})"
        )
    title = _text(front, "title", where, required=True)
    intro, required = split_required_sections(body)
    sections = _sections(front.get("sections"), len(required), where)
    return Brief(
        path=path,
        title=title,
        audience=_text(front, "audience", where) or "developers",
        tags=_tags(front.get("tags"), where),
        sections=sections,
        body=intro.strip(),
        required=required,
        sources=_sources(front.get("sources"), path.parent, where),
        source_urls=_source_urls(front.get("sources")),
        description=_text(front, "description", where),
        slug=slugify(_text(front, "slug", where) or title),
        date=_date(_text(front, "date", where), where),
        author=_text(front, "author", where) or None,
        topics=_topics(front.get("topics"), where),
        sections_asked=front.get("sections") is not None,
    )


def split_required_sections(body: str) -> tuple[str, tuple[RequiredSection, ...]]:
    """The body before the first `##` heading, and each `##` heading with its notes."""
    from markdown_it import MarkdownIt

    lines = body.splitlines(keepends=True)
    tokens = MarkdownIt("commonmark").parse(body)
    starts = [
        (token.map[0], tokens[i + 1].content.strip())
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and token.tag == "h2" and token.map and not token.level
    ]
    if not starts:
        return body, ()
    ends = [start for start, _ in starts[1:]] + [len(lines)]
    required = tuple(
        RequiredSection(title, "".join(lines[start + 1 : end]).strip())
        for (start, title), end in zip(starts, ends, strict=True)
    )
    return "".join(lines[: starts[0][0]]), required


def _text(front: dict[str, Any], key: str, where: str, required: bool = False) -> str:
    value = front.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BriefError(f"{where}: front matter needs a non-empty '{key}:'")
        return ""
    if not isinstance(value, (str, int, float)):
        raise BriefError(f"{where}: '{key}' must be text, not a {type(value).__name__}")
    return str(value).strip()


def _date(text: str, where: str) -> str | None:
    """The publication date, checked now (not after every model call): YYYY-MM-DD[...]."""
    if not text:
        return None
    import datetime as dt

    try:
        dt.date.fromisoformat(text[:10])
    except ValueError:
        raise BriefError(
            f"{where}: 'date' {text!r} is not a date - write it as YYYY-MM-DD, e.g. 2024-05-01"
        ) from None
    return text


def _tags(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [t.strip() for t in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(t, (str, int)) for t in value):
        raise BriefError(f"{where}: 'tags' must be a list of words, e.g. tags: [api, python]")
    return tuple(str(t).strip() for t in value if str(t).strip())


def _topics(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        raise BriefError(
            f"{where}: 'topics' must be a list of phrases, e.g. topics: [Sessions, Timeouts]"
        )
    return tuple(t.strip() for t in value)


def _sections(value: Any, required: int, where: str) -> int:
    if value is None:
        return max(required, 3)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SECTIONS:
        raise BriefError(f"{where}: 'sections' must be a whole number from 1 to {MAX_SECTIONS}")
    return max(value, required)


def _sources(value: Any, base: Path, where: str) -> dict[str, Path | None]:
    if value is None:
        raise BriefError(
            f"{where}: front matter needs 'sources:' with at least one of kb, api, blog"
        )
    if not isinstance(value, dict):
        raise BriefError(f"{where}: 'sources' must be a mapping with kb:, api: and/or blog:")
    from ucop.sources.kinds import available

    kinds = available()
    unknown = sorted(set(value) - set(kinds))
    if unknown:
        raise BriefError(
            f"{where}: unknown source kind(s) {', '.join(unknown)} (use {', '.join(kinds)})"
        )
    found: dict[str, Path | None] = {}
    for kind in kinds:
        raw = value.get(kind)
        if raw is None or raw == "":
            found[kind] = None
            continue
        if isinstance(raw, dict):
            raw = _source_entry(raw, kind, where)
        if not isinstance(raw, str):
            raise BriefError(f"{where}: sources.{kind} must be a path or {{path:, url:}}")
        path = Path(raw).expanduser()
        path = path if path.is_absolute() else base / path
        if not path.exists():
            raise SourceError(
                f"sources.{kind}: {path} not found - fix the path in the brief "
                f"(paths are relative to {_relative_to(base)})",
                path=str(path),
            )
        found[kind] = path
    if not any(found.values()):
        raise BriefError(f"{where}: 'sources' names no kb, api or blog path")
    return found


def _relative_to(base: Path) -> str:
    return "the working folder" if base == Path.cwd() else "the brief"


def _source_entry(entry: dict[str, Any], kind: str, where: str) -> Any:
    """The path of a `{path: ..., url: ...}` source entry, after checking its keys."""
    unknown = sorted(set(entry) - {"path", "url"})
    if unknown:
        raise BriefError(
            f"{where}: sources.{kind} has unknown key(s) {', '.join(unknown)} (use path: and url:)"
        )
    url = entry.get("url")
    if url is not None and not (isinstance(url, str) and re.match(r"https?://\S+$", url)):
        raise BriefError(f"{where}: sources.{kind}.url must be an http(s) URL")
    return entry.get("path")


def _source_urls(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {
        kind: entry["url"]
        for kind, entry in value.items()
        if isinstance(entry, dict) and isinstance(entry.get("url"), str)
    }
