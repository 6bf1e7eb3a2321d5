"""Site profiles: how one static site generator wants an article's front matter and file name.

A profile is a `SiteProfile` registered under the `ucop.sites` entry-point group (the built-ins
below are declared in ucop's pyproject.toml like any plugin's). It starts from the neutral
front matter (`title, description, date, tags, slug, draft, sources`; `date` is a
`datetime.date`, so YAML writes it bare) and edits it:

    plain   the neutral form                                             -> <slug>.md
    hugo    plus lastmod                                                 -> <slug>.md
    jekyll  layout: post, date with time, published: false as well       -> YYYY-MM-DD-<slug>.md
    astro   pubDate instead of date                                      -> <slug>.md
    mkdocs  Material blog: date, draft, categories from tags             -> <slug>.md
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ucop.registry import Registry, of_type

GROUP = "ucop.sites"

Adjust = Callable[[dict[str, Any], dt.date], dict[str, Any]]


def _unchanged(data: dict[str, Any], day: dt.date) -> dict[str, Any]:
    return data


@dataclass(frozen=True)
class SiteProfile:
    """One generator's conventions: `adjust` edits the neutral front matter (in key order)."""

    name: str
    adjust: Adjust = _unchanged
    dated_filename: bool = False  # YYYY-MM-DD-<slug>.md instead of <slug>.md
    description: str = ""

    def filename(self, slug: str, day: dt.date) -> str:
        return f"{day.isoformat()}-{slug}.md" if self.dated_filename else f"{slug}.md"


REGISTRY: Registry[SiteProfile] = Registry(GROUP, "site", of_type(SiteProfile, "a SiteProfile"))
SITES = REGISTRY.registered  # the in-process entries (and the installed ones once loaded)


def register(profile: SiteProfile) -> SiteProfile:
    """Add a profile in-process; a later one with the same name replaces an earlier one."""
    return REGISTRY.register(profile.name, profile)


def available() -> list[str]:
    """The site names, registered or installed, sorted (nothing is imported)."""
    return sorted(REGISTRY.names())


def profile(name: str | None) -> SiteProfile:
    """The profile for `name` (None: the neutral `plain` form); an unknown or broken name is
    a usage error listing the others, never a silent fallback to plain Markdown."""
    return PLAIN if name is None else REGISTRY.choose(name)


def _rename(data: dict[str, Any], old: str, new: str, value: Any) -> dict[str, Any]:
    """`data` with key `old` replaced by `new` in the same position."""
    return {(new if key == old else key): (value if key == old else v) for key, v in data.items()}


def _insert_after(data: dict[str, Any], anchor: str, key: str, value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        out[k] = v
        if k == anchor:
            out[key] = value
    return out


def _hugo(data: dict[str, Any], day: dt.date) -> dict[str, Any]:
    return _insert_after(data, "date", "lastmod", data["date"])


def _jekyll(data: dict[str, Any], day: dt.date) -> dict[str, Any]:
    data = _insert_after(data, "description", "layout", "post")
    data["date"] = f"{data['date']} 00:00:00 +0000"
    return _insert_after(data, "draft", "published", False)


def _astro(data: dict[str, Any], day: dt.date) -> dict[str, Any]:
    return _rename(data, "date", "pubDate", data["date"])


def _mkdocs(data: dict[str, Any], day: dt.date) -> dict[str, Any]:
    return _insert_after(data, "tags", "categories", list(data["tags"][:1]))


PLAIN = SiteProfile("plain", description="generator-neutral front matter")
HUGO = SiteProfile("hugo", _hugo, description="Hugo: adds lastmod")
JEKYLL = SiteProfile(
    "jekyll", _jekyll, dated_filename=True, description="Jekyll: layout, dated file name"
)
ASTRO = SiteProfile("astro", _astro, description="Astro content collections: pubDate")
MKDOCS = SiteProfile("mkdocs", _mkdocs, description="MkDocs Material blog: categories")
