"""The judge: whether a model's answer may go into the article, and if not, why.

A weak model echoes its prompt ("The article: ... Its sections, in order: 1. ..."), names
things no source has (`LUMESKI_RESTARTTRY`), cites passages it was not given, or writes code
that does not parse, calls operations the spec does not have or does harm. `judge` finds
each of these with pure functions over the answer and the `Evidence` the request was built
from; `ask_model` (agents/base.py) asks once more with the reason, then uses the offline
draft. Reasoning (`<think>...</think>`) is stripped before anything is judged.

    evidence     Evidence, Verdict, the run's sources as an index
    prose        chat replies, self-presentation, loops, echoes, too little prose, reasoning
    names        invented identifiers, calls the spec lacks, citations
    code_rules   code that fails its checks, pretends, or does harm
"""

from __future__ import annotations

from ucop.agents.acceptance import code_rules, names, prose
from ucop.agents.acceptance.evidence import (
    ACCEPTED,
    EMPTY_SOURCES,
    Evidence,
    SourceIndex,
    Verdict,
    generated_names,
    label_strings,
    plain_lines,
    strings_in,
)
from ucop.agents.acceptance.names import (
    calls_named,
    code_shaped_names,
    is_call,
    near_miss_names,
    without_calls,
)
from ucop.agents.acceptance.prose import prose_words, reasoning_left, strip_reasoning

__all__ = [
    "ACCEPTED",
    "EMPTY_SOURCES",
    "Evidence",
    "SourceIndex",
    "Verdict",
    "calls_named",
    "is_call",
    "without_calls",
    "code_shaped_names",
    "generated_names",
    "judge",
    "label_strings",
    "near_miss_names",
    "plain_lines",
    "prose_words",
    "reasoning_left",
    "strings_in",
    "strip_reasoning",
]


def judge(answer: str, evidence: Evidence) -> Verdict:
    """The first problem found in `answer` (already stripped of reasoning), else ACCEPTED."""
    if not answer.strip():
        return Verdict(False, "empty", "the answer was empty once its reasoning was removed")
    checks = (
        prose.non_answer, prose.announces, prose.frame, prose.loop, code_rules.bad_code,
        code_rules.dangerous_code, code_rules.undefined_names, names.citations, prose.echo,
        names.identifiers, names.operations, names.uncited, prose.surveys, prose.no_prose,
    )  # fmt: skip
    for check in checks:
        verdict = check(answer, evidence)
        if not verdict.ok:
            return verdict
    return ACCEPTED
