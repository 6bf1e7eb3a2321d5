"""The live agent table: one row per agent, redrawn about 8 times a second on stderr.

`LiveTable` is an event subscriber (call it with an `Event` from any thread) and a context
manager that runs `rich.live.Live`. Everything it draws comes from `render()`, so tests can
print the same renderable on a fixed-width console. Fan-out instances (`section_writer[3]`)
sit right under their parent, which then shows a group summary such as `3/5 done`.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ucop.engine.events import Event, EventKind
from ucop.ui.plain import clean_text, describe_run, format_attempt, format_seconds


@dataclass(frozen=True)
class StateStyle:
    """How a state looks: a symbol so it reads without colour, a word, a rich style."""

    symbol: str
    label: str
    style: str


STATE_STYLES: dict[str, StateStyle] = {
    "pending": StateStyle("·", "pending", "dim"),
    "queued": StateStyle("○", "queued", "blue"),
    "running": StateStyle("▶", "running", "bold cyan"),
    "retrying": StateStyle("↻", "retrying", "bold yellow"),
    "done": StateStyle("✓", "done", "green"),
    "cached": StateStyle("≡", "cached", "bright_green"),
    "failed": StateStyle("✗", "failed", "bold red"),
    "timed_out": StateStyle("⧖", "timed out", "magenta"),
    "skipped": StateStyle("⊘", "skipped", "dark_orange"),
    "cancelled": StateStyle("■", "cancelled", "bright_black"),
}
KIND_STATES = {
    EventKind.QUEUED: "queued",
    EventKind.STARTED: "running",
    EventKind.RETRYING: "retrying",
    EventKind.FINISHED: "done",
    EventKind.CACHED: "cached",
    EventKind.FAILED: "failed",
    EventKind.TIMED_OUT: "timed_out",
    EventKind.SKIPPED: "skipped",
    EventKind.CANCELLED: "cancelled",
}
ACTIVE = frozenset({"running", "retrying"})
FINAL = frozenset({"done", "cached", "failed", "timed_out", "skipped", "cancelled"})
SUCCEEDED = frozenset({"done", "cached"})
BROKEN = frozenset({"failed", "timed_out"})
URGENT = ACTIVE | BROKEN  # kept on screen first when the rows do not fit
NOTED = frozenset({"retrying", "failed", "timed_out", "skipped", "cancelled"})
CHROME_LINES = 5  # header, table head (2), footer, one spare line for the cursor
_INSTANCE = re.compile(r"^(?P<parent>.+)\[\d+\]$")


@dataclass
class AgentRow:
    """What is known about one agent (or one fan-out instance)."""

    name: str
    parent: str | None = None
    state: str = "pending"
    attempt: int = 0
    max_attempts: int = 0
    start_t: float | None = None
    end_t: float | None = None
    retry_at: float | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    error: str = ""
    instances: list[str] = field(default_factory=list)

    def state_at(self, now: float) -> str:
        """The state, with a retry whose wait has passed shown as running again."""
        if self.state == "retrying" and self.retry_at is not None and now >= self.retry_at:
            return "running"
        return self.state

    def elapsed(self, now: float) -> float | None:
        """Seconds running so far, or the final duration; None if it never started."""
        if self.start_t is None:
            return None
        if self.end_t is not None:
            return max(0.0, self.end_t - self.start_t)
        return max(0.0, now - self.start_t) if self.state in ACTIVE else None

    def apply(self, event: Event) -> None:
        state = KIND_STATES.get(event.kind)
        if state is None:
            return
        self.state = state
        if event.attempt:
            self.attempt, self.max_attempts = event.attempt, event.max_attempts or self.max_attempts
        if event.kind is EventKind.STARTED and self.start_t is None:
            self.start_t = event.t
        if event.kind is EventKind.RETRYING:
            self.retry_at = event.t + (event.wait_s or 0.0)
        if event.error or event.kind is EventKind.STARTED:
            self.error = clean_text(event.error or "")
        if event.tokens_in or event.tokens_out:
            self.tokens_in, self.tokens_out = event.tokens_in, event.tokens_out
        if state in FINAL and self.start_t is not None:
            self.end_t = event.t


class Board:
    """The run as the table sees it; not locked itself, `LiveTable` serialises access."""

    def __init__(self) -> None:
        self.rows: dict[str, AgentRow] = {}
        self.order: list[str] = []
        self.info: dict[str, Any] = {}
        self.finished_t: float | None = None
        self.status: str | None = None

    def apply(self, event: Event) -> None:
        if event.kind is EventKind.RUN_STARTED:
            self.info = dict(event.data)
            for name in event.data.get("agents") or []:
                self.ensure(str(name))
        elif event.kind is EventKind.RUN_FINISHED:
            self.finished_t, self.status = event.t, str(event.data.get("status", ""))
        elif event.agent is not None:
            row = self.ensure(event.agent)
            for name in event.data.get("instances") or []:
                self.ensure(str(name), parent=row.name)
            row.apply(event)

    def ensure(self, name: str, parent: str | None = None) -> AgentRow:
        """The row for `name`, created on first sight right after its parent's instances."""
        if name in self.rows:
            return self.rows[name]
        parent = parent or self.parent_of(name)
        row = self.rows[name] = AgentRow(name, parent)
        if parent is None:
            self.order.append(name)
            return row
        group = self.rows[parent]
        anchor = group.instances[-1] if group.instances else parent
        self.order.insert(self.order.index(anchor) + 1, name)
        group.instances.append(name)
        return row

    def parent_of(self, name: str) -> str | None:
        match = _INSTANCE.match(name)
        return match["parent"] if match and match["parent"] in self.rows else None

    def base_names(self) -> list[str]:
        """The agents the run announced when it started (fan-out instances come later)."""
        return [str(n) for n in self.info.get("agents") or []]

    def leaves(self) -> list[AgentRow]:
        """Rows that do work themselves (groups left out, so nothing is counted twice)."""
        return [self.rows[n] for n in self.order if not self.rows[n].instances]

    def children(self, row: AgentRow) -> list[AgentRow]:
        return [self.rows[n] for n in row.instances]


