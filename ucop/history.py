"""The run history: every run and its model calls in one SQLite file, for `ucop logs`.

The file is `history.db` in the user data folder (platformdirs: ~/.local/share/ucop on Linux,
honouring XDG_DATA_HOME; ~/Library/Application Support/ucop on macOS; %LOCALAPPDATA%\\ucop on
Windows), or in UCOP_DATA_DIR. A row per run (when, brief, provider, model, status, tokens,
cost, wall time, output) and a row per agent that called the model. Only names, paths and
figures are kept, never prompts or answers, and every text is redacted of configured secrets
first. Keeping history never fails a run: a folder that cannot be written is skipped.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ucop.redaction import configured_secrets, scrub

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started TEXT, ended TEXT, command TEXT, brief TEXT,
    provider TEXT, model TEXT, status TEXT, tokens_in INTEGER, tokens_out INTEGER,
    cost REAL, wall_s REAL, output TEXT
);
CREATE TABLE IF NOT EXISTS calls (
    run_id INTEGER REFERENCES runs(id), agent TEXT, status TEXT, tokens_in INTEGER,
    tokens_out INTEGER, retries INTEGER, duration_s REAL
);
CREATE INDEX IF NOT EXISTS runs_model ON runs(model);
"""


@dataclass(frozen=True)
class Call:
    agent: str
    status: str
    tokens_in: int
    tokens_out: int
    retries: int
    duration_s: float | None


@dataclass(frozen=True)
class Run:
    started: str
    ended: str
    command: str
    brief: str
    provider: str
    model: str
    status: str
    tokens_in: int
    tokens_out: int
    cost: float | None
    wall_s: float | None
    output: str
    calls: list[Call] = field(default_factory=list)


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """UCOP_DATA_DIR, else the platform's user data folder for ucop."""
    env = os.environ if env is None else env
    if env.get("UCOP_DATA_DIR"):
        return Path(env["UCOP_DATA_DIR"]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("ucop", appauthor=False))


def history_path(env: Mapping[str, str] | None = None) -> Path:
    return data_dir(env) / "history.db"


@contextlib.contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, timeout=10)
    try:
        connection.executescript(SCHEMA)
        with connection:  # one transaction: a run and its calls, or nothing
            yield connection
    finally:
        connection.close()


def run_from_report(
    report: Mapping[str, Any], *, command: str, brief: str, output: str, model_called: bool = True
) -> Run:
    """The history row of a run, from its run.json report; no call rows when no model was
    called (the offline writer)."""
    calls = [
        Call(
            agent=str(a.get("name")),
            status=str(a.get("status")),
            tokens_in=int(a.get("tokens_in") or 0),
            tokens_out=int(a.get("tokens_out") or 0),
            retries=len(a.get("retries") or []),
            duration_s=a.get("duration_s"),
        )
        for a in report.get("agents") or []
        if model_called and (a.get("tokens_in") or a.get("tokens_out") or a.get("retries"))
    ]
    usage = report.get("usage") or {}
    return Run(
        started=str(report.get("started_at") or ""),
        ended=str(report.get("ended_at") or ""),
        command=command,
        brief=brief,
        provider=str(report.get("provider") or ""),
        model=str(report.get("model") or ""),
        status=str(report.get("status") or ""),
        tokens_in=int(report.get("tokens_in") or 0),
        tokens_out=int(report.get("tokens_out") or 0),
        cost=usage.get("cost"),
        wall_s=report.get("wall_s"),
        output=output,
        calls=calls,
    )


def record(run: Run, env: Mapping[str, str] | None = None) -> bool:
    """Add `run` to the history; False (and nothing written) when the folder is not writable."""
    secrets = configured_secrets()
    row = scrub(asdict(run), secrets)
    calls = row.pop("calls")
    try:
        path = history_path(env)
        path.parent.mkdir(parents=True, exist_ok=True)
        with _connect(path) as db:
            cursor = db.execute(
                f"INSERT INTO runs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
            db.executemany(
                "INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(cursor.lastrowid, *c.values()) for c in calls],
            )
    except (OSError, sqlite3.Error):
        return False
    return True


def recent(
    limit: int = 10, model: str | None = None, env: Mapping[str, str] | None = None
) -> list[Run]:
    """The last `limit` runs, newest first; only those of `model` when given."""
    path = history_path(env)
    if not path.is_file():
        return []
    where, args = ("WHERE model = ?", [model]) if model else ("", [])
    with _connect(path) as db:
        db.row_factory = sqlite3.Row
        runs = db.execute(
            f"SELECT * FROM runs {where} ORDER BY id DESC LIMIT ?", (*args, limit)
        ).fetchall()
        return [_run(db, r) for r in runs]


def _run(db: sqlite3.Connection, row: sqlite3.Row) -> Run:
    calls = db.execute(
        "SELECT agent, status, tokens_in, tokens_out, retries, duration_s FROM calls "
        "WHERE run_id = ? ORDER BY rowid",
        (row["id"],),
    ).fetchall()
    fields = {k: row[k] for k in row.keys() if k != "id"}  # noqa: SIM118 - a Row iterates values
    return Run(**fields, calls=[Call(*c) for c in calls])
