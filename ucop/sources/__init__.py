"""The user's own sources: knowledge base, API spec, past blog posts, and search over them.

Names are imported on first use, so that `ucop plan` and `ucop verify` (which read only front
matter) do not pay for the Markdown parser and the loaders.
"""

from __future__ import annotations

from ucop.lazy import lazy_attributes

_HOMES = {
    "Retriever": "retrieval",
    "tokenize": "words",
    "api_chunks": "openapi",
    "example_from_schema": "openapi",
    "load_openapi": "openapi",
    "blog_chunks": "blog",
    "load_blog": "blog",
    "load_kb": "kb",
    "read_text_file": "frontmatter",
    "split_front_matter": "frontmatter",
}

__all__ = sorted(_HOMES)

__getattr__ = lazy_attributes(__name__, _HOMES, globals())
