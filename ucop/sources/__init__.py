"""The user's own sources: knowledge base, API spec, past blog posts, and search over them."""

from __future__ import annotations

from ucop.sources.blog import blog_chunks, load_blog
from ucop.sources.frontmatter import read_text_file, split_front_matter
from ucop.sources.kb import load_kb
from ucop.sources.openapi import api_chunks, example_from_schema, load_openapi
from ucop.sources.retrieval import Retriever, tokenize

__all__ = [
    "Retriever",
    "api_chunks",
    "blog_chunks",
    "example_from_schema",
    "load_blog",
    "load_kb",
    "load_openapi",
    "read_text_file",
    "split_front_matter",
    "tokenize",
]
