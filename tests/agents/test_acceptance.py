"""The judge: each kind of bad answer is named with its reason; grounded answers pass."""

from __future__ import annotations

import dataclasses
import json

import pytest
from typer.testing import CliRunner

from tests.helpers import BRIEF, CORPUS
from ucop import providers
from ucop.agents.acceptance import (
    Evidence,
    code_shaped_names,
    judge,
    prose_words,
    reasoning_left,
    strip_reasoning,
)
from ucop.cli import app
from ucop.providers.base import ProviderSpec
from ucop.providers.offline import OfflineProvider

SYSTEM = "You are a senior technical writer. Cite every claim that comes from a passage as [n]."
PASSAGE = "Lumen signs each delivery with HMAC-SHA256 in the `X-Lumen-Signature` header."
USER = (
    "The article: Webhooks\nIts sections, in order:\n1. Verify signatures\n2. Retries\n"
    "Each part of the article is written on its own; write only the part asked for below.\n"
    "The article's sections, in order:\n1. Verify signatures\n2. Retries\n"
    f"Passages you may use (cite as [n]):\n[1] {PASSAGE}\nWrite two to four paragraphs."
)
EVIDENCE = Evidence(
    instructions=(SYSTEM, USER),
    material=("Webhooks", "Verify signatures", "Retries", PASSAGE),
    passages=1,
)
GOOD = "Each delivery carries an HMAC-SHA256 signature in `X-Lumen-Signature` [1]; check it."


def test_a_grounded_answer_passes():
    assert judge(GOOD, EVIDENCE).ok


@pytest.mark.parametrize(
    ("answer", "problem", "named"),
    [
        ("", "empty", "empty"),
        (
            "The article: Webhooks. Its sections, in order: 1. Verify signatures 2. Retries. "
            "Each part of the article is written on its own; write only the part asked for.",
            "echo",
            "repeats the prompt",
        ),
        (GOOD + " Set `LUMESKI_RESTARTTRY` to 3.", "identifiers", "`LUMESKI_RESTARTTRY`"),
        (GOOD + " Call lumen.retry_all() after.", "identifiers", "`lumen.retry_all`"),
        (GOOD + " See [4].", "citations", "[4]"),
        # both from SmolLM2's introduction of the bundled example
        (
            GOOD + " The article's sections, in order 15 words: Webhooks.",
            "echo",
            "repeats the prompt",
        ),
        (GOOD + " Keep your own LUMES in sync.", "identifiers", "`LUMES`"),
        (GOOD + " See Lumen_Sales_Draft_2023.", "identifiers", "`Lumen_Sales_Draft_2023`"),
        (GOOD + "\n\n```python\nif x\n```\n", "code", "syntax error"),
        (GOOD + "\n\n```\ncurl https://x.io/i | sh\n```\n", "dangerous_code", "unlabelled"),
    ],
)
def test_each_bad_answer_is_named(answer, problem, named):
    verdict = judge(answer, EVIDENCE)
    assert not verdict.ok and verdict.problem == problem and named in verdict.reason


@pytest.mark.parametrize(
    "opening",
    [
        # SmolLM2's conclusion of the bundled example, kept in session 4
        'Here is the conclusion of the article:\n"Sync tasks in real time. Each part covered."',
        "Okay, here's a short introduction for your article.",
        "**Below is the section on retries:**",
        "I have written the introduction below.",
        "As requested, the conclusion:",
    ],
)
def test_an_answer_that_presents_itself_is_not_the_part(opening):
    verdict = judge(f"{opening}\n\n{GOOD}", EVIDENCE)
    assert not verdict.ok and verdict.problem == "announces"
    assert "write the part's text only" in verdict.reason


@pytest.mark.parametrize(
    "opening",
    [
        "Here is an example of a signed delivery:",
        "Here are the three headers every delivery carries [1].",
        "The section of the dashboard that lists deliveries shows each retry.",
    ],
)
def test_openings_that_only_look_like_it_pass(opening):
    assert judge(f"{opening}\n\n{GOOD}", EVIDENCE).ok


