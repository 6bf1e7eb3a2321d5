"""Writer prompts open with one prefix shared by every call of a run, so providers cache it.

Captured from the loopback server's request records over a real run of the bundled example:
the system prompt and the shared part (the article and its plan) are the same text in every
writer call, the per-call parts (this section's title, scope, passages) come after it, and the
cached tokens the server reports are counted in run.json.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import BRIEF, run_cli
from ucop.testing.model_server import ModelServer, PromptCache
from ucop.testing.responders import article_responder

WRITERS = ("Write the body of the section", "Write the introduction", "Write the conclusion")


def run(provider: str, out: Path) -> tuple[list[dict], dict]:
    """Generate the example against a fresh loopback server; (request bodies, run.json usage)."""
    with ModelServer(responder=article_responder, prompt_cache=PromptCache(128, 16)) as server:
        url = server.base_url if provider == "openai" else server.root_url
        result = run_cli(
            "generate", "-i", BRIEF, "-o", out, "--provider", provider,
            "--base-url", url, "--model", "m", "--quiet",
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        bodies = [r.body for r in server.requests if r.kind in ("openai", "anthropic")]
    return bodies, json.loads((out / "run.json").read_text())["usage"]


def openai_prompt(body: dict) -> str:
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    return system["content"] + "\n" + user["content"]


def common_prefix(texts: list[str]) -> str:
    return os.path.commonprefix(texts)


@pytest.fixture(scope="module")
def openai_run(tmp_path_factory) -> tuple[list[dict], dict]:
    return run("openai", tmp_path_factory.mktemp("openai"))


def test_section_writer_prompts_share_a_prefix_with_the_plan_and_end_with_their_own_part(
    openai_run,
) -> None:
    bodies, _ = openai_run
    prompts = [openai_prompt(b) for b in bodies if WRITERS[0] in b["messages"][1]["content"]]
    assert len(prompts) == 4
    prefix = common_prefix(prompts)
    titles = [
        "Verify webhook signatures",
        "Handle retries and duplicate deliveries",
        "Testing deliveries",
        "Retries and backoff",
    ]
    plan = "\n".join(f"{n}. {t}" for n, t in enumerate(titles, 1))
    assert plan in prefix  # the shared material is in the identical part
    assert prefix.index(plan) + len(plan) < len(prefix)
    for title in titles:  # the per-call part (this section's title on) comes after the prefix
        [prompt] = [p for p in prompts if f'section "{title}"' in p]
        assert prompt.index(f'section "{title}"') + len('section "') == len(prefix)
    # introduction and conclusion open with the same text: one prefix for all writer calls
    writers = [openai_prompt(b) for b in bodies if any(w in str(b["messages"]) for w in WRITERS)]
    assert len(writers) == 6
    shared = common_prefix(writers)
    assert prefix.startswith(shared) and plan in shared


def test_cached_tokens_from_the_shared_prefix_are_counted(openai_run) -> None:
    bodies, usage = openai_run
    writers = [openai_prompt(b) for b in bodies if any(w in str(b["messages"]) for w in WRITERS)]
    shared_words = len(common_prefix(writers).split()) - 1  # the last word may be cut
    # every writer call but the first reads the shared prefix, counted in whole 16-word blocks
    assert usage["cached_tokens"] >= (len(writers) - 1) * (shared_words // 16 * 16)
    assert usage["cached_tokens"] < usage["tokens_in"]


def test_anthropic_breakpoint_closes_the_shared_part(tmp_path) -> None:
    bodies, usage = run("anthropic", tmp_path / "out")
    writers = [b for b in bodies if any(w in str(b["messages"]) for w in WRITERS)]
    assert len(writers) == 6
    shared = {b["messages"][0]["content"][0]["text"] for b in writers}
    systems = {b["system"][0]["text"] for b in writers}
    assert len(shared) == 1 and len(systems) == 1  # identical across all writer calls
    for body in writers:
        first, rest = body["messages"][0]["content"]
        assert first["cache_control"] == {"type": "ephemeral"} and "cache_control" not in rest
        assert "Its sections, in order:" in first["text"]
        assert "Passages you may use" not in first["text"]
    # each writer call after the first reads system + shared part, exactly, from the cache
    prefix_words = len(systems.pop().split()) + len(shared.pop().split())
    assert usage["cached_tokens"] == (len(writers) - 1) * prefix_words


OLD_STYLE = """{% block system %}You write Markdown for {{ audience }}.{% endblock %}
{% block user %}Write the body of the section "{{ section.title }}" of the article "{{ title }}".
Other sections cover these: {{ others | join("; ") }}
{% for p in passages %}[{{ p.n }}] {{ p.markdown }}
{% endfor %}{% endblock %}"""


def test_an_override_without_a_shared_block_still_runs_and_gets_no_breakpoint(tmp_path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "section.j2").write_text(OLD_STYLE)
    (tmp_path / "main.yaml").write_text("prompts:\n  dir: prompts\n")
    with ModelServer(responder=article_responder) as server:
        result = run_cli(
            "generate", "-i", BRIEF, "-o", tmp_path / "out", "--config", tmp_path / "main.yaml",
            "--provider", "anthropic", "--base-url", server.root_url, "--model", "m", "--quiet",
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        sections = [r.body for r in server.requests if WRITERS[0] in str(r.body.get("messages"))]
    assert len(sections) == 4
    for body in sections:
        [message] = body["messages"]
        assert isinstance(message["content"], str)  # one plain text: nothing marked as shared
        assert message["content"].startswith("Write the body of the section")
        assert "Other sections cover these: " in message["content"]
