"""Batch runs: one article per brief, on threads, processes or a Dask cluster.

    runner.py        the loop over any `concurrent.futures.Executor`, and the executor registry
                     (threads, processes, dask)
    session.py       a `Session` (executor, shared pacer, width); the threads and processes kinds
    ledger.py        what each brief came to: the ledger behind OUTPUT/batch.json
    article_task.py  the picklable per-brief task: runs the normal pipeline, returns the files
    limits.py        one pacer for the whole batch: shared, or served to worker processes
    lifeline.py      worker processes that die with their batch, and a bounded wait for them
    dask_cluster.py  the Dask client: `--scheduler ADDRESS` or a local cluster (optional extra)
    dask_pacer.py    the batch pacer held by the Dask scheduler, or shared in-process

`ucop.commands.batch.run_batch` puts them together for the CLI; `ucop.ui.batch` shows them.
"""

from __future__ import annotations

from ucop.batch.article_task import article_spec, check_settings, run_article
from ucop.batch.ledger import Ledger, finished_article
from ucop.batch.limits import PacerServer, RemotePacer, served
from ucop.batch.runner import SESSIONS, open_session, register, run_tasks
from ucop.batch.session import Session

__all__ = [
    "SESSIONS",
    "Ledger",
    "PacerServer",
    "RemotePacer",
    "Session",
    "article_spec",
    "check_settings",
    "finished_article",
    "open_session",
    "register",
    "run_article",
    "run_tasks",
    "served",
]
