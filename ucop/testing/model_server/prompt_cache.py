"""The prompt cache: cached input tokens reported the way OpenAI and Anthropic decide them."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from typing import Any

from ucop.testing.model_server.wire import ANTHROPIC_PATH, messages_of, text_of


class PromptCache:
    """Reports cached input tokens the way OpenAI and Anthropic decide them (tokens are words).

    OpenAI caches by itself: the longest prefix of the whole prompt (every message, in order)
    seen before, counted in whole blocks (128 tokens) and only from a minimum (1024 tokens).
    Anthropic caches only what a request marks: each block carrying `cache_control` (tools,
    then system, then messages) writes the prefix up to its end; a later request reads the
    longest such prefix it repeats, checked at every block boundary up to its last breakpoint;
    its minimum is 1024 tokens too (2048 on the small models). The loopback server scales the
    real figures down 8x by default (`min_tokens=128`, `block=16`), as its prompts are short.
    """

    def __init__(self, min_tokens: int = 128, block: int = 16) -> None:
        if min_tokens < 1 or block < 1:
            raise ValueError("the prompt cache needs min_tokens >= 1 and block >= 1")
        self.min_tokens = min_tokens
        self.block = block
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def cached_words(self, path: str, body: Mapping[str, Any]) -> int:
        """Tokens of `body` read from the cache; records what it writes for later requests."""
        return self.usage(path, body)[0]

    def usage(self, path: str, body: Mapping[str, Any]) -> tuple[int, int]:
        """(tokens read from the cache, tokens written to it) for one request."""
        if path == ANTHROPIC_PATH:
            return self._marked(body)
        words = " ".join(text_of(m.get("content")) for m in messages_of(body)).split()
        ends = range(self.block, len(words) + 1, self.block)
        keys = [(end, _key(" ".join(words[:end]))) for end in ends if end >= self.min_tokens]
        with self._lock:
            hits = [end for end, key in keys if key in self._seen]
            self._seen.update(key for _, key in keys)
        return (max(hits) if hits else 0), 0

    def _marked(self, body: Mapping[str, Any]) -> tuple[int, int]:
        boundaries, breakpoints = _anthropic_blocks(body)
        if not breakpoints:
            return 0, 0
        last = breakpoints[-1]
        candidates = [(n, _key(k)) for n, k in boundaries[: last + 1] if n >= self.min_tokens]
        writes = [(n, _key(k)) for n, k in (boundaries[i] for i in breakpoints)]
        writes = [(n, key) for n, key in writes if n >= self.min_tokens]
        with self._lock:
            hits = [n for n, key in candidates if key in self._seen]
            self._seen.update(key for _, key in writes)
        read = max(hits) if hits else 0
        written = max((n for n, _ in writes), default=0)
        return read, max(written - read, 0)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _anthropic_blocks(body: Mapping[str, Any]) -> tuple[list[tuple[int, str]], list[int]]:
    """Every block boundary of an Anthropic request as (tokens so far, the text so far), and
    the indexes of the boundaries that end a block marked `cache_control`.

    Tools come first in Anthropic's prefix; they count in the key but not as prompt tokens,
    since the loopback server does not bill them."""
    blocks: list[tuple[str, int, bool]] = []
    for tool in body.get("tools") or ():
        if isinstance(tool, dict):
            blocks.append((json.dumps(tool, sort_keys=True), 0, bool(tool.get("cache_control"))))
    system = body.get("system")
    parts: list[Any] = [system] if isinstance(system, str) else list(system or ())
    for message in messages_of(body):
        content = message.get("content")
        parts += content if isinstance(content, list) else [content]
    for part in parts:
        text = text_of([part] if isinstance(part, dict) else part)
        marked = isinstance(part, dict) and bool(part.get("cache_control"))
        blocks.append((text, len(text.split()), marked))
    boundaries: list[tuple[int, str]] = []
    breakpoints: list[int] = []
    count, key = 0, ""
    for text, words, marked in blocks:
        count, key = count + words, key + "\x00" + " ".join(text.split())
        if marked:
            breakpoints.append(len(boundaries))
        boundaries.append((count, key))
    return boundaries, breakpoints