def group_state(states: list[str]) -> str:
    """One state summing up a fan-out group's instances."""
    if any(s in ACTIVE for s in states):
        return "running"
    for waiting in ("queued", "pending"):
        if waiting in states:
            return waiting
    if any(s in BROKEN for s in states):
        return "failed"
    if all(s in SUCCEEDED for s in states):
        return "done"
    return "cancelled" if "cancelled" in states else "skipped"


class LiveTable:
    """A thread-safe event subscriber that shows every agent's state live on `console`."""

    def __init__(
        self,
        console: Console,
        clock: Callable[[], float],
        *,
        refresh_per_second: float = 8.0,
        max_lines: int | None = None,
    ) -> None:
        self._console = console
        self._clock = clock
        self._refresh = refresh_per_second
        self._max_lines = max_lines
        self._board = Board()
        self._fixed: tuple[int, Layout] | None = None
        self._lock = threading.Lock()
        self._live: Live | None = None

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._board.apply(event)

    def _layout(self, board: Board) -> Layout:
        """One layout per terminal width for the run: columns never change under the eye."""
        width = self._console.width
        if not board.base_names():  # not started yet: nothing to fix the widths on
            return layout_for(board.order, width)
        if self._fixed is None or self._fixed[0] != width:
            self._fixed = (width, layout_for(board.base_names(), width))
        return self._fixed[1]

    def __enter__(self) -> LiveTable:
        self._live = Live(
            console=self._console,
            get_renderable=self.render,
            refresh_per_second=self._refresh,
            transient=False,
            redirect_stdout=False,  # stdout may be the article or JSON; never mix the UI in
        )
        self._live.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def render(self) -> RenderableType:
        """Header, table and footer as they stand now."""
        with self._lock:
            board = self._board
            now = board.finished_t if board.finished_t is not None else self._clock()
            lines = self._max_lines or self._console.size.height
            shown, hidden = choose_rows(board, now, max(1, lines - CHROME_LINES))
            table = agent_table(board, shown, now, layout=self._layout(board))
            parts: list[RenderableType] = [header(board), table]
            if hidden:
                parts.append(fold_line(hidden, now))
            parts.append(footer(board, now))
            return Group(*parts)


