"""The model path gets the same plan and passages: topics, exclusions, code and coverage notes.

Runs `ucop generate` against the loopback OpenAI-style server with a responder written here
(keeps the planned titles, answers prose), and reads the prompts the server received.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.helpers import generate_over
from ucop.testing.model_server import ModelServer

FIXTURES = Path(__file__).parent / "fixtures"


def last_user(body: dict[str, Any]) -> str:
    return [m["content"] for m in body["messages"] if m["role"] == "user"][-1]


def plan_part(outline: str) -> str:
    """The planned sections as the outline prompt lists them."""
    return outline.split("A plan from what the author asks for")[1].split("\n\n")[0]


def responder(body: dict[str, Any]) -> str:
    user = last_user(body)
    if "Plan the sections" in user:
        planned = re.findall(r"^- (.+?)(?: \(required\))?$", plan_part(user), re.M)
        return json.dumps([{"title": t, "scope": f"About {t}."} for t in planned])
    if "mapping each id" in user:
        return "{}"
    return "A paragraph of model prose that cites its passage as it should [1]."


def test_prompts_carry_the_plan_the_passages_with_code_and_the_coverage_notes(tmp_path):
    with ModelServer(latency_s=0.0, responder=responder) as server:
        result = generate_over(
            server.base_url, tmp_path / "out", "--quiet", brief=FIXTURES / "brief.md"
        )
        prompts = [last_user(r.body) for r in server.requests if r.path.endswith("/completions")]
    assert result.exit_code == 0, result.stderr
    outline = next(p for p in prompts if "Plan the sections" in p)
    assert "Plan no section on these" in outline and "deployment" in outline
    planned = plan_part(outline)
    assert planned.index("Accept a socket connection") < planned.index("Test the socket connection")

    accept = next(p for p in prompts if 'section "Accept a socket connection"' in p)
    assert "```python\nasync def endpoint(socket):" in accept  # the docs' code, in place
    assert "https://docs.example.org/sockets/#accepting-a-connection" in accept
    assert "> **Keep handlers short:**" in accept and "!!! tip" not in accept

    redis = next(p for p in prompts if 'section "Store sessions in Redis"' in p)
    assert "The sources do not cover this topic (nothing on Redis)" in redis
    assert "Passages you may use" not in redis  # no filler to draw on

    intro = next(p for p in prompts if "Write the introduction" in p)
    assert "The sources do not cover these sections" in intro and "Store sessions in Redis" in intro

    report = json.loads((tmp_path / "out" / "run.json").read_text())
    assert [w["section"] for w in report["warnings"] if "section" in w] == [
        "Store sessions in Redis"
    ]
    # "[1]" where no passage was given (the Redis section) is an invented citation: that
    # answer was replaced, as were the empty code explanations; the conclusion is given the
    # sections' points, each with its [n], and may cite them
    replaced = {w["agent"]: w["reason"] for w in report["warnings"] if "reason" in w}
    assert "it cites [1], a passage it was not given" in replaced["section_writer[1]"]
    assert "conclusion_writer" not in replaced
    conclusion = next(p for p in prompts if "Write the conclusion" in p)
    # each section by its point, with the [n] the conclusion may cite it by
    point = r"^- Accept a socket connection: [^\n]+\. \[1\] Key names"
    assert re.search(point, conclusion, re.M)
    assert report["status"] == "degraded"


def test_a_model_that_ignores_the_plan_does_not_change_the_sections(tmp_path):
    from ucop.testing.responders import article_responder  # plans its own "Topic n" sections

    with ModelServer(latency_s=0.0, responder=article_responder) as server:
        result = generate_over(
            server.base_url, tmp_path / "out", "--quiet", brief=FIXTURES / "brief.md"
        )
    assert result.exit_code == 0, result.stderr
    report = json.loads((tmp_path / "out" / "run.json").read_text())
    body = (tmp_path / "out" / report["article"]).read_text()
    assert re.findall(r"^## (.+)$", body, re.M)[:5] == [
        "Store sessions in Redis",
        "Accept a socket connection",
        "Route the socket connection",
        "Test the socket connection",
        "Close the socket connection cleanly",
    ]
