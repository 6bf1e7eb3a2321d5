"""Blog post loading: metadata, ordering, slugs, urls and chunks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ucop.errors import SourceError
from ucop.sources import blog_chunks, load_blog

REPO = Path(__file__).resolve().parents[2]
LUMEN = REPO / "examples" / "lumen"


@pytest.fixture(scope="module")
def posts():
    return load_blog(LUMEN / "blog", LUMEN)


def test_posts_sorted_newest_first(posts):
    assert [p["date"] for p in posts] == ["2024-05-22", "2024-04-09", "2024-02-20", "2023-11-14"]


def test_webhooks_post_metadata(posts):
    post = next(p for p in posts if p["slug"] == "getting-started-with-lumen-webhooks")
    assert post == {
        "source": "blog/2024-02-20-getting-started-with-lumen-webhooks.md",
        "title": "Getting started with Lumen webhooks",
        "date": "2024-02-20",
        "tags": ["webhooks", "api", "tutorial"],
        "summary": "Stop polling: register a webhook subscription, pick your events and handle "
        "your first task.created delivery in a few lines of Python.",
        "slug": "getting-started-with-lumen-webhooks",
        "url": "/getting-started-with-lumen-webhooks/",
        "headings": [
            "Create a subscription",
            "Write a handler",
            "Send a test delivery",
            "What is next",
        ],
    }


def test_slug_from_jekyll_file_name_and_summary_from_first_paragraph(posts):
    post = posts[-1]
    assert post["slug"] == "introducing-the-lumen-api"
    assert post["url"] == "/introducing-the-lumen-api/"
    assert post["summary"].startswith(
        "Today we are opening the Lumen Tasks API to every workspace."
    )
    assert len(post["summary"]) <= 300


def test_string_tags_summary_key_and_permalink(posts):
    post = posts[0]
    assert post["tags"] == ["api", "pagination"]
    assert post["summary"].startswith("Why Lumen uses opaque cursors")
    assert post["url"] == "/blog/2024/cursor-pagination-explained/"


def test_date_from_file_name_and_undated_posts_last(tmp_path):
    (tmp_path / "2021-03-04-old-news.md").write_text("# Old news\n\nHello.\n")
    (tmp_path / "undated.md").write_text("---\ntitle: Undated\n---\nText.\n")
    (tmp_path / "new.md").write_text("---\ndate: 2022-01-01 10:00:00\n---\n# New\n")
    posts = load_blog(tmp_path, tmp_path)
    assert [(p["slug"], p["date"], p["title"]) for p in posts] == [
        ("new", "2022-01-01", "New"),
        ("old-news", "2021-03-04", "Old news"),
        ("undated", None, "Undated"),
    ]


def test_long_first_paragraph_is_shortened_at_a_word(tmp_path):
    (tmp_path / "p.md").write_text("# P\n\n" + "word " * 200 + "\n")
    summary = load_blog(tmp_path, tmp_path)[0]["summary"]
    assert len(summary) <= 300
    assert summary.endswith("word…")


def test_bad_date_names_the_post(tmp_path):
    (tmp_path / "p.md").write_text("---\ndate: next tuesday\n---\nx\n")
    with pytest.raises(SourceError, match=r"p.md: date 'next tuesday' is not a YYYY-MM-DD date"):
        load_blog(tmp_path, tmp_path)


def test_missing_blog_folder(tmp_path):
    with pytest.raises(SourceError, match="not found — fix sources.blog in the brief"):
        load_blog(tmp_path / "blog", tmp_path)


def test_blog_chunks(posts):
    chunks = blog_chunks(posts)
    assert [c["id"] for c in chunks] == [
        "blog:cursor-pagination-explained",
        "blog:bulk-import-tasks",
        "blog:getting-started-with-lumen-webhooks",
        "blog:introducing-the-lumen-api",
    ]
    webhooks = chunks[2]
    assert webhooks["kind"] == "blog"
    assert webhooks["text"].startswith("Getting started with Lumen webhooks\n\nStop polling")
    assert webhooks["text"].endswith(
        "Sections: Create a subscription; Write a handler; Send a test delivery; What is next"
    )
