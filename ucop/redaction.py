"""Secrets never leave in what ucop writes: known key values are cut out of text.

A model answer can carry a key (a compromised server echoing the Authorization header, a
model quoting its prompt), and so can anything built from it. Two places apply this: the
shared HTTP chat path, on every answer before an agent sees it, and the atomic file writer,
on every file (article, run report, cache entry) as a backstop.

The secrets are the values of the environment variables that hold credentials: every
provider's key (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `AZURE_OPENAI_API_KEY`, ...) and
anything else named like a key, token, secret or password.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[redacted]"
# Names that end like a credential (OPENAI_API_KEY, GITHUB_TOKEN) or hold an API key anywhere
# (OPENAI_API_KEY_2); `SSH_KEY_PATH`-style names hold a path, not a secret.
SECRET_NAME = re.compile(
    r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$|API_?KEY", re.IGNORECASE
)
MIN_SECRET_CHARS = 8  # shorter values ("1", "true") would cut ordinary words out of text


def configured_secrets(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Values of the credential variables in `env` (default: this process's environment)."""
    env = os.environ if env is None else env
    found = {value.strip() for name, value in env.items() if SECRET_NAME.search(name)}
    return tuple(
        sorted((v for v in found if len(v) >= MIN_SECRET_CHARS), key=lambda v: (-len(v), v))
    )


def redact_secrets(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every occurrence of each secret replaced by `[redacted]`, longest first.

    A secret split up still counts: its characters in order with whitespace, punctuation or
    zero-width characters between them (`sk-abc def`, `sk-abc-\\ndef`, `s\\u200bk-...`).
    """
    squeezed: str | None = None
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
        if len(secret) < MIN_SECRET_CHARS:
            continue
        if squeezed is None:
            squeezed = _GAP.sub("", text)
        if _GAP.sub("", secret) in squeezed:
            text = _split_pattern(secret).sub(REDACTED, text)
            squeezed = None  # the text changed
    return text


# What a model may put between the pieces of a key it splits.
_GAP_CHARS = r"\s\u00ad\u180e\u200b-\u200f\u2028-\u202f\u2060-\u2064\ufeff" + re.escape(
    "-_.,;:'\"`*+|/\\()[]{}<>~!"
)
_GAP = re.compile(f"[{_GAP_CHARS}]+")
MAX_GAP = 6  # characters between two pieces


@functools.lru_cache(maxsize=64)
def _split_pattern(secret: str) -> re.Pattern[str]:
    """`secret` with any short run of gap characters allowed between its characters."""
    gap = f"[{_GAP_CHARS}]{{0,{MAX_GAP}}}"
    chars = [c for c in secret if not _GAP.fullmatch(c)]
    return re.compile(gap.join(re.escape(c) for c in chars))


def scrub(value: Any, secrets: Iterable[str | None]) -> Any:
    """A copy of JSON-like `value` with secrets redacted from every string, keys included."""
    known = tuple(s for s in secrets if s)
    if not known:
        return value
    return _scrub(value, known)


def _scrub(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return redact_secrets(value, secrets)
    if isinstance(value, Mapping):
        return {_scrub(k, secrets): _scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v, secrets) for v in value]
    return value


def redact_answer(
    text: str, own_key: str | None = None, env: Mapping[str, str] | None = None
) -> str:
    """A model's answer without the provider's own key or any other configured secret."""
    return redact_secrets(text, (own_key, *configured_secrets(env)))
