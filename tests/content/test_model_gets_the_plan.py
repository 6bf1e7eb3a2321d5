"""A loopback model run gets the plan and the passages the offline writer uses, section by section.

The offline run and the model run (the loopback OpenAI-style server, with a responder that
keeps the titles it is offered) plan the same sections in the same order; each section
writer's prompt holds exactly the passages that section's offline draft cites from, and no
other section's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.helpers import generate_over, run_cli
from ucop.testing.model_server import ModelServer

BRIEF = Path(__file__).parents[1] / "draft" / "fixtures" / "brief.md"
_URL = re.compile(r"\((https?://[^)\s]+)\)")


def _user(body: dict[str, Any]) -> str:
    return [m["content"] for m in body["messages"] if m["role"] == "user"][-1]


def _keeps_the_plan(body: dict[str, Any]) -> str:
    user = _user(body)
    if "Plan the sections" in user:
        part = user.split("A plan from what the author asks for")[1].split("\n\n")[0]
        titles = re.findall(r"^- (.+?)(?: \(required\))?$", part, re.M)
        return json.dumps([{"title": t, "scope": f"About {t}."} for t in titles])
    if "mapping each id" in user:
        return "{}"
    return "A paragraph of model prose that cites its passage as it should [1]."


def _offline_sections(out: Path) -> dict[str, set[str]]:
    """Each section of the offline article and the URLs of the passages it cites."""
    report = json.loads((out / "run.json").read_text())
    body = (out / report["article"]).read_text()
    sources = body.split("\n## Sources\n")[1]
    urls = {int(n): url for n, url in re.findall(r"^(\d+)\. \[.*?\]\((\S+)\)$", sources, re.M)}
    found: dict[str, set[str]] = {}
    for part in body.split("\n## ")[1:]:
        title, _, text = part.partition("\n")
        if title not in ("Wrapping up", "Sources"):
            found[title] = {urls[int(n)] for n in re.findall(r"\[(\d+)\]", text) if int(n) in urls}
    return found


def _prompt_passages(prompts: list[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for prompt in prompts:
        title = re.search(r'Write the body of the section "([^"]+)"', prompt)
        if title:
            passages = prompt.split("Passages you may use")[-1] if "Passages" in prompt else ""
            found[title.group(1)] = set(_URL.findall(passages))
    return found


def test_the_model_gets_the_offline_plan_and_each_section_its_own_passages(tmp_path):
    offline = tmp_path / "offline"
    assert run_cli("generate", "-i", BRIEF, "-o", offline, "--quiet").exit_code == 0
    with ModelServer(latency_s=0.0, responder=_keeps_the_plan) as server:
        result = generate_over(server.base_url, tmp_path / "model", "--quiet", brief=BRIEF)
        prompts = [_user(r.body) for r in server.requests if r.path.endswith("/completions")]
    assert result.exit_code == 0, result.stderr

    planned = _offline_sections(offline)
    given = _prompt_passages(prompts)  # in the order the writers ran
    assert list(_offline_sections(tmp_path / "model")) == list(planned)  # same order
    assert sorted(given) == sorted(planned) and len(planned) == 5
    for title, cited in planned.items():
        assert cited <= given[title], title  # what the offline draft cites, the model gets
    covered = [urls for urls in given.values() if urls]
    assert len(covered) == 4  # "Store sessions in Redis" has none: the sources lack Redis
    assert all(a.isdisjoint(b) for i, a in enumerate(covered) for b in covered[i + 1 :])
