"""Past blog posts: what has already been written, so an article can link instead of repeat."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from ucop.errors import SourceError
from ucop.sources.confine import check_inside
from ucop.sources.frontmatter import locate, read_text_file, source_path, split_front_matter
from ucop.sources.kb import markdown_parser, plain_text, unique_id
from ucop.sources.text import slugify

POST_SUFFIXES = (".md", ".markdown")
MAX_SUMMARY_CHARS = 300
_JEKYLL_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})-")


def load_blog(path: Path, base: Path, url: str | None = None) -> list[dict[str, Any]]:
    """Load every post under a folder (or one post file), newest first, undated last.

    `url` is the blog's public base; each post's URL is the one its front matter gives
    (`url`, `permalink`, `path`, `slug` or the first of `aliases`) under that base.
    """
    root = locate(path, base)
    if not root.exists():
        raise SourceError(f"{root}: not found — fix sources.blog in the brief", path=str(root))
    files = [root] if root.is_file() else _post_files(root)
    posts = sorted((load_post(f, base, url) for f in files), key=lambda p: p["slug"])
    posts.sort(key=lambda p: p["date"] or "", reverse=True)
    return posts


def _post_files(root: Path) -> list[Path]:
    found = []
    for file in root.rglob("*"):
        hidden = any(part.startswith(".") for part in file.relative_to(root).parts)
        if file.is_file() and file.suffix.lower() in POST_SUFFIXES and not hidden:
            check_inside(file, root, "blog")
            found.append(file)
    return sorted(found, key=lambda f: f.relative_to(root).as_posix())


def load_post(file: Path, base: Path, blog_url: str | None = None) -> dict[str, Any]:
    """One post: title, ISO date, tags, summary, slug, url and its H2 headings."""
    rel = source_path(file, base)
    meta, body = split_front_matter(read_text_file(file), source=rel)
    tokens = markdown_parser().parse(body)
    slug = str(meta.get("slug") or "").strip() or slugify(_JEKYLL_PREFIX.sub("", file.stem), "post")
    return {
        "source": rel,
        "title": str(meta.get("title") or _heading(tokens, "h1") or file.stem),
        "date": _date(meta.get("date"), file, rel),
        "tags": _tags(meta.get("tags", meta.get("categories"))),
        "summary": _summary(meta, tokens),
        "slug": slug,
        "url": post_url(meta, slug, blog_url),
        "headings": _headings(tokens, "h2"),
    }


def post_url(meta: dict[str, Any], slug: str, blog_url: str | None) -> str:
    """The post's public URL from its own front matter, under `blog_url` when given."""
    for key in ("url", "permalink", "path", "slug", "aliases"):
        value = meta.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str) and value.strip():
            target = value.strip()
            break
    else:
        target = slug
    if re.match(r"https?://", target):
        return target
    if "." not in target.rsplit("/", 1)[-1]:
        target = target.rstrip("/") + "/"
    return (blog_url or "").rstrip("/") + "/" + target.lstrip("/")


def _date(value: Any, file: Path, rel: str) -> str | None:
    """`YYYY-MM-DD` from front matter `date`, else a Jekyll file-name prefix, else None."""
    if value in (None, ""):
        match = _JEKYLL_PREFIX.match(file.stem)
        value = match.group(1) if match else None
        if value is None:
            return None
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise SourceError(
            f"{rel}: date {text!r} is not a YYYY-MM-DD date — fix the front matter", path=rel
        ) from None


def _tags(value: Any) -> list[str]:
    """Tags from a YAML list or a comma/space separated string."""
    if isinstance(value, list):
        return [str(tag).strip() for tag in value if str(tag).strip()]
    if isinstance(value, str):
        return [tag for tag in re.split(r"[,\s]+", value) if tag]
    return []


def _summary(meta: dict[str, Any], tokens: list[Any]) -> str:
    """Front matter description/summary/excerpt, else the first paragraph, ≤ 300 chars."""
    text = next((str(meta[k]) for k in ("description", "summary", "excerpt") if meta.get(k)), "")
    if not text:
        for i, token in enumerate(tokens):
            if token.type == "paragraph_open" and token.level == 0:
                text = plain_text(tokens[i + 1])
                break
    return shorten(" ".join(text.split()), MAX_SUMMARY_CHARS)


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, ending in an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip(" ,;:") + "…"


def _heading(tokens: list[Any], tag: str) -> str | None:
    found = _headings(tokens, tag)
    return found[0] if found else None


def _headings(tokens: list[Any], tag: str) -> list[str]:
    return [
        plain_text(tokens[i + 1])
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and token.tag == tag and token.level == 0
    ]


def blog_chunks(posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One retrieval chunk per post (`blog:<slug>`): title, summary and section headings."""
    seen: set[str] = set()
    chunks = []
    for post in posts:
        parts = [post["title"], post["summary"]]
        if post["headings"]:
            parts.append("Sections: " + "; ".join(post["headings"]))
        chunks.append(
            {
                "id": unique_id(f"blog:{post['slug']}", seen),
                "kind": "blog",
                "source": post["source"],
                "title": post["title"],
                "heading": post["title"],
                "level": 0,
                "text": "\n\n".join(p for p in parts if p),
                "code_blocks": [],
            }
        )
    return chunks