def test_a_section_that_cites_none_of_its_passages_is_ungrounded():
    """SmolLM2's "Responses" section of starlette-guide-12: a stub block, no citation."""
    section = Evidence(
        EVIDENCE.instructions,
        EVIDENCE.material,
        passages=1,
        must_cite=True,
        passage_words=prose_words(PASSAGE),
    )
    answer = "In this article I wrote a response:\n\n```python\nimport asyncio\n# Code here...\n```"
    verdict = judge(answer, section)
    assert not verdict.ok and verdict.problem == "uncited" and "none of the 1" in verdict.reason
    assert judge(GOOD, section).ok
    assert judge(answer, EVIDENCE).ok  # an introduction need not cite


def test_capitals_and_other_forms_of_known_words_are_not_invented_names():
    evidence = Evidence(
        (SYSTEM, USER), (*EVIDENCE.material, "Lumen retries a delivery."), passages=1
    )
    answer = GOOD + " NOTE: Lumen RETRIED it, over HTTPS, and never sends JSON twice."
    assert judge(answer, evidence).ok


def test_code_copied_from_a_passage_is_not_audited():
    code = "pip install lumen\n"
    evidence = Evidence((SYSTEM, USER), (*EVIDENCE.material, f"```bash\n{code}```"), passages=1)
    assert judge(f"{GOOD}\n\n```bash\n{code}```\n", evidence).ok
    assert not judge(f"{GOOD}\n\n```bash\npip install lumen-x\n```\n", evidence).ok


def test_names_in_prose_are_found_in_every_shape():
    text = (
        "Use `client.tasks.create` and retry_after, MAX_RETRY_COUNT, WebSocketEndpoint, "
        "createTask and hmac.compare_digest(x); not e.g. JavaScript, iOS, macOS or https://x.io/a_b."
    )
    assert code_shaped_names(text) == [
        "client.tasks.create", "retry_after", "MAX_RETRY_COUNT", "WebSocketEndpoint",
        "createTask", "hmac.compare_digest",
    ]  # fmt: skip


def test_reasoning_is_stripped_closed_cut_off_or_half_tagged():
    assert strip_reasoning("<think>plan</think>\nAnswer.") == "Answer."
    assert strip_reasoning("Answer.<thinking>never closed") == "Answer."
    assert strip_reasoning("plan without its opening tag</think>Answer.") == "Answer."
    assert reasoning_left("Text <think>x</think> more") == "<think>x</think>"
    assert reasoning_left("Models emit `<think>` first.") is None


BRIEFS = [BRIEF, *sorted((CORPUS / "briefs").glob("*.md"))]


@pytest.mark.parametrize("brief", BRIEFS, ids=lambda p: p.stem)
def test_the_offline_writers_drafts_pass_the_judge(tmp_path, monkeypatch, brief):
    """The draft that replaces a rejected answer must pass the judge itself: run the offline
    writer as if it were a model (a provider of another name), so each answer is judged."""
    if not brief.exists():
        pytest.skip("the shared corpus is absent")
    spec = ProviderSpec(name="judged_offline", create=lambda s: OfflineProvider(), network=False)
    monkeypatch.setitem(providers.PROVIDERS, spec.name, spec)  # gone after the test
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["generate", "-i", str(brief), "-o", str(out), "--provider", "judged_offline", "-q"]
    )
    if result.exit_code == 2:
        pytest.skip(f"the brief's sources cannot be read here: {result.output.strip()[:80]}")
    report = json.loads((out / "run.json").read_text())
    assert [w for w in report["warnings"] if w["kind"] == "model_answer_replaced"] == []
    assert report["status"] == "ok" and report["model_answers"]["kept"] >= 4


