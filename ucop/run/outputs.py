"""What a run leaves: its `Outcome`, and the files rendered from it and written all or none.

`outcome` turns the scheduler's result into the run report and status; `render_outputs`
gives file name -> content (the article, run.json, timeline.svg), kept apart from writing so
a batch worker can return the contents and the machine that started the batch writes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from ucop import __version__
from ucop.engine import RunResult
from ucop.errors import Interrupted
from ucop.files import RUN_REPORT, TIMELINE, write_all
from ucop.report.run_report import published_model
from ucop.run.job import Job

if TYPE_CHECKING:
    from ucop.report.status import ArticleStatus, ModelAnswers


class Article(TypedDict):
    """The assembly agent's output, as the run reads it (`agents/assembly.py` builds it)."""

    filename: str
    text: str
    status: str  # ok | partial
    failed_parts: Sequence[str]
    cited_sources: Sequence[str]
    words: int
    warnings: Sequence[Mapping[str, object]]


class RunInfo(TypedDict):
    """What the run report says about the run itself, before any agent has run."""

    ucop_version: str
    mode: str  # parallel | sequential
    provider: str
    model: str
    offline: bool
    workflow: str
    brief: str


@dataclass
class Outcome:
    result: RunResult
    report: dict[str, object]  # run.json (`ucop.report.run_report`)
    article: Article | None
    status: ArticleStatus
    answers: ModelAnswers | None = None


def outcome(
    job: Job, result: RunResult, info: RunInfo, usage: Mapping[str, object] | None = None
) -> Outcome:
    """The run's status and report from what the scheduler returned."""
    from ucop.engine.state import thaw
    from ucop.report.run_report import build_report
    from ucop.report.status import model_answers, run_status

    article: Article | None = result.outputs.get(article_step(job))
    answers = model_answers(result, _prompted(job))
    status = run_status(result, article, answers)
    extra: dict[str, object] = {"model_answers": answers}
    if article is not None:
        extra |= {
            "failed_parts": list(article["failed_parts"]),
            "words": article["words"],
            "warnings": thaw(article.get("warnings", ())),
        }
    if usage is not None:
        extra["usage"] = usage
    name = article["filename"] if article is not None and status != "interrupted" else None
    report = build_report(result, status=status, info=info, article=name, extra=extra)
    return Outcome(result, report, article, status, answers)


def article_step(job: Job) -> str:
    """The step whose output is the article: the one whose agent is `assembly`."""
    steps = [step.name for step in job.workflow.agents if step.kind == "assembly"]
    return steps[-1] if steps else "assembly"


def _prompted(job: Job) -> set[str]:
    """The agent kinds of the workflow that ask the model."""
    from ucop.agents import AGENTS

    kinds = {step.kind for step in job.workflow.agents}
    return {k for k in kinds if k in AGENTS and AGENTS[k].prompt}


def render_outputs(job: Job, outcome: Outcome) -> dict[str, str]:
    """File name -> content for everything a run writes (the article, run.json, timeline.svg)."""
    import json

    from ucop.report.timeline import render_timeline

    files: dict[str, str] = {}
    if outcome.article is not None:
        text = _stamp(outcome.article["text"], job, outcome.answers)
        files[outcome.article["filename"]] = text
    files[RUN_REPORT] = json.dumps(outcome.report, indent=2) + "\n"
    files[TIMELINE] = render_timeline(outcome.report)
    return files


def write_files(folder: Path, files: Mapping[str, str]) -> dict[str, Path]:
    """Write the files inside `folder`, all or none; returns article/report/timeline paths."""
    written = write_all(folder, files)  # all or none: a full disk leaves no half a set
    labels = {RUN_REPORT: "report", TIMELINE: "timeline"}
    return {labels.get(name, "article"): path for name, path in written.items()}


def write_outputs(job: Job, outcome: Outcome) -> dict[str, Path]:
    """Write the article (unless interrupted), run.json and timeline.svg, each atomically."""
    if job.output is None:
        return {}
    if outcome.status == "interrupted":
        raise Interrupted("interrupted - nothing written; run again with --resume to continue")
    return write_files(job.output, render_outputs(job, outcome))


def _stamp(text: str, job: Job, answers: ModelAnswers | None = None) -> str:
    """Say in the file itself who wrote it (the offline writer above all, even in part)."""
    who = (
        "offline writer, extractive draft"
        if job.drafts_only
        else f"{job.provider_name}, {published_model(job.model)}"
    )
    if answers and answers["replaced"] and not job.drafts_only:
        total = answers["replaced"] + answers["kept"]
        who += f"; {answers['replaced']} of {total} parts by the offline writer"
    return text.replace("---\n", f"---\ngenerated_by: ucop {__version__} ({who})\n", 1)
