"""`ucop generate` (offline) on small foreign-style sources: plan, carry-over, coverage, links."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.helpers import run_cli

FIXTURES = Path(__file__).parent / "fixtures"


def generate(out: Path, brief: str, *extra: str):
    result = run_cli("generate", "-i", FIXTURES / brief, "-o", out, "--progress", "plain", *extra)
    assert result.exit_code == 0, result.stderr
    report = json.loads((out / "run.json").read_text())
    text = (out / report["article"]).read_text()
    _, front, body = text.split("---\n", 2)
    return result, report, yaml.safe_load(front), body


@pytest.fixture(scope="module")
def sockets(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("sockets") / "out", "brief.md")


def headings(body: str) -> list[str]:
    return re.findall(r"^## (.+)$", body, re.M)


def section(body: str, title: str) -> str:
    return body.split(f"## {title}\n")[1].split("\n## ")[0]


def test_sections_are_the_brief_s_topics_in_its_order_without_the_excluded_one(sockets):
    _, _, _, body = sockets
    assert headings(body) == [
        "Store sessions in Redis",
        "Accept a socket connection",
        "Route the socket connection",
        "Test the socket connection",
        "Close the socket connection cleanly",
        "Wrapping up",
        "Sources",
    ]
    assert "proxy" not in body.lower()  # "Leave out deployment"


def test_docs_code_and_paragraphs_carried_over_whole_and_cited(sockets):
    _, _, _, body = sockets
    accept = section(body, "Accept a socket connection")
    assert "To accept a connection and greet the client, write an endpoint like this:" in accept
    assert "```python\nasync def endpoint(socket):\n    await socket.accept()" in accept
    assert "> **Keep handlers short:** Do the slow work elsewhere" in accept
    close = section(body, "Close the socket connection cleanly")
    # One passage at a time: the close code default stays 1000 (deployment says 100).
    assert "The default close code is 1000" in close and "100 seconds" not in body
    assert "```python" in section(body, "Test the socket connection")


def test_no_markup_leftovers_or_machine_paths(sockets):
    _, _, front, body = sockets
    for leftover in ("!!!", "???", ":::", "<div", "<img", "](routing.md", "](#"):
        assert leftover not in body, leftover
    assert all(not s.startswith("/") for s in front["sources"])


def test_uncovered_section_has_a_note_and_a_warning_in_run_json_and_on_stderr(sockets):
    result, report, _, body = sockets
    redis = section(body, "Store sessions in Redis").strip()
    assert redis.startswith("> **Not covered by the sources:**") and "Redis" in redis
    assert len(redis.splitlines()) == 1
    kinds = [(w["kind"], w.get("section")) for w in report["warnings"]]
    assert kinds == [("uncovered_section", "Store sessions in Redis")]
    shown = " ".join(result.stderr.split())  # the console wraps long lines
    assert "Warnings (1):" in shown and "outline_planner:" in shown
    assert report["warnings"][0]["message"].split()[0] in shown


def test_sources_by_title_with_public_urls_and_front_matter_lists_only_cited(sockets):
    _, _, front, body = sockets
    listed = body.split("## Sources\n")[1].strip().splitlines()
    assert listed[0] == (
        "1. [Sockets > Accepting a connection]"
        "(https://docs.example.org/sockets/#accepting-a-connection)"
    )
    assert all(re.match(r"\d+\. \[.+\]\(https://docs\.example\.org/", line) for line in listed)
    assert front["sources"] == ["docs/sockets.md", "docs/routing.md", "docs/testing.md"]
    assert "[path parameters](https://docs.example.org/routing/#path-parameters)" in body


def test_related_post_only_when_relevant_at_its_own_url(sockets):
    _, _, _, body = sockets
    url = "https://blog.example.org/2024/03/01/sockets-in-practice/"
    assert body.count(url) == 2  # the introduction and the next steps, not every section
    assert "spring-release" not in body


def test_introduction_states_subject_and_steps_and_conclusion_says_each_point(sockets):
    _, _, _, body = sockets
    intro = body.split("\n## ")[0].strip()
    assert intro.startswith(
        "This article shows Python developers new to sockets how to build a socket endpoint"
    )
    assert "*Accept a socket connection*" in intro
    assert "The sources do not cover *Store sessions in Redis*" in intro
    wrap = section(body, "Wrapping up")
    assert "Still to write: *Store sessions in Redis*" in wrap
    # One sentence of each written section's own text, cited as the body cites it; no
    # section listed by its title alone.
    points = re.findall(r"^- (.+)$", wrap.split("What to take away:")[1].split("\n\n")[1], re.M)
    assert points == [
        "Call `await socket.accept()` before sending anything. [1]",
        "Use `SocketRoute` instead of `Route` for socket endpoints. [2]",
        "Use the session inside a `with` block so the connection is always closed. [3]",
        "Use `await socket.close(code=1000)` to close the connection cleanly. [4]",
    ]
    text = body.split("## Wrapping up")[0]
    for point in points:
        sentence, marker = point.rsplit(" ", 1)
        paragraph = next(p for p in text.split("\n\n") if sentence in p)
        upto = text[: text.index(paragraph) + len(paragraph)]
        assert re.findall(r"\[\d+\]", upto)[-1] == marker  # the passage it is taken from
    assert "**Accept a socket connection**" not in wrap


def test_plain_string_sources_still_work_and_links_fall_back_to_text(tmp_path):
    _, _, front, body = generate(tmp_path / "out", "plain-brief.md")
    assert "](https://docs.example.org" not in body
    assert "see path parameters)" in body
    assert re.search(r"^1\. Sockets > Accepting a connection \(`docs/sockets\.md`\)$", body, re.M)
    assert "docs/LICENSE.txt" not in front["sources"]


def test_api_only_brief_follows_the_flow_of_calls(tmp_path):
    _, report, front, body = generate(tmp_path / "out", "api-brief.md")
    assert report["status"] == "ok"
    assert headings(body)[:3] == [
        "Finding an available pet",
        "Placing an order for the available pet",
        "Checking the order and cancelling it",
    ]
    calls = re.findall(r"^### (.+)$", body, re.M)
    assert calls == [
        "Finds pets by status",
        "Place an order for a pet",
        "Find purchase order by ID",
        "Delete purchase order by ID",
    ]  # headings, so without the summaries' full stops
    assert front["sources"] == ["shop.yaml"]


def test_api_only_brief_without_a_flow_is_grouped_by_tag(tmp_path):
    _, report, _, body = generate(tmp_path / "out", "api-tags-brief.md")
    assert report["status"] == "ok"
    assert headings(body)[:2] == ["The pet operations", "The store operations"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('{path: docs/, url: "ftp://x"}', "sources.kb.url must be an http(s) URL"),
        ('{path: docs/, link: "https://x"}', "sources.kb has unknown key(s) link"),
    ],
)
def test_a_bad_source_entry_is_one_line_exit_2_nothing_written(tmp_path, entry, message):
    brief = tmp_path / "brief.md"
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n\nText.\n")
    brief.write_text(f"---\ntitle: T\nsources:\n  kb: {entry}\n---\nBody\n")
    result = run_cli("generate", "-i", brief, "-o", tmp_path / "out")
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
