"""Article front matter and file names, mapped to a static site generator's conventions.

Each generator is a registered `SiteProfile` (ucop/article/sites.py, entry-point group
`ucop.sites`); the built-ins:

    plain   title, description, date, tags, slug, draft, sources        -> <slug>.md
    hugo    as plain, plus lastmod                                      -> <slug>.md
    jekyll  layout: post, date with time, published: false as well      -> YYYY-MM-DD-<slug>.md
    astro   pubDate instead of date                                     -> <slug>.md
    mkdocs  Material blog: date, draft, categories from tags            -> <slug>.md

A partial article also carries `status: partial` and `failed_parts`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import yaml


def front_matter(
    *,
    title: str,
    description: str,
    day: dt.date,
    tags: Sequence[str],
    slug: str,
    sources: Sequence[str],
    site: str | None,
    failed_parts: Sequence[str] = (),
) -> dict[str, Any]:
    """The front matter mapping for `site` (None for the generator-neutral form)."""
    from ucop.article.sites import profile

    neutral: dict[str, Any] = {
        "title": title,
        "description": description,
        # a date object, so YAML writes a real date (`date: 2026-01-02`), not a quoted string:
        # MkDocs Material's blog plugin rejects a string
        "date": day,
        "tags": list(tags),
        "slug": slug,
        "draft": True,
        "sources": list(sources),
    }
    data = profile(site).adjust(neutral, day)
    if failed_parts:
        data["status"] = "partial"
        data["failed_parts"] = list(failed_parts)
    return data


def article_filename(slug: str, day: dt.date, site: str | None) -> str:
    """The article's file name: Jekyll wants the date in front, everyone else the slug."""
    from ucop.article.sites import profile

    return profile(site).filename(slug, day)


class _NoAliases(yaml.SafeDumper):
    """Writes a value used twice (Hugo's `date` and `lastmod`) twice, never as `&id001` and
    `*id001`: site generators and front matter editors do not all read YAML anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render_front_matter(data: Mapping[str, Any]) -> str:
    body = yaml.dump(dict(data), Dumper=_NoAliases, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{body}---\n"
