"""Per-task records and the result of one run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ucop.enums import StrEnum


class Status(StrEnum):
    PENDING = "pending"  # waiting for dependencies
    QUEUED = "queued"  # ready, waiting for a slot
    RUNNING = "running"
    DONE = "done"
    CACHED = "cached"  # output reused from the resume cache
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    SKIPPED = "skipped"  # a dependency did not succeed
    CANCELLED = "cancelled"  # fail-fast, deadline or Ctrl-C stopped it

    @property
    def succeeded(self) -> bool:
        return self in (Status.DONE, Status.CACHED)

    @property
    def final(self) -> bool:
        return self not in (Status.PENDING, Status.QUEUED, Status.RUNNING)


@dataclass
class TaskRecord:
    """What happened to one task; times are seconds since the run started."""

    name: str
    agent: str
    deps: tuple[str, ...] = ()
    template: str | None = None  # the fan-out task this is an instance of
    status: Status = Status.PENDING
    attempts: int = 0
    queued_s: float | None = None
    start_s: float | None = None
    end_s: float | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    retries: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)  # see TaskContext.warn
    answers_kept: int = 0  # see TaskContext.record_answer
    answers_replaced: int = 0
    error: str | None = None
    exception: BaseException | None = field(default=None, repr=False)  # not serialised
    is_group: bool = False  # a fan-out template: finishes when its instances do

    @property
    def duration_s(self) -> float | None:
        if self.start_s is None or self.end_s is None:
            return None
        return self.end_s - self.start_s


class RunStatus(StrEnum):
    OK = "ok"
    PARTIAL = "partial"  # some tasks failed; the rest finished (keep-going)
    FAILED = "failed"  # fail-fast stopped the run, or nothing useful finished
    INTERRUPTED = "interrupted"


@dataclass
class RunResult:
    status: RunStatus
    records: dict[str, TaskRecord]
    outputs: dict[str, Any]
    wall_s: float
    max_parallel: int
    order: list[str] = field(default_factory=list)  # tasks in the order they were created

    def tasks(self) -> list[TaskRecord]:
        """Records of the tasks that do work (fan-out templates left out), in creation order."""
        return [self.records[n] for n in self.order if not self.records[n].is_group]

    def failed(self) -> list[TaskRecord]:
        bad = (Status.FAILED, Status.TIMED_OUT)
        return [r for r in self.tasks() if r.status in bad]
