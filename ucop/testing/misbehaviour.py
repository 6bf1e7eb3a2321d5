"""Ways a real model gets the answer wrong, for the loopback server's misbehaving mode.

Small local models and even hosted ones add prose around JSON, list fewer items than asked,
ignore the format altogether or stop at the token limit. Each mode here rewrites a correct
answer into one of those shapes, so tests can prove ucop degrades instead of dropping parts:

    ModelServer(responder=article_responder, misbehave="ignore_format")
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

# mode -> what it does (shown by `python -m ucop.testing.model_server --help`)
MODES = {
    "ignore_format": "plain prose where JSON was asked for",
    "wrap_json": "JSON inside a Markdown fence with chatty prose (and a [1]) around it",
    "too_few": "JSON lists (outlines) cut to a third of their items",
    "length": "every answer cut in half with finish_reason 'length'",
}


def check_modes(modes: str | Iterable[str] | None) -> tuple[str, ...]:
    """The modes as a tuple; a ValueError names an unknown one."""
    if modes is None:
        return ()
    chosen = (modes,) if isinstance(modes, str) else tuple(modes)
    unknown = [m for m in chosen if m not in MODES]
    if unknown:
        raise ValueError(f"unknown misbehaviour {unknown[0]!r}; choose from {', '.join(MODES)}")
    return chosen


def misbehave(text: str, modes: Iterable[str]) -> tuple[str, bool]:
    """`text` rewritten by each mode in turn; also whether the answer was cut short."""
    truncated = False
    for mode in modes:
        if mode == "length":
            text, truncated = text[: max(1, len(text) // 2)], True
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


_REWRITES: dict[str, Callable[[str], str]] = {
    "ignore_format": _ignore_format,
    "wrap_json": _wrap_json,
    "too_few": _too_few,
}
