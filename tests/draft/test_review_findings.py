"""Each editor's finding of `ucop verify DIR`, tested both ways: a draft that must fail it and
a draft that must pass it, on a brief and knowledge base written into tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ucop.article.check import check_article

BRIEF = """---
title: "Receive Harbor webhooks"
tags: [python, webhooks]
sections: 2
sources:
  kb: kb/
---
Show how to register a webhook and verify webhook signatures, each with a short example.

## Store deliveries in Redis
Keep each delivery in Redis.
"""
KB = {
    "webhooks.md": """# Webhooks

## Registering a webhook

Register a webhook with `POST /webhooks`, giving the URL Harbor delivers events to.

## Verifying signatures

Harbor signs every webhook delivery: verify the signature with HMAC-SHA256 over the body.

```python
import hmac
ok = hmac.compare_digest(expected, received)
```
""",
}
INTRO = (
    "This article shows how to receive Harbor webhooks: register one, then verify each "
    "delivery. " * 8
)
REGISTER = """## Register a webhook

Register a webhook with `POST /webhooks`, giving the URL that receives the events.

```python
import httpx
httpx.post("https://api.harbor.example/webhooks", json={"url": "https://me.example/hook"})
```
"""
VERIFY = """## Verify webhook signatures

Verify each webhook delivery's signature with HMAC-SHA256 over the raw body.

```python
import hmac
ok = hmac.compare_digest(expected, received)
```
"""
REDIS = """## Store deliveries in Redis

