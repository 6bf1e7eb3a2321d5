"""What model calls cost: the shipped price table, config overrides, token estimates.

Prices are estimates in US dollars per million tokens (`ucop/data/prices.yaml`, dated by its
`taken` key). `provider.prices` in the config adds or replaces models. A model matches the
longest table entry its name starts with; a model with no entry has no price (cost None),
which is what a local server usually wants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ucop.providers.base import CompletionRequest

PRICES_FILE = Path(__file__).resolve().parents[1] / "data" / "prices.yaml"
CHARS_PER_TOKEN = 4.0  # the usual rule of thumb for English text and BPE tokenizers
TOKENS_PER_MESSAGE = 4  # role and separators
EXPECTED_OUTPUT = 500  # tokens a prose answer usually takes, when max_tokens allows it


@dataclass(frozen=True)
class Price:
    """Dollars per million tokens."""

    input: float
    output: float
    cached_input: float | None = None

    def cost(self, tokens_in: int, tokens_out: int, cached: int = 0) -> float:
        """`tokens_in` includes `cached`, as OpenAI counts it; cached ones cost less."""
        cached = min(cached, tokens_in)
        cached_rate = self.input if self.cached_input is None else self.cached_input
        total = (tokens_in - cached) * self.input + cached * cached_rate
        return (total + tokens_out * self.output) / 1_000_000


@lru_cache(maxsize=1)
def shipped_prices() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(PRICES_FILE.read_text(encoding="utf-8")) or {}


def prices_taken() -> str:
    """When the shipped prices were copied from the providers' lists."""
    return str(shipped_prices().get("taken", "unknown"))


def find_price(
    provider: str, model: str, overrides: Mapping[str, Mapping[str, float]] | None = None
) -> Price | None:
    """The price of `model` at `provider`: a config override first, then the shipped table."""
    for table in (overrides or {}, shipped_prices().get(provider) or {}):
        entry = _longest_match(table, model)
        if entry is not None:
            return Price(
                input=float(entry.get("input", 0)),
                output=float(entry.get("output", 0)),
                cached_input=_maybe_float(entry.get("cached_input")),
            )
    return None


def _longest_match(table: Mapping[str, Any], model: str) -> Mapping[str, Any] | None:
    names = [name for name in table if model == name or model.startswith(str(name))]
    if not names:
        return None
    entry = table[max(names, key=len)]
    return entry if isinstance(entry, Mapping) else None


def _maybe_float(value: Any) -> float | None:
    return None if value is None else float(value)


def estimate_text_tokens(text: str) -> int:
    return int(len(text) / CHARS_PER_TOKEN + 0.5)


def estimate_input_tokens(request: CompletionRequest) -> int:
    """Tokens the prompt of `request` will take, from its length (no tokenizer needed)."""
    return sum(estimate_text_tokens(m.content) + TOKENS_PER_MESSAGE for m in request.messages)


def estimate_output_tokens(max_tokens: int) -> int:
    return min(max_tokens, EXPECTED_OUTPUT)
