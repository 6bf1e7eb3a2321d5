"""Words: a real stemmer for prose, code identifiers whole and by parts."""

from __future__ import annotations

import sys

import pytest

from ucop.sources.words import tokenize


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("authenticate", "authentication"),
        ("stream", "streaming"),
        ("redirects", "redirection"),
        ("timeouts", "timeout"),
        ("cookies", "cookie"),
    ],
)
def test_forms_of_one_word_meet(a, b):
    assert tokenize(a) == tokenize(b)


@pytest.mark.parametrize(
    ("text", "whole", "parts"),
    [
        ("call r.iter_bytes() in a loop", "iter_bytes", ["iter", "byte"]),
        ("declare options with @click.option (names)", "click.option", ["click", "option"]),
        ("mount an HTTPTransport", "httptransport", ["http", "transport"]),
        ("Response.iter_content", "iter_content", ["iter", "content"]),
    ],
)
def test_identifiers_are_matched_whole_and_by_parts(text, whole, parts):
    terms = tokenize(text)
    assert whole in terms
    assert all(part in terms for part in parts)


def test_a_sentence_end_is_not_part_of_an_identifier():
    assert tokenize("use requests.get(). Then stop.") == [
        "use",
        "requests.get",
        "request",
        "get",
        "stop",
    ]


def test_stop_words_and_single_letters_are_dropped():
    assert tokenize("a I of the x") == []


def test_stemming_from_many_threads_gives_the_same_stems():
    from concurrent.futures import ThreadPoolExecutor

    import snowballstemmer

    from ucop.sources import words

    letters = "abcdefghijklmnopqrstuvwxyz"
    batches = [[f"connect{a}{b}{t}ations" for a in letters for b in letters] for t in letters[:8]]
    alone = snowballstemmer.stemmer("english")
    expected = [[alone.stemWord(w) for w in batch] for batch in batches]
    words.stem.cache_clear()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show at once
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda batch: [words.stem(w) for w in batch], batches))
    finally:
        sys.setswitchinterval(interval)
    assert results == expected
