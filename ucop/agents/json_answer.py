"""Finding the JSON in a model's answer, however it was wrapped; and the schemas asked for.

Models put JSON in Markdown fences, add prose before and after it (often with a citation like
"[1]" that a greedy regex would swallow), or answer an object where a list was asked. The
finder tries fenced blocks first, then every `[` or `{` in the text, and returns the first
value the caller accepts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ucop.errors import UnusableOutput

FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n(.*?)```", re.DOTALL)
MAX_STARTS = 400  # positions tried per text; answers are a few KB
MAX_JSON_CHARS = 500_000  # an outline or a set of explanations is a few KB
MAX_DEPTH = 32  # the answers asked for nest three levels


def find_json(text: str, accept: Callable[[Any], bool]) -> Any:
    """The first JSON value in `text` (fenced blocks first) that `accept` likes, else None.

    An answer too long or nested too deep to be one of ours raises `UnusableOutput` (retried,
    then replaced like any unusable answer) before the decoder sees it.
    """
    check_size(text)
    decoder = json.JSONDecoder()
    for candidate in _candidates(text):
        for value in _values(candidate, decoder):
            if accept(value):
                return value
    return None


def check_size(text: str) -> None:
    """Raise `UnusableOutput` for text longer than `MAX_JSON_CHARS` or nested past `MAX_DEPTH`."""
    if len(text) > MAX_JSON_CHARS:
        raise UnusableOutput(
            f"the answer is {len(text):,} characters; a JSON answer may have {MAX_JSON_CHARS:,}"
        )
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise UnusableOutput(
            f"the answer's JSON is nested {depth:,} levels deep; at most {MAX_DEPTH} are read"
        )


def nesting_depth(text: str) -> int:
    """The deepest nesting of [ and { outside JSON strings, in one pass (no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest


def sections_list(value: Any) -> list[Any] | None:
    """A list as itself, or the one list inside an object like `{"sections": [...]}`."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) == 1:
            return lists[0]
    return None


def outline_schema() -> dict[str, Any]:
    """The outline answer: an object holding the list of sections (strict-mode compatible)."""
    section = {
        "type": "object",
        "properties": {"title": {"type": "string"}, "scope": {"type": "string"}},
        "required": ["title", "scope"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"sections": {"type": "array", "items": section}},
        "required": ["sections"],
        "additionalProperties": False,
    }


def explanations_schema(ids: Sequence[str]) -> dict[str, Any]:
    """The code-explanation answer: one string per operation id."""
    return {
        "type": "object",
        "properties": {i: {"type": "string"} for i in ids},
        "required": list(ids),
        "additionalProperties": False,
    }


def _candidates(text: str) -> Iterator[str]:
    for match in FENCE.finditer(text):
        yield match.group(1)
    yield text


def _values(text: str, decoder: json.JSONDecoder) -> Iterator[Any]:
    starts = [m.start() for m in re.finditer(r"[\[{]", text)][:MAX_STARTS]
    for start in starts:
        try:
            value, _ = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            continue
        yield value
