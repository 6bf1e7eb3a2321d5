"""The model's outline answer, read tolerantly: a JSON list (or `{"sections": [...]}`) of
titles and scopes, or a Markdown list; required sections first, at most the brief's count."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ucop.agents.json_answer import find_json, sections_list
from ucop.errors import UnusableOutput


def parse_outline(text: str, count: int, required: Sequence[Mapping[str, str]]) -> list[dict]:
    """Section titles (and scopes) from a JSON list or a Markdown list; required ones first."""
    items = _json_items(text)
    if items is None:
        items = _markdown_items(text)
    titles_seen = {r["title"].lower() for r in required}
    plan = [{"title": r["title"], "scope": "", "required": True} for r in required]
    for item in items:
        if len(plan) >= count:
            break
        if item["title"].lower() in titles_seen:
            _merge_scope(plan, item)
            continue
        titles_seen.add(item["title"].lower())
        plan.append({**item, "required": False})
    if not plan:
        raise UnusableOutput("the outline had no section titles (expected a JSON or Markdown list)")
    return plan


def _merge_scope(plan: list[dict], item: dict) -> None:
    for entry in plan:
        if entry["title"].lower() == item["title"].lower() and not entry["scope"]:
            entry["scope"] = item["scope"]


def _json_items(text: str) -> list[dict] | None:
    """Items of the first JSON list (or `{"sections": [...]}`) that holds section entries."""
    data = sections_list(find_json(text, lambda value: bool(_entries(sections_list(value)))))
    return None if data is None else _entries(data)


def _entries(data: list | None) -> list[dict]:
    items: list[dict] = []
    if not data:
        return items
    for entry in data:
        if isinstance(entry, str) and entry.strip():
            items.append({"title": _clean_title(entry), "scope": ""})
        elif isinstance(entry, dict) and str(entry.get("title", "")).strip():
            scope = str(entry.get("scope") or entry.get("description") or "").strip()
            items.append({"title": _clean_title(str(entry["title"])), "scope": scope})
    return items


def _markdown_items(text: str) -> list[dict]:
    items = []
    for line in text.splitlines():
        match = re.match(r"^\s*(?:[-*+]|\d+[.)]|#{1,3})\s+(.+)$", line)
        if match:
            title, _, scope = match.group(1).partition(" - ")
            title = _clean_title(title.split(": ", 1)[0] if ": " in title and not scope else title)
            if title:
                items.append({"title": title, "scope": scope.strip()})
    return items


def _clean_title(title: str) -> str:
    return re.sub(r"^[\"'`*_ ]+|[\"'`*_: ]+$", "", title.strip())[:120]
