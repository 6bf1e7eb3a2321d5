"""A stand-in model for the loopback server that answers ucop's own prompts usefully.

It reads the prompt the way a model would have to (plain text, no structured context): plans
an outline from the topics listed, explains the operations asked about as JSON, and writes
short prose that cites the passages it was given. Deterministic, so tests can compare runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any


def article_responder(body: Mapping[str, Any]) -> str:
    """Answer one chat-completions or messages request body (its request: the first user
    message; a later one is ucop's note on a rejected answer, which asks the same again)."""
    user = _first_user(body)
    if "Plan the sections" in user:
        plan = _outline(user)
        return json.dumps({"sections": plan} if asks_for_object(body) else plan)
    if "mapping each id to its explanation" in user:
        return _explanations(user)
    return _prose(user)


def asks_for_object(body: Mapping[str, Any]) -> bool:
    """True when the request asks for structured output, whose top level is a JSON object.

    OpenAI's `response_format` (json_schema or json_object) and Anthropic's tools both
    require an object, so an outline comes back as `{"sections": [...]}` then.
    """
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") in ("json_schema", "json_object"):
        return True
    return bool(body.get("tools"))


def _first_user(body: Mapping[str, Any]) -> str:
    for message in body.get("messages", []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):  # Anthropic-style content blocks
                return " ".join(b.get("text", "") for b in content if isinstance(b, dict))
            return str(content)
    return ""


def _outline(user: str) -> list[dict[str, str]]:
    wanted = re.search(r"exactly (\d+) sections", user)
    count = int(wanted.group(1)) if wanted else 3
    required = re.findall(r"^- (.+?)(?::.*)?$", _between(user, "are required", "\n\n"), re.M)
    topics = re.findall(r"^- (.+)$", _between(user, "Topics available", "API operations"), re.M)
    titles = [*required, *[t for t in topics if t not in required]][:count]
    titles += [f"Topic {n}" for n in range(len(titles) + 1, count + 1)]  # a long outline
    return [{"title": t, "scope": f"How {t.lower()} works in practice."} for t in titles]


def _explanations(user: str) -> str:
    ids = re.findall(r"^- id: (\S+)$", user, re.M)
    requests = re.findall(r"^\s*request: (.+)$", user, re.M)
    return json.dumps(
        {i: f"This request ({r}) does what its summary says." for i, r in zip(ids, requests)}
    )


def _prose(user: str) -> str:
    topic = re.search(r'(?:section|article) "([^"]+)"', user) or re.search(r'"([^"]+)"', user)
    subject = topic.group(1) if topic else "this topic"
    cites = sorted(set(re.findall(r"^\[(\d+)\]", user, re.M)), key=int)[:2]
    marks = " ".join(f"[{n}]" for n in cites)
    return (
        f"This part covers {subject} for the reader, step by step, using the documentation "
        f"provided {marks}.\n\nIt explains what to do, why it matters and what to check "
        "afterwards, so the reader can apply it to their own integration."
    ).replace(" .", ".")


def _between(text: str, start: str, end: str) -> str:
    a = text.find(start)
    if a < 0:
        return ""
    b = text.find(end, a)
    return text[a : b if b >= 0 else len(text)]