def test_a_passage_snippet_under_its_page_imports_is_copied_not_audited():
    snippet = "subprocess.run(['make', 'docs'])\n"
    page = (*EVIDENCE.material, f"```python\n{snippet}```", "```python\nimport subprocess\n```")
    evidence = Evidence((SYSTEM, USER), page, passages=1)
    carried = f"{GOOD}\n\n```python\nimport subprocess\n\n{snippet}```\n"
    assert judge(carried, evidence).ok  # both parts are the docs' own lines
    alone = Evidence((SYSTEM, USER), (*EVIDENCE.material, f"```python\n{snippet}```"), passages=1)
    assert not judge(carried, alone).ok  # an import the docs lack: the block is audited


SPEC = {
    "operations": [
        {"id": "findPetsByStatus", "method": "GET", "path": "/pet/findByStatus"},
        {"id": "placeOrder", "method": "POST", "path": "/store/order"},
        {"id": "getOrderById", "method": "GET", "path": "/store/order/{orderId}"},
    ]
}
LABEL = "Swagger Petstore - OpenAPI 3.0"
HEADING = "GET /pet/findByStatus — Finds Pets by status"
SPEC_PASSAGE = "Multiple status values can be provided with comma separated strings."


def _spec_section(**fields) -> Evidence:
    return Evidence(
        instructions=(SYSTEM, f"Passages you may use (cite as [n]):\n[1] {LABEL} > {HEADING}"),
        material=(LABEL, HEADING, SPEC_PASSAGE, "https://petstore3.swagger.io/api/v3")
        + tuple(op["path"] for op in SPEC["operations"]),
        passages=1,
        must_cite=True,
        spec=SPEC,
        labels=(LABEL, HEADING),
        passage_words=prose_words(SPEC_PASSAGE) + 20,
        **fields,
    )


def test_a_section_of_copied_labels_has_no_prose_of_its_own():
    """SmolLM2's first section of petstore-orders: the passage's label twice, garbled once."""
    answer = f"[1] {LABEL} > {HEADING}\nSwagger Petshop - OpenAPI 3.0 > {HEADING}"
    verdict = judge(answer, _spec_section())  # its first line is the prompt's passage header
    assert not verdict.ok and verdict.problem == "echo" and "frame" in verdict.reason
    verdict = judge(answer.partition("\n")[2] + " [1]", _spec_section())  # the garbled copy
    assert not verdict.ok and verdict.problem == "no_prose"
    assert "words of prose of its own, not 15" in verdict.reason
    written = (
        "To find pets that can be ordered, call `GET /pet/findByStatus` with the status you "
        "want; several values may be given, separated by commas [1]."
    )
    assert judge(written, _spec_section()).ok


def test_a_short_passage_lowers_the_bar_for_its_section():
    """A docs page of one sentence and an example (Starlette's PlainTextResponse)."""
    short = dataclasses.replace(_spec_section(), spec=None, passage_words=9)
    answer = "Takes some text or bytes and returns a plain text response [1]."
    assert prose_words(answer) == 11 and judge(answer, short).ok
    assert not judge(answer, dataclasses.replace(short, passage_words=40)).ok


@pytest.mark.parametrize(
    ("named", "ok"),
    [
        ("`POST /store/order/{orderId}`", False),  # SmolLM2's conclusion: no such call
        ("`DELETE /pet/findByStatus`", False),  # a path it has, a method it does not
        ("`GET /store/order/{id}`", True),  # another name for the parameter
        ("`POST /api/v3/store/order`", True),  # under the server's prefix
        ("GET /pet/findByStatus?status=sold", True),
    ],
)
def test_calls_named_in_prose_must_be_the_specs(named, ok):
    answer = (
        f"Orders are placed and read back with {named}, which the store answers with the "
        "order as JSON, including its status and ship date [1]."
    )
    verdict = judge(answer, _spec_section())
    assert verdict.ok is ok, verdict
    if not ok:
        assert verdict.problem == "operations" and "the spec does not have" in verdict.reason


OTHERS = ("Routing", "Requests", "Middleware", "Background tasks", "Lifespan", "Templates")


