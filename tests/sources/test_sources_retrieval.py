"""BM25 retrieval over the bundled example's chunks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ucop.sources import (
    Retriever,
    api_chunks,
    blog_chunks,
    load_blog,
    load_kb,
    load_openapi,
    tokenize,
)

REPO = Path(__file__).resolve().parents[2]
LUMEN = REPO / "examples" / "lumen"


@pytest.fixture(scope="module")
def retriever():
    chunks = load_kb(LUMEN / "kb", LUMEN)
    chunks += api_chunks(load_openapi(LUMEN / "openapi.yaml", LUMEN))
    chunks += blog_chunks(load_blog(LUMEN / "blog", LUMEN))
    return Retriever(chunks)


def ids(results):
    return [chunk["id"] for chunk, _ in results]


@pytest.mark.parametrize(
    "query",
    ["Verify webhook signatures", "how do I verify the webhook signature", "HMAC timestamp replay"],
)
def test_signature_query_finds_signature_section_first(retriever, query):
    assert ids(retriever.search(query))[0] == "kb:kb/webhooks.md#verifying-signatures"


def test_retry_query_finds_duplicate_delivery_section(retriever):
    results = ids(retriever.search("Handle retries and duplicate deliveries", k=3))
    assert results[0] == "kb:kb/webhooks.md#idempotency-and-duplicate-deliveries"


def test_nonsense_query_returns_nothing(retriever):
    assert retriever.search("zxqv florp blorgle") == []
    assert retriever.search("the and of") == []


def test_scores_are_positive_and_descending(retriever):
    results = retriever.search("rate limit 429 Retry-After", k=6)
    scores = [score for _, score in results]
    assert len(results) == 6
    assert all(score > 0 for score in scores)
    assert scores == sorted(scores, reverse=True)
    assert ids(results)[0] == "kb:kb/rate-limits.md#handling-429-too-many-requests"


def test_kinds_filter(retriever):
    results = retriever.search("webhooks getting started", kinds={"blog"})
    assert ids(results)[0] == "blog:getting-started-with-lumen-webhooks"
    assert {chunk["kind"] for chunk, _ in results} == {"blog"}
    api = retriever.search("search tasks q", k=1, kinds={"api"})
    assert ids(api) == ["api:searchTasks"]


def test_ties_are_broken_by_id():
    chunks = [
        {"id": "b", "kind": "kb", "title": "alpha", "text": "", "code_blocks": []},
        {"id": "a", "kind": "kb", "title": "alpha", "text": "", "code_blocks": []},
        {"id": "c", "kind": "kb", "title": "gamma", "text": "", "code_blocks": []},
        {"id": "d", "kind": "kb", "title": "delta", "text": "", "code_blocks": []},
        {"id": "e", "kind": "kb", "title": "epsilon", "text": "", "code_blocks": []},
    ]
    results = Retriever(chunks).search("alpha")
    assert ids(results) == ["a", "b"]
    assert results[0][1] == results[1][1]


def test_empty_corpus_returns_nothing():
    assert Retriever([]).search("anything") == []
    assert len(Retriever([])) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The page_size parameter", ["page_size", "page", "size", "paramet"]),
        ("GET /tasks/{task_id}", ["get", "task", "task_id", "task", "id"]),
        ("pageSize", ["pagesize", "page", "size"]),
        ("Verifying signatures", ["verifi", "signatur"]),
        ("retries deliveries statuses", ["retri", "deliveri", "status"]),
        ("a I of", []),
    ],
)
def test_tokenize(text, expected):
    assert tokenize(text) == expected


def test_importing_sources_does_not_import_rank_bm25():
    code = "import sys, ucop.sources; print('rank_bm25' in sys.modules, 'numpy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]
