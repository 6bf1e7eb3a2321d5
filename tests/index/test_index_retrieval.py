"""Searching the index ranks exactly as searching the same chunks in memory."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import CORPUS, EXAMPLE
from ucop.sources import Retriever, api_chunks, load_kb, load_openapi, tokenize
from ucop.sources.index import IndexView, refresh
from ucop.sources.retrieval import chunk_terms, joined_terms, tokenize_words


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(in memory, over the index) retrievers on the example's KB plus its API operations."""
    cache = tmp_path_factory.mktemp("cache")
    kb = load_kb(EXAMPLE / "kb", EXAMPLE)
    api = api_chunks(load_openapi(EXAMPLE / "openapi.yaml", EXAMPLE))
    ref, _ = refresh(cache, EXAMPLE / "kb", EXAMPLE)
    view = IndexView(Path(ref["db"]), EXAMPLE / "kb", EXAMPLE)
    return Retriever([*kb, *api]), Retriever(api, store=view), kb


def _queries(chunks, count=150, seed=7):
    rng = random.Random(seed)
    words = sorted({w for c in chunks for w in f"{c['heading']} {c['text']}".split()})
    fixed = ["Verify webhook signatures", "rate limit 429 Retry-After", "the and of", "zxqv"]
    return fixed + [" ".join(rng.sample(words, rng.randint(1, 5))) for _ in range(count)]


def test_every_query_ranks_the_same_chunks_with_the_same_scores(pair):
    memory, disk, kb = pair
    assert len(memory) == len(disk) and [c["id"] for c in memory.chunks] == [
        c["id"] for c in disk.chunks
    ]
    compared = 0
    for query in _queries(kb):
        for kinds in (None, {"kb"}, {"api"}):
            expected = [(c["id"], round(s, 9)) for c, s in memory.search(query, 6, kinds)]
            assert [(c["id"], round(s, 9)) for c, s in disk.search(query, 6, kinds)] == expected
            compared += bool(expected)
    assert compared > 200


def test_coverage_idf_and_vocabulary_agree(pair):
    memory, disk, kb = pair
    terms = tokenize("verify the webhook signature with HMAC and a replay window")
    for chunk in kb:
        assert disk.coverage(terms, disk.get(chunk["id"])) == memory.coverage(terms, chunk)
    for term in [*terms, "zxqv"]:
        assert disk.idf(term) == memory.idf(term)
        assert (term in disk.vocabulary) == (term in memory.vocabulary)


def test_a_large_index_serves_its_best_matches_from_disk(tmp_path):
    """More matching chunks than the candidate pool: the best one still comes first."""
    kb = tmp_path / "kb"
    kb.mkdir()
    for n in range(300):
        (kb / f"p{n:03d}.md").write_text(f"# Page {n}\n\nWebhooks deliver events, page {n}.\n")
    (kb / "target.md").write_text("# Signatures\n\nVerify webhook signatures with HMAC.\n")
    ref, _ = refresh(tmp_path / "cache", kb, tmp_path)
    retriever = Retriever(store=IndexView(Path(ref["db"]), kb, tmp_path))
    (best, score), *rest = retriever.search("verify webhook signatures", k=3)
    assert best["id"] == "kb:kb/target.md#signatures" and score > rest[0][1]


def _texts():
    yield from (p.read_text() for p in sorted(EXAMPLE.rglob("*.md")))
    if CORPUS.is_dir():
        yield from (p.read_text() for p in sorted(CORPUS.rglob("*.md")))


def test_tokenizing_word_by_word_equals_tokenize_on_real_documents():
    for text in _texts():
        assert tokenize_words(text) == tokenize(text)


def test_joined_terms_are_the_terms_the_index_stores_on_real_documents():
    for text in _texts():
        terms = tokenize(text)
        assert joined_terms(text) == (len(terms), " ".join(terms))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ9_-./ \n\tÉé{}`'\"#"), max_size=80))
def test_tokenizing_word_by_word_equals_tokenize_on_any_text(text):
    terms = tokenize(text)
    assert tokenize_words(text) == terms
    assert joined_terms(text) == (len(terms), " ".join(terms))


def test_chunk_terms_are_what_the_index_stores(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(EXAMPLE / "kb", kb)
    ref, _ = refresh(tmp_path / "cache", kb, tmp_path)
    view = IndexView(Path(ref["db"]), kb, tmp_path)
    chunk = next(iter(view))
    (found,) = [t for c, t in view.candidates(chunk_terms(chunk)[:1], 1000) if c == chunk]
    assert found.split() == chunk_terms(chunk)


def test_positions_follow_document_order(pair):
    memory, disk, kb = pair
    for retriever in (memory, disk):
        order = [c["id"] for c in retriever.chunks]
        assert [retriever.position(i) for i in order] == list(range(len(order)))
        assert retriever.position("kb:nowhere.md#x") == -1
