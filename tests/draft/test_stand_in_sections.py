"""A brief's prose topic is a section of its own when the plan has room, on what the brief
says it is; a required section's notes pick the passages they name by heading; names the
notes ask for that no passage has make the section partly covered."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import run_cli

MIDDLEWARE = """# Middleware

Tern ships middleware classes that add behavior to every request an application handles.
Each one wraps the application, so it runs before the routing and after the response.

## Using middleware

A Tern application takes its middleware as a list when it is created. The list is applied
from the outside in: the first entry sees each request first and each response last.

```python
app = Tern(routes=routes, middleware=[Entry(TimingMiddleware)])
```

The error middleware is always the outermost layer, then the listed middleware, then the
routing, then the endpoint.

## Plain ASGI middleware

The ASGI interface lets you write middleware as a chain of applications, each calling the
next one, with full control over the messages that go in and out of the application.

### Writing plain ASGI middleware

The usual way to write plain ASGI middleware is a class that keeps the next application and
calls it with the scope and the two message channels.

```python
class PlainMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)
```

## Limitations

Middleware built on the helper base class cannot change context variables that the
endpoint reads later, and it reads the whole body before the endpoint gets it.

## Third party middleware

#### CacheControlMiddleware

A response caching middleware. Easy to use.
"""

ROUTING = """# Routing

## Routes

A Tern application lists its routes, each a path and an endpoint, and matches each
request against them in order.
"""

BRIEF = """---
title: Caching a Tern API with Memcached
sections: 3
sources:
  kb: kb/
---
Explain where response caching fits in a Tern app and how to keep entries in Memcached.

## Keep entries in Memcached
Use Memcached SET with an expiry.

## Write a response-caching middleware
A plain ASGI middleware that returns 304 with ETag.
"""


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("standin")
    (root / "kb").mkdir()
    (root / "kb" / "middleware.md").write_text(MIDDLEWARE)
    (root / "kb" / "routing.md").write_text(ROUTING)
    (root / "brief.md").write_text(BRIEF)
    out = root / "out"
    assert run_cli("generate", "-i", root / "brief.md", "-o", out, "--quiet").exit_code == 0
    report = json.loads((out / "run.json").read_text())
    return (out / report["article"]).read_text(), report


def sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", text.split("\n## Sources\n")[0], flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_brief_s_own_topic_is_a_section_on_what_the_brief_says_it_is(written):
    text, report = written
    assert list(sections(text))[:3] == [
        "Where response caching fits in a Tern app",
        "Keep entries in Memcached",
        "Write a response-caching middleware",
    ]
    where = sections(text)["Where response caching fits in a Tern app"]
    assert "runs before the routing" in where and "the first entry sees each request" in where
    assert "> **Partly covered:**" in where and "(nothing on response caching)" in where
    assert "## Limitations" not in text  # no docs heading fills the count
    kinds = [(w["kind"], w.get("section") or w.get("topic")) for w in report["warnings"]]
    assert ("uncovered_topic", "Where response caching fits in a Tern app") not in kinds
    assert ("partly_covered_section", "Where response caching fits in a Tern app") in kinds


def test_a_required_section_takes_the_passages_its_notes_name_by_heading(written):
    text, report = written
    middleware = sections(text)["Write a response-caching middleware"]
    assert "class PlainMiddleware:" in middleware
    assert middleware.index("chain of applications") < middleware.index("class PlainMiddleware")
    assert "(nothing on 304 and ETag)" in middleware
    messages = [w["message"] for w in report["warnings"]]
    assert any("Write a response-caching middleware" in m and "304, ETag" in m for m in messages)
