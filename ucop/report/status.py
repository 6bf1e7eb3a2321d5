"""A run's status, and the exit code it gives: one rule, written down once.

    interrupted  Ctrl-C or SIGTERM: nothing written                           exit 130/143
    failed       no article                                                    exit 1
    partial      some parts failed (--keep-going): written with a note         exit 1
    replaced     the model wrote none of it: every model answer it gave was    exit 0
                 rejected or unusable, and the offline writer's draft was
                 used for each part (the article is that draft, as the offline
                 provider would have written it, and the run says so in red)
    degraded     some model answers were replaced by the offline draft         exit 0
                 (each one a `model_answer_replaced` warning)
    ok           every part the model was asked for is the model's answer      exit 0
                 (or the offline provider wrote the article, as it says)

"Model answers" are the answers of agents that ask the model (outline, writers, code
explanations). A part reused from the cache with `--resume` was the model's (a replaced part
is never cached, so `--resume` asks for it again).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, TypedDict

from ucop.engine.records import RunResult, RunStatus, Status
from ucop.enums import StrEnum


class ArticleStatus(StrEnum):
    """What a run came to (the table above); run.json's `status`, written as its value."""

    OK = "ok"
    DEGRADED = "degraded"
    REPLACED = "replaced"
    PARTIAL = "partial"
    FAILED = "failed"
    INTERRUPTED = "interrupted"

    @property
    def exit_zero(self) -> bool:
        return self in EXIT_ZERO

    @property
    def has_note(self) -> bool:
        """The article was written, but with a note on what is not the model's or failed."""
        return self in (ArticleStatus.PARTIAL, ArticleStatus.REPLACED, ArticleStatus.DEGRADED)


# A StrEnum equals its value, so `"ok" in EXIT_ZERO` holds for statuses read back from JSON.
# `replaced` exits 0 like the offline provider's own article: the file is the grounded offline
# draft, never worse than it (issue 19); run.json, the front matter and the summary say whose.
EXIT_ZERO = frozenset({ArticleStatus.OK, ArticleStatus.DEGRADED, ArticleStatus.REPLACED})


class ModelAnswers(TypedDict):
    """How many model answers the article uses, and how many the offline draft replaced."""

    kept: int
    replaced: int


def model_answers(result: RunResult, prompted: Collection[str]) -> ModelAnswers:
    """Count kept and replaced answers; a cached task of an agent kind in `prompted` is kept."""
    kept = replaced = 0
    for record in result.tasks():
        if record.status is Status.CACHED and record.agent in prompted:
            kept += 1
        kept += record.answers_kept
        replaced += record.answers_replaced
    return {"kept": kept, "replaced": replaced}


def run_status(
    result: RunResult, article: Mapping[str, Any] | None, answers: ModelAnswers
) -> ArticleStatus:
    """The status the rule above gives this run."""
    if result.status is RunStatus.INTERRUPTED:
        return ArticleStatus.INTERRUPTED
    if article is None:
        return ArticleStatus.FAILED
    if result.status is not RunStatus.OK or article["status"] != "ok":
        return ArticleStatus.PARTIAL
    if answers["replaced"] and not answers["kept"]:
        return ArticleStatus.REPLACED
    return ArticleStatus.DEGRADED if answers["replaced"] else ArticleStatus.OK


def exit_code(status: str) -> int:
    """0 for an article the model wrote (all or in part), else 1 (see the module's table)."""
    return 0 if status in EXIT_ZERO else 1


def describe(answers: Mapping[str, int]) -> str:
    """One line for the summary: "3 of 8 model answers replaced by the offline draft"."""
    total = answers.get("kept", 0) + answers.get("replaced", 0)
    if not answers.get("replaced"):
        return f"{total} used as written" if total else "none asked"
    return f"{answers['replaced']} of {total} replaced by the offline draft"
