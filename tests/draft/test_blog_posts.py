"""Blog posts: TOML front matter, and each post's URL from its own front matter."""

from __future__ import annotations

from pathlib import Path

import pytest

from ucop.errors import SourceError
from ucop.sources.blog import load_blog, post_url
from ucop.sources.frontmatter import split_front_matter

FIXTURES = Path(__file__).parent / "fixtures"


def test_toml_front_matter_loads():
    meta, body = split_front_matter('+++\ntitle = "T"\ntags = ["a"]\n+++\nBody\n', source="p.md")
    assert meta == {"title": "T", "tags": ["a"]} and body == "Body\n"


def test_bad_toml_is_one_clear_source_error():
    with pytest.raises(SourceError, match=r"p\.md: front matter is not valid TOML"):
        split_front_matter('+++\ntitle = "unclosed\n+++\n', source="p.md")


def test_post_urls_come_from_their_own_front_matter_under_the_blog_base():
    posts = {p["slug"]: p for p in load_blog(FIXTURES / "blog", FIXTURES, "https://b.example/")}
    assert posts["sockets-in-practice"]["url"] == (
        "https://b.example/2024/03/01/sockets-in-practice/"
    )
    assert posts["release-notes"]["url"] == "https://b.example/news/spring-release/"
    assert posts["sockets-in-practice"]["source"] == "blog/sockets-in-practice.md"


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"url": "https://elsewhere.example/p"}, "https://elsewhere.example/p"),
        ({"permalink": "/news/p/"}, "/news/p/"),
        ({"slug": "my-post"}, "/my-post/"),
        ({"aliases": ["2015/05/11/traits.html"]}, "/2015/05/11/traits.html"),
        ({}, "/file-stem/"),
    ],
)
def test_post_url_precedence_without_a_base(meta, expected):
    assert post_url(meta, "file-stem", None) == expected
