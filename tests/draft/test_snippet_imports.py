"""A carried snippet opens with the imports its page gives it, and `verify` still sees the
docs' own code in it (quoted, not audited); an import the docs do not have is audited."""

from __future__ import annotations

import json

from tests.helpers import run_cli

PAGE = """# Apps

## Routing the app

An application lists its routes when it is created, each with its path and endpoint:

```python
app = Starlette(routes=[Route("/", homepage)])
```

## Appendix

The modules this page's examples take their names from, at the top of a script:

```python
from starlette.applications import Starlette
from starlette.routing import Route
```
"""


def _generate(tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "apps.md").write_text(PAGE)
    brief = tmp_path / "brief.md"
    brief.write_text(
        "---\ntitle: Routing a Starlette app\nsections: 1\nsources:\n  kb: kb/\n---\n"
        "Show how to route the app, with code.\n"
    )
    out = tmp_path / "out"
    assert run_cli("generate", "-i", brief, "-o", out, "--quiet").exit_code == 0
    return out / json.loads((out / "run.json").read_text())["article"]


def test_a_snippet_opens_with_its_page_imports_and_passes_verify_as_the_docs_code(tmp_path):
    article = _generate(tmp_path)
    text = article.read_text()
    assert (
        "```python\nfrom starlette.applications import Starlette\n"
        "from starlette.routing import Route\n\n"
        'app = Starlette(routes=[Route("/", homepage)])\n```'
    ) in text
    assert "*`homepage` is left to you: the docs do not define it.*" in text
    assert "same page" not in text
    verified = " ".join(run_cli("verify", article.parent).output.split())
    assert "✓ code blocks are safe to run" in verified and "quoted verbatim" in verified


def test_an_import_the_docs_do_not_have_makes_the_snippet_audited(tmp_path):
    article = _generate(tmp_path)
    text = article.read_text().replace(
        "```python\nfrom starlette.applications",
        "```python\nimport subprocess\nfrom starlette.applications",
    )
    article.write_text(text)
    verified = " ".join(run_cli("verify", article.parent).output.split())
    assert "✗ code blocks are safe to run" in verified and "imports subprocess" in verified
