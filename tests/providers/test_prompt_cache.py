"""The loopback server's prompt cache decides cached tokens the way OpenAI and Anthropic do."""

from __future__ import annotations

from ucop.providers.anthropic import AnthropicProvider
from ucop.providers.base import CompletionRequest, Message, ProviderSettings
from ucop.testing.model_server import ANTHROPIC_PATH, OPENAI_PATH, ModelServer, PromptCache


def words(prefix: str, n: int) -> str:
    return " ".join(f"{prefix}{i}" for i in range(n))


def chat(system: str, user: str) -> dict:
    return {"messages": [{"role": "system", "content": system}, {"role": "user", "content": user}]}


def test_openai_reads_the_longest_seen_prefix_in_whole_blocks() -> None:
    cache = PromptCache(min_tokens=64, block=16)
    shared = words("s", 100)
    assert cache.cached_words(OPENAI_PATH, chat(shared, words("a", 30))) == 0  # first: a write
    # 100 shared words, then a different user part: the prefix seen is 100 words, 96 in blocks
    assert cache.cached_words(OPENAI_PATH, chat(shared, words("b", 30))) == 96
    # the same prompt again: all of it that fills whole blocks (130 words -> 128)
    assert cache.cached_words(OPENAI_PATH, chat(shared, words("b", 30))) == 128


def test_openai_caches_nothing_below_the_minimum_or_after_an_early_difference() -> None:
    cache = PromptCache(min_tokens=64, block=16)
    short = chat(words("s", 40), "hi")
    cache.cached_words(OPENAI_PATH, short)
    assert cache.cached_words(OPENAI_PATH, short) == 0  # 41 words < 64
    cache.cached_words(OPENAI_PATH, chat(words("s", 200), "x"))
    assert cache.cached_words(OPENAI_PATH, chat("changed " + words("s", 200), "x")) == 0


def anthropic_body(system: str, shared: str, user: str, *, mark_shared: bool = True) -> dict:
    block = {"type": "text", "text": shared}
    if mark_shared:
        block["cache_control"] = {"type": "ephemeral"}
    return {
        "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": [block, {"type": "text", "text": user}]}],
    }


def test_anthropic_reads_up_to_the_breakpoint_and_reports_the_write() -> None:
    cache = PromptCache(min_tokens=64, block=16)
    system, shared = words("s", 50), words("p", 50)
    assert cache.usage(ANTHROPIC_PATH, anthropic_body(system, shared, "one")) == (0, 100)
    # the unmarked per-call part is never cached; breakpoints are exact, not rounded to blocks
    assert cache.usage(ANTHROPIC_PATH, anthropic_body(system, shared, "two")) == (100, 0)
    # another shared part: the system block alone is under the minimum, so nothing is read
    assert cache.usage(ANTHROPIC_PATH, anthropic_body(system, words("q", 50), "x")) == (0, 100)


def test_anthropic_caches_nothing_without_a_breakpoint_after_the_shared_part() -> None:
    cache = PromptCache(min_tokens=64, block=16)
    system, shared = words("s", 50), words("p", 50)
    for _ in range(2):  # only the 50-word system block is marked: under the minimum
        body = anthropic_body(system, shared, "u", mark_shared=False)
        assert cache.usage(ANTHROPIC_PATH, body) == (0, 0)


def test_anthropic_provider_marks_the_shared_part_of_the_user_message() -> None:
    shared = "The article: X\nIts sections, in order:\n1. A\n2. B\n\n"
    request = CompletionRequest(
        messages=(Message("system", "Rules."), Message("user", shared + "Write section A.")),
        shared_prefix=len(shared),
    )
    with ModelServer() as server:
        settings = ProviderSettings(name="anthropic", model="m", base_url=server.root_url)
        AnthropicProvider(settings).complete(request)
        [record] = server.requests
    assert record.body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": shared, "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": "Write section A."},
            ],
        }
    ]
