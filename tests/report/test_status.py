"""The run-status rule: one table from what the model's answers became to status and exit code."""

from __future__ import annotations

import pytest

from ucop.engine.records import RunResult, RunStatus, Status, TaskRecord
from ucop.report.status import describe, exit_code, model_answers, run_status


def _result(*records: TaskRecord, status: RunStatus = RunStatus.OK) -> RunResult:
    return RunResult(status, {r.name: r for r in records}, {}, 1.0, 2, [r.name for r in records])


def _writer(name: str, kept: int, replaced: int, status: Status = Status.DONE) -> TaskRecord:
    return TaskRecord(name, "section_writer", status=status, answers_kept=kept,
                      answers_replaced=replaced)  # fmt: skip


ARTICLE = {"status": "ok"}


@pytest.mark.parametrize(
    ("kept", "replaced", "status", "code"),
    [(3, 0, "ok", 0), (2, 1, "degraded", 0), (0, 3, "replaced", 0), (0, 0, "ok", 0)],
)
def test_the_rule(kept, replaced, status, code):
    records = [_writer(f"s{i}", 1, 0) for i in range(kept)]
    records += [_writer(f"r{i}", 0, 1) for i in range(replaced)]
    answers = model_answers(_result(*records), {"section_writer"})
    assert answers == {"kept": kept, "replaced": replaced}
    assert run_status(_result(*records), ARTICLE, answers) == status
    assert exit_code(status) == code


def test_a_cached_model_part_counts_as_kept_and_partial_comes_first():
    cached = _writer("s1", 0, 0, status=Status.CACHED)
    result = _result(cached, _writer("s2", 0, 1))
    answers = model_answers(result, {"section_writer"})
    assert answers == {"kept": 1, "replaced": 1}
    assert run_status(result, ARTICLE, answers) == "degraded"
    assert run_status(result, {"status": "partial"}, answers) == "partial"
    assert run_status(_result(status=RunStatus.INTERRUPTED), None, answers) == "interrupted"
    assert run_status(_result(), None, answers) == "failed"


def test_the_summary_line():
    assert describe({"kept": 5, "replaced": 3}) == "3 of 8 replaced by the offline draft"
    assert describe({"kept": 8, "replaced": 0}) == "8 used as written"


def test_statuses_are_typed_and_still_write_their_values():
    """StrEnum states: run.json and --json stay byte-for-byte what they were with strings."""
    import json

    from ucop.report.status import ArticleStatus

    status = run_status(_result(_writer("s", 1, 1)), ARTICLE, {"kept": 1, "replaced": 1})
    assert status is ArticleStatus.DEGRADED and status.exit_zero and status.has_note
    report = {"status": status, "task": Status.TIMED_OUT, "run": RunStatus.PARTIAL}
    plain = {"status": "degraded", "task": "timed_out", "run": "partial"}
    assert json.dumps(report, indent=2) == json.dumps(plain, indent=2)
    assert f"{status} / {Status.TIMED_OUT} / {RunStatus.OK}" == "degraded / timed_out / ok"
    assert json.loads(json.dumps(report))["status"] in {ArticleStatus.OK, ArticleStatus.DEGRADED}
    assert not ArticleStatus.OK.has_note and not ArticleStatus.PARTIAL.exit_zero
    assert [s.value for s in ArticleStatus] == [
        "ok", "degraded", "replaced", "partial", "failed", "interrupted"
    ]  # fmt: skip