> **Not covered by the sources:** none of the sources explains this topic.
"""
TAIL = "## Wrapping up\n\nYou registered a webhook and verified it.\n\n## Sources\n\n1. Webhooks\n"


def review(tmp_path: Path, *sections: str, kb: dict | None = None) -> dict[str, tuple[bool, str]]:
    (tmp_path / "kb").mkdir(exist_ok=True)
    for name, text in (kb or KB).items():
        (tmp_path / "kb" / name).write_text(text)
    (tmp_path / "brief.md").write_text(BRIEF)
    out = tmp_path / "out"
    out.mkdir()
    front = (
        "---\ntitle: t\ndescription: d\ndate: 2026-01-02\ntags: [x]\nslug: s\ndraft: true\n---\n"
    )
    body = "\n".join([INTRO, "", *sections, TAIL])
    (out / "s.md").write_text(front + "---\n" + body)
    report = {"brief": str(tmp_path / "brief.md"), "status": "ok", "warnings": []}
    (out / "run.json").write_text(json.dumps(report))
    return {name: (ok, detail) for name, ok, detail in check_article(out)}


def test_the_good_draft_passes_every_editor_finding(tmp_path):
    found = review(tmp_path, REGISTER, VERIFY, REDIS)
    for name in ("sections on topic", "no markup leftovers", "code where asked"):
        assert found[name][0], (name, found[name])
    assert found["not-covered notes are true"] == (
        True,
        "1 not-covered note(s), none found in the sources",
    )


def test_a_section_not_about_its_title_fails(tmp_path):
    drifted = VERIFY.replace(
        "Verify each webhook delivery's signature with HMAC-SHA256 over the raw body.",
        "Pagination uses cursors: pass the cursor of the last page to get the next one.",
    )
    ok, detail = review(tmp_path, REGISTER, drifted.replace("import hmac\n", ""), REDIS)[
        "sections on topic"
    ]
    assert not ok
    assert detail == 'off-topic: "Verify webhook signatures" (0% of its title words in its text)'


def test_a_section_the_brief_does_not_ask_for_fails(tmp_path):
    extra = "## Deploy to Kubernetes\n\nDeploy the Kubernetes pods.\n"
    ok, detail = review(tmp_path, REGISTER, VERIFY, extra)["sections on topic"]
    assert not ok and '"Deploy to Kubernetes" (nothing in the brief asks for it)' in detail


def test_code_asked_for_but_missing_fails(tmp_path):
    bare = VERIFY.split("```")[0]
    ok, detail = review(tmp_path, REGISTER, bare, REDIS)["code where asked"]
    assert (ok, detail) == (False, 'the brief asks for code; none in "Verify webhook signatures"')


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ('!!! tip "Retry"', "MkDocs admonition"),
        ("??? note", "MkDocs admonition"),
        ("::: harbor.webhooks.verify", "mkdocstrings directive"),
        ('<div class="grid">cards</div>', "HTML tag"),
        ("Read the <code>body</code> first.", "HTML tag"),
        ("Use :class:`Webhook <harbor.Webhook>` here.", "Sphinx role"),
        ("Call :py:meth:`~harbor.Client.verify` first.", "Sphinx role"),
        (".. note::", "rst directive"),
        (".. code-block:: python", "rst directive"),
        (".. _verifying:", "rst directive"),
        ("> .. warning:: Keep the secret safe.", "rst directive"),
        ('"cell_type": "code",', "notebook JSON"),
        ('{"execution_count": 3, "outputs": []}', "notebook JSON"),
        ("Verifying signatures\n====================", "rst heading underline"),
        ("Verifying signatures\n--------------------", "rst heading underline"),
        ("^^^^^^^^^^^", "rst heading underline"),
    ],
)
def test_markup_debris_of_each_format_fails(tmp_path, line, kind):
    debris = VERIFY.replace("\n\n```python", f"\n\n{line}\n\n```python", 1)
    ok, detail = review(tmp_path, REGISTER, debris, REDIS)["no markup leftovers"]
    last = line.splitlines()[-1].strip()
    assert not ok
    assert detail.startswith("1 line(s): line ") and f": {kind} ({last[:20]}" in detail


@pytest.mark.parametrize(
    "text",
    [
        "```rst\n.. note::\n   :class:`Webhook`\n=====\n```",
        '```json\n{"cell_type": "code", "execution_count": 1}\n```',
        '```html\n<div class="grid"><code>x</code></div>\n```',
        "```markdown\n!!! tip\n::: harbor.verify\n```",
        "Write the role as `:class:` and a directive as `.. note::` in Sphinx.",
        "Wrap it in `<code>` tags, or `<div>`.",
        "| Header | Kind |\n| --- | --- |\n| a | b |",
        "Some text.\n\n---\n\nMore text after a rule.",
        "Wait for it...",
    ],
)
def test_the_same_syntax_in_code_or_as_markdown_passes(tmp_path, text):
    fine = VERIFY.replace("\n\n```python", f"\n\n{text}\n\n```python", 1)
    assert review(tmp_path, REGISTER, fine, REDIS)["no markup leftovers"][0]


def test_a_not_covered_note_on_a_topic_the_sources_cover_fails(tmp_path):
    false_note = "## Verify webhook signatures\n\n> **Not covered by the sources:** nothing.\n"
    ok, detail = review(tmp_path, REGISTER, false_note, REDIS)["not-covered notes are true"]
    assert (ok, detail) == (
        False,
        'the sources cover: "Verify webhook signatures" (covered by kb/webhooks.md > Verifying'
        " signatures)",
    )


NOTEBOOK_CODE = 'with open("payload.json") as f:\n    body = f.read()'


@pytest.mark.parametrize("in_docs", [True, False])
def test_code_quoted_from_a_notebook_is_the_docs_code(tmp_path, in_docs):
    cells = [{"cell_type": "markdown", "source": "# Webhooks\n\nRead the payload."}]
    if in_docs:
        cells.append({"cell_type": "code", "source": NOTEBOOK_CODE.splitlines(keepends=True)})
    meta = {"language_info": {"name": "python"}}
    notebook = json.dumps({"cells": cells, "metadata": meta, "nbformat": 4})
    quoted = "import hmac\nok = hmac.compare_digest(expected, received)"
    section = VERIFY.replace(quoted, NOTEBOOK_CODE)
    found = review(tmp_path, REGISTER, section, REDIS, kb={**KB, "payload.ipynb": notebook})
    ok, detail = found["code blocks are safe to run (HTTP client only, quoted shell words)"]
    assert ok is in_docs, detail
    assert ("1 block(s) quoted verbatim from the docs" in detail) is in_docs


def test_a_note_is_false_whatever_form_of_the_word_the_docs_use(tmp_path):
    docs = {"auth.md": "# Authentication\n\nAuthentication uses a bearer token per request.\n"}
    note = "## Authenticate\n\n> **Not covered by the sources:** nothing.\n"
    ok, detail = review(tmp_path, REGISTER, VERIFY, note, kb={**KB, **docs})[
        "not-covered notes are true"
    ]
    assert not ok and detail.endswith('"Authenticate" (covered by kb/auth.md > Authentication)')