def choose_rows(board: Board, now: float, room: int) -> tuple[list[str], list[AgentRow]]:
    """Names to show in run order, and the leaf rows folded away when they do not all fit.

    Groups come first, then running, retrying and failed rows, then those still waiting,
    then the rest in run order.
    """
    if len(board.order) <= room:
        return list(board.order), []
    rows = board.rows

    def rank(name: str) -> int:
        row = rows[name]
        if row.instances:
            return 0
        state = row.state_at(now)
        return 1 if state in URGENT else (3 if state in FINAL else 2)

    by_rank = sorted(board.order, key=rank)  # stable: run order within a rank
    chosen = set(by_rank[: max(0, room - 1)])
    shown = [n for n in board.order if n in chosen]
    hidden = [rows[n] for n in board.order if n not in chosen and not rows[n].instances]
    return shown, hidden


def header(board: Board) -> Text:
    """One line: `ucop · finished: ok · parallel · provider ...`, cut with "…" if too long."""
    line = Text("ucop · ", style="bold", no_wrap=True, overflow="ellipsis")
    if board.status:
        line.append(f"finished: {clean_text(board.status)} · ", style="bold")
    line.append(describe_run(board.info) if board.info else "starting…")
    return line


NOTE_MIN = 26  # the note (retry or failure reason) keeps at least this many columns
GAP = 3  # columns between two cells: padding, the box divider, padding
STATE_W = 16  # "↻ retry in 12.3s", the widest state: the column never widens mid-run
AGENT_MAX = 40
# (index, long heading, short heading, width), dropped last to first when the terminal is
# narrow; widths hold any value the run can show ("12/4", "123.4s", "123,456 / 12,345")
OPTIONAL = ((2, "Attempt", "Try", 5), (3, "Elapsed", "Time", 6), (4, "Tokens in/out", "Tokens", 16))


@dataclass(frozen=True)
class Layout:
    """The table's columns and widths, fixed for the whole run: from the terminal's width
    and the agents' names, never from what the cells hold at the moment."""

    agent_w: int
    columns: tuple[tuple[int, str, int], ...]  # (cell index, heading, width)
    note_w: int


def layout_for(names: Iterable[str], width: int) -> Layout:
    # room for a fan-out instance under its parent: "  section_writer[9]"
    agent_w = min(max([5, *(len(n) + 5 for n in names)]), AGENT_MAX)
    columns = _fit(width - agent_w - STATE_W - GAP, OPTIONAL)
    used = agent_w + GAP + STATE_W + GAP + sum(w + GAP for _, _, w in columns)
    return Layout(agent_w, tuple(columns), max(NOTE_MIN, width - used))


def agent_table(
    board: Board, names: Iterable[str], now: float, width: int = 120, layout: Layout | None = None
) -> Table:
    """The agents' rows in a fixed layout (`layout_for`): agent, state and note always stay
    readable; on a narrow terminal the token column goes first, then the headings shorten,
    then the elapsed and attempt columns go; only the note is ever cut (with "…")."""
    names = list(names)
    layout = layout or layout_for(board.base_names() or names, width)
    rows = [
        group_cells(board, board.rows[n], now)
        if board.rows[n].instances
        else leaf_cells(board.rows[n], now)
        for n in names
    ]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("Agent", no_wrap=True, width=layout.agent_w, overflow="ellipsis")
    table.add_column("State", no_wrap=True, width=STATE_W, overflow="ellipsis")
    for _, heading, cell_w in layout.columns:
        table.add_column(heading, justify="right", no_wrap=True, width=cell_w)
    table.add_column("Note", style="dim", no_wrap=True, overflow="ellipsis", width=layout.note_w)
    for cells in rows:
        table.add_row(cells[0], cells[1], *(cells[i] for i, _, _ in layout.columns), cells[5])
    return table


