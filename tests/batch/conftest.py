"""Briefs for batch tests, made from the bundled example, and a loopback model server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, run_cli
from ucop.testing.model_server import ModelServer
from ucop.testing.responders import article_responder

TITLE = 'title: "Sync tasks in real time with Lumen webhooks"'
# outline + intro + one call per section + conclusion + code explanations
REQUESTS = {3: 7, 4: 8}


def make_briefs(folder: Path, count: int = 6, *, broken: tuple[int, ...] = ()) -> list[Path]:
    """`count` briefs beside a copy of the example's sources, titles and lengths varied.

    Brief numbers in `broken` get front matter that does not parse.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("kb", "blog"):
        shutil.copytree(EXAMPLE / name, folder / name, dirs_exist_ok=True)
    shutil.copy(EXAMPLE / "openapi.yaml", folder / "openapi.yaml")
    text = (EXAMPLE / "brief.md").read_text()
    briefs = []
    for n in range(1, count + 1):
        sections = 3 + n % 2
        brief = text.replace(TITLE, f'title: "Lumen webhooks, part {n}"')
        brief = brief.replace("sections: 4", f"sections: {sections}")
        if n in broken:
            brief = brief.replace("tags: [webhooks, api, python]", "tags: [webhooks, api")
        path = folder / f"article-{n}.md"
        path.write_text(brief)
        briefs.append(path)
    return briefs


def expected_requests(brief: Path) -> int:
    return REQUESTS[3 if "sections: 3" in brief.read_text() else 4]


def batch(*args: object):
    """`ucop batch ...` through Typer's CliRunner."""
    return run_cli("batch", *[str(a) for a in args])


def openai_flags(server: ModelServer) -> list[str]:
    return ["--provider", "openai", "--base-url", server.base_url, "--model", "test-model"]


def ledger(out: Path) -> dict:
    return json.loads((out / "batch.json").read_text())


def failures(out: Path) -> list[str]:
    """Each article of the batch at `out` that did not end ok, with its error and failed agents."""
    found = []
    for entry in ledger(out)["articles"]:
        if entry["status"] != "ok":
            found.append(f"{entry['name']} {entry['status']}: {entry['error']}")
    return found


def max_overlap(entries: list[dict]) -> int:
    """The most articles that were running at the same moment, from their start and wall time."""
    edges = []
    for entry in entries:
        edges += [(entry["started"], 1), (entry["started"] + entry["wall_s"], -1)]
    running = peak = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):
        running += step
        peak = max(peak, running)
    return peak


def assert_complete(out: Path, brief: Path) -> dict:
    """The brief's article exists with front matter and its run.json says ok; returns run.json."""
    folder = out / brief.stem
    report = json.loads((folder / "run.json").read_text())
    assert report["status"] == "ok", report
    article = (folder / report["article"]).read_text()
    assert article.startswith("---\n") and "\n---\n" in article[4:]
    assert "generated_by: ucop" in article
    assert "This part covers" in article  # prose came from the model server
    assert "<svg" in (folder / "timeline.svg").read_text()
    return report


@pytest.fixture
def server():
    with ModelServer(latency_s=0.02, responder=article_responder) as srv:
        yield srv


@pytest.fixture
def slow_server():
    """Slow enough that several articles are in flight at once."""
    with ModelServer(latency_s=0.1, responder=article_responder) as srv:
        yield srv
