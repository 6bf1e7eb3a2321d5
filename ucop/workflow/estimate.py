"""Tokens and cost of a run, estimated before it from the prompts and the sources.

Input per call: the prompt template, the brief text the prompt includes, and the passages it
is given (how many each prompt gets, and how much of each, is below; a passage is the mean
chunk of the brief's knowledge base, whose lengths its index gives). Output per call: what
such an answer usually takes, capped by `max_tokens`. Token counts use the usual four
characters per token; the figures are estimates to budget with, and `run.json` has the
actual ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ucop.providers.cost import Price, estimate_text_tokens

# prompt -> (passages per call, characters kept of each, includes the brief body,
#            usual answer tokens); from the agents (outline.CANDIDATES, outline.PASSAGES, ...)
PROMPT_SHAPES: dict[str, tuple[int, int, bool, int]] = {
    "outline": (14, 400, True, 350),
    "introduction": (2, 1200, True, 250),
    "section": (4, 1200, False, 450),
    "conclusion": (0, 0, False, 200),
    "code_explanation": (0, 0, False, 250),
}
DEFAULT_SHAPE = (4, 1200, False, 400)
CONTEXT_TOKENS = 120  # titles, scopes, section lists and operations besides the passages
CHUNK_CHARS = 1200  # without a knowledge base: a full chunk (ucop.sources.kb.MAX_CHUNK_CHARS)


@dataclass
class UsageEstimate:
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    by_agent: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, agent: str, calls: int, tokens_in: int, tokens_out: int) -> None:
        self.calls += calls
        self.input_tokens += calls * tokens_in
        self.output_tokens += calls * tokens_out
        self.by_agent[agent] = {
            "calls": calls,
            "input_tokens": calls * tokens_in,
            "output_tokens": calls * tokens_out,
        }

    def cost(self, price: Price | None) -> float | None:
        return None if price is None else price.cost(self.input_tokens, self.output_tokens)


Lengths = Mapping[int, int]  # characters of a chunk's text -> how many chunks have that many


def estimate_usage(
    calls_by_agent: Mapping[str, int],
    prompts: Mapping[str, str | None],
    *,
    folders: Sequence[Path],
    brief_body: str,
    max_tokens: int,
    lengths: Lengths,
) -> UsageEstimate:
    """Tokens per agent for `calls_by_agent`, `prompts` naming each agent's prompt; `lengths`
    describes the knowledge base's chunks (empty without one)."""
    chunks = sum(lengths.values())
    body = estimate_text_tokens(brief_body)
    estimate = UsageEstimate()
    for agent, calls in calls_by_agent.items():
        prompt = prompts.get(agent)
        if not calls or not prompt:
            continue
        count, keep, with_body, answer = PROMPT_SHAPES.get(prompt, DEFAULT_SHAPE)
        passages = min(count, chunks or count) * passage_tokens(lengths, keep)
        template = estimate_text_tokens(template_text(prompt, folders))
        tokens_in = template + CONTEXT_TOKENS + passages + (body if with_body else 0)
        estimate.add(agent, calls, tokens_in, min(answer, max_tokens))
    return estimate


def passage_tokens(lengths: Lengths, keep: int) -> int:
    """One passage of at most `keep` characters: the mean chunk, or a full one without a KB."""
    count = sum(lengths.values())
    kept = sum(min(size, keep) * n for size, n in lengths.items())
    mean = kept / count if count else min(CHUNK_CHARS, keep)
    return estimate_text_tokens("x" * int(mean))


def template_text(name: str, folders: Sequence[Path]) -> str:
    for folder in folders:
        path = folder / f"{name}.j2"
        if path.is_file():
            return path.read_text(encoding="utf-8", errors="replace")
    return ""


def usage_json(estimate: UsageEstimate, price: Price | None, meta: Mapping[str, Any]) -> dict:
    """The plan's `usage` block."""
    cost = estimate.cost(price)
    return {
        **meta,
        "calls": estimate.calls,
        "input_tokens": estimate.input_tokens,
        "output_tokens": estimate.output_tokens,
        "cost": None if cost is None else round(cost, 6),
        "price_per_mtok": None if price is None else price.__dict__,
        "by_agent": estimate.by_agent,
    }