def _fit(room: int, optional: Iterable[tuple[int, str, str, int]]) -> list[tuple[int, str, int]]:
    """The optional columns that fit in `room` while leaving NOTE_MIN for the note."""
    optional = list(optional)
    for keep in range(len(optional), -1, -1):
        for short in (False, True):
            chosen = [
                (i, s if short else h, max(w, len(s if short else h)))
                for i, h, s, w in optional[:keep]
            ]
            if room - sum(w + GAP for _, _, w in chosen) - GAP >= NOTE_MIN:
                return chosen
    return []


def leaf_cells(row: AgentRow, now: float) -> list[RenderableType]:
    state = row.state_at(now)
    style = STATE_STYLES.get(state, STATE_STYLES["pending"])
    label = style.label
    if state == "retrying" and row.retry_at is not None:
        label = f"retry in {max(0.0, row.retry_at - now):.1f}s"
    name = ("  " if row.parent else "") + clean_text(row.name, 80)
    return [
        one_line(name, "bold" if state in ACTIVE else ""),
        Text(f"{style.symbol} {label}", style=style.style),
        format_attempt(row.attempt, row.max_attempts),
        elapsed_text(row.elapsed(now)),
        token_text(row.tokens_in, row.tokens_out),
        one_line(row.error if state in NOTED else ""),
    ]


def group_cells(board: Board, row: AgentRow, now: float) -> list[RenderableType]:
    children = board.children(row)
    states = [child.state_at(now) for child in children]
    style = STATE_STYLES[group_state(states)]
    ok, bad = sum(s in SUCCEEDED for s in states), sum(s in BROKEN for s in states)
    label = f"{ok}/{len(states)} done" + (f", {bad} ✗" if bad else "")  # fits STATE_W
    starts = [c.start_t for c in children if c.start_t is not None]
    ends = [c.start_t + (c.elapsed(now) or 0.0) for c in children if c.start_t is not None]
    return [
        one_line(clean_text(row.name, 80), "bold"),
        Text(f"{style.symbol} {label}", style=style.style),
        "",
        elapsed_text(max(ends) - min(starts) if starts else None),
        token_text(sum(c.tokens_in for c in children), sum(c.tokens_out for c in children)),
        "",
    ]


def one_line(text: str, style: str = "") -> Text:
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


def elapsed_text(seconds: float | None) -> str:
    return "" if seconds is None else format_seconds(seconds, 1)


def token_text(tokens_in: int, tokens_out: int) -> str:
    return f"{tokens_in:,} / {tokens_out:,}" if tokens_in or tokens_out else ""


def fold_line(hidden: list[AgentRow], now: float) -> Text:
    """`+180 done, 12 queued`: what the rows left off the screen are doing."""
    counts = Counter(row.state_at(now) for row in hidden)
    rank = {state: i for i, state in enumerate(STATE_STYLES)}
    states = sorted(counts, key=lambda s: (-counts[s], rank.get(s, len(rank))))
    parts = [f"{counts[s]} {STATE_STYLES[s].label}" for s in states]
    return Text("+" + ", ".join(parts), style="dim")


def footer(board: Board, now: float) -> Text:
    leaves = board.leaves()
    agent_time = sum(row.elapsed(now) or 0.0 for row in leaves)
    states = Counter(row.state_at(now) for row in leaves)
    # agent time / wall time is how many agents were in flight, not a speedup: an agent whose
    # request queues at a one-slot server is in flight too (the summary's speedup leaves the
    # queue out; SmolLM2's runs showed "2.78" here above a summary of 0.98x)
    at_once = f"{agent_time / now:.1f}" if now > 0 else "—"
    parts = [
        f"wall {format_seconds(now, 1)}",
        f"agent time {format_seconds(agent_time, 1)}",
        f"{at_once} agents at once",
    ]
    counts = {
        "running": sum(states[s] for s in ACTIVE),
        "done": sum(states[s] for s in SUCCEEDED),
        "failed": sum(states[s] for s in BROKEN),
        "skipped": states["skipped"],
        "cancelled": states["cancelled"],
    }
    # zero counts left out (bar done): the finished line fits 80 columns
    parts += [f"{n} {word}" for word, n in counts.items() if n or word == "done"]
    return Text(" · ".join(parts), style="bold", no_wrap=True, overflow="ellipsis")
