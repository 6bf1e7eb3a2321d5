"""The parallel execution engine: task graph, scheduler, shared state, events and metrics."""

from ucop.engine.context import TaskContext
from ucop.engine.events import Event, EventBus, EventKind
from ucop.engine.graph import Task, TaskGraph
from ucop.engine.metrics import RunMetrics, run_metrics
from ucop.engine.records import RunResult, RunStatus, Status, TaskRecord
from ucop.engine.scheduler import Scheduler

__all__ = [
    "Event",
    "EventBus",
    "EventKind",
    "RunMetrics",
    "RunResult",
    "RunStatus",
    "Scheduler",
    "Status",
    "Task",
    "TaskContext",
    "TaskGraph",
    "TaskRecord",
    "run_metrics",
]