def test_a_section_that_goes_over_the_other_sections_is_a_survey():
    """SmolLM2's "Responses" section of starlette-guide-12, kept in session 5's first run."""
    section = dataclasses.replace(_spec_section(), spec=None, others=OTHERS)
    answer = "[1] The first part of the article, a tour for Flask developers.\n\n" + "\n".join(
        f"{n}. {t}: This section covers {t.lower()} and how a server-side API uses them."
        for n, t in enumerate(OTHERS[:4], start=1)
    )
    verdict = judge(answer, section)
    assert not verdict.ok and verdict.problem == "survey"
    assert "goes over 4 of the article's other sections (Routing, Requests" in verdict.reason
    mentions = (
        "A response is sent once the route has run; middleware may wrap it, and background "
        "tasks run after it is sent, as the Routing section showed [1]."
    )
    assert judge(mentions, section).ok  # naming two or three others in passing is fine


def test_a_conclusion_that_lists_the_titles_back_has_no_prose_of_its_own():
    """SmolLM2's conclusion of petstore-orders: "The article:" and the titles, reworded."""
    titles = (
        "Finding an available pet",
        "Placing an order",
        "Checking the order and cancelling it",
    )
    ending = Evidence((SYSTEM, USER), titles, passages=0, labels=titles)
    answer = "The article:\n1. Find an available pet\n2. Place an order\n3. Checking the order"
    verdict = judge(answer, ending)
    assert not verdict.ok and verdict.problem == "echo", verdict  # "The article:" is USER's
    verdict = judge(answer.replace("The article:", "In short:"), ending)
    assert not verdict.ok and verdict.problem == "no_prose", verdict
    written = (
        "You found a pet that is available, placed an order for it and checked the order, "
        "cancelling it when plans changed."
    )
    assert judge(written, ending).ok


@pytest.mark.parametrize(
    "line",
    [
        "The article: Webhooks",  # SmolLM2, requests-guide-10's fourth section
        "**Its sections, in order:**",
        "[1] Webhooks > Verify signatures (kb/webhooks.md)",  # a passage header as printed
    ],
)
def test_a_line_of_the_prompts_frame_is_an_echo(line):
    headed = dataclasses.replace(EVIDENCE, labels=("Webhooks > Verify signatures",))
    verdict = judge(f"{GOOD}\n\n{line}\n\n{GOOD}", headed)
    assert not verdict.ok and verdict.problem == "echo" and "frame" in verdict.reason
    assert judge(f"{GOOD}\n\nThe signature: a hex digest.", headed).ok  # not the prompt's


def test_model_code_that_uses_a_name_nothing_defines_is_rejected():
    """SmolLM2's requests-guide-10 introduction: `urlparse` with no import, in no passage."""
    invented = "```python\ndef get_cookies(url):\n    return {'key': urlparse(url).path}\n```"
    verdict = judge(f"{GOOD}\n\n{invented}\n", EVIDENCE)
    assert not verdict.ok and verdict.problem == "identifiers" and "`urlparse`" in verdict.reason
    imported = "```python\nfrom urllib.parse import urlparse\n\nprint(urlparse('x').path)\n```"
    later = "```python\nparts = urlparse('https://x.example')\nprint(parts.netloc, len(parts))\n```"
    assert judge(f"{GOOD}\n\n{imported}\n\n{later}\n", EVIDENCE).ok  # bound by the first


def test_a_line_written_twice_is_a_loop_but_a_short_one_is_not():
    # SmolLM2's introduction of requests-guide-10 (session 6), kept by the judge before
    line = "Custom headers - If you'd like to add custom headers, simply pass a dictionary."
    twice = f"{GOOD}\n\n1. {line}\n2. HTTP Basic Auth - set it up as a cookie.\n3. {line}"
    verdict = judge(twice, EVIDENCE)
    assert not verdict.ok and verdict.problem == "loop" and "same line twice" in verdict.reason
    code = "```python\nx = 1\n```"
    short = f"{GOOD}\n\n- Check it [1].\n- Check it [1].\n\n{code}\n\n{code}"
    assert judge(short, EVIDENCE).ok  # short lines and code may come twice
