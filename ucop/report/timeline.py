"""The run timeline: a standalone SVG Gantt chart of when each agent queued, ran and retried.

Reads these keys of the run report (missing optional keys are shown as blanks):
  top level: mode, provider, model, max_parallel, status, wall_s, speedup, efficiency,
             critical_path_s, critical_path (names), agents
  per agent: name, status, attempts, queued_s, start_s, end_s, tokens_in, tokens_out,
             retries [{at_s, wait_s, error}], error, on_critical_path
Times are seconds since the run started. Each agent gets one `<rect class="bar">` with
`data-agent` and `data-status`; critical-path bars also carry the class `critical`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ucop.numbers import percent, ratio, seconds
from ucop.report.run_report import published_model
from ucop.report.svg import document, el, fit, nice_ticks, text, text_width, tooltip, write_svg

WIDTH = 1200
MARGIN = 16
CHART_TOP = 104
STATUS_COLOURS = {
    "done": "#2e9e6a",
    "cached": "#56a8e0",
    "failed": "#d9480f",
    "timed_out": "#e8a200",
    "cancelled": "#8c8c8c",
    "skipped": "#b0b0b0",
}
STATUS_LABELS = {"timed_out": "timed out"}
OTHER_COLOUR = "#7a6fbf"  # a status this file does not know, e.g. "running" in an interrupted run
CRITICAL_STROKE = "#1b1f24"
QUEUE_COLOUR = "#c3c9d1"
RETRY_COLOUR = "#7b2cbf"
NEVER_STARTED = "#9aa0a6"
HATCH = el(
    "defs",
    el(
        "pattern",
        el("rect", width=6.0, height=6.0, fill="#f1f3f5"),
        el("path", d="M0,6 L6,0", stroke=NEVER_STARTED, stroke_width=1.2),
        id="hatch",
        width=6.0,
        height=6.0,
        patternUnits="userSpaceOnUse",
    ),
)


@dataclass(frozen=True)
class Layout:
    """Where things go: rows, the label column and the time scale."""

    rows: int
    row_h: float
    label_w: float
    font: float
    label_step: int
    axis_max: float
    ticks: tuple[float, ...]

    @property
    def x0(self) -> float:
        return MARGIN + self.label_w

    @property
    def chart_w(self) -> float:
        return WIDTH - self.x0 - MARGIN - 48

    @property
    def height(self) -> float:
        return CHART_TOP + self.rows * self.row_h + 44

    def x(self, t: float) -> float:
        return self.x0 + max(0.0, t) / self.axis_max * self.chart_w

    def top(self, row: int) -> float:
        return CHART_TOP + row * self.row_h


def render_timeline(report: Mapping[str, Any]) -> str:
    """The whole run as a standalone SVG document (a string)."""
    agents = order_agents(report.get("agents") or [])
    layout = make_layout(agents, report)
    body = [HATCH, title_line(report), *legend(report), *axis(layout)]
    for row, agent in enumerate(agents):
        body.extend(agent_row(agent, row, layout))
    return document(WIDTH, layout.height, body, label=f"ucop run timeline, {len(agents)} agents")


def write_timeline(report: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Render the timeline and write it atomically to `path`; returns the path."""
    return write_svg(path, render_timeline(report))


def order_agents(agents: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Started agents by start time, then the ones that never started, in report order."""
    started = [a for a in agents if a.get("start_s") is not None]
    started.sort(key=lambda a: (a["start_s"], a.get("queued_s") or 0.0))
    return started + [a for a in agents if a.get("start_s") is None]


def make_layout(agents: Sequence[Mapping[str, Any]], report: Mapping[str, Any]) -> Layout:
    rows = max(1, len(agents))
    row_h = 22.0 if rows <= 30 else max(8.0, 660.0 / rows)
    font = min(12.0, row_h - 1.0) if row_h >= 10 else 9.0
    longest = max((len(str(a.get("name", ""))) for a in agents), default=8)
    label_w = min(260.0, max(90.0, text_width("x" * longest, font) + 16))
    ticks = nice_ticks(0.0, max(latest_time(agents, report), 1e-3), target=10)
    return Layout(
        rows=rows,
        row_h=row_h,
        label_w=label_w,
        font=font,
        label_step=max(1, math.ceil((font + 1) / row_h)),
        axis_max=ticks[-1],
        ticks=tuple(ticks),
    )


def latest_time(agents: Sequence[Mapping[str, Any]], report: Mapping[str, Any]) -> float:
    times = [float(report.get("wall_s") or 0.0)]
    for agent in agents:
        times.extend(float(agent[k]) for k in ("queued_s", "start_s", "end_s") if agent.get(k))
        times.extend(float(r["at_s"]) + float(r["wait_s"]) for r in agent.get("retries") or [])
    return max(times)


def title_line(report: Mapping[str, Any]) -> str:
    provider = str(report.get("provider") or "?")
    if report.get("model"):
        provider += f" / {published_model(str(report['model']))}"
    parts = [
        f"ucop run · {report.get('mode', '?')}",
        f"max parallel {report.get('max_parallel', '?')}",
        provider,
        f"wall {seconds(report.get('wall_s'))}",
        f"speedup {ratio(report.get('speedup'))}",
        f"efficiency {percent(report.get('efficiency'))}",
        f"status {report.get('status', '?')}",
    ]
    line = fit("  ·  ".join(parts), WIDTH - 2 * MARGIN, 15)
    return text(MARGIN, 26, line, font_size=15.0, font_weight="600", fill="#1b1f24")


def legend(report: Mapping[str, Any]) -> list[str]:
    """Status swatches, the marks, and a line naming the critical path."""
    items: list[str] = []
    x, y = float(MARGIN), 44.0
    for status, colour in STATUS_COLOURS.items():
        fill = "url(#hatch)" if status == "skipped" else colour
        items.append(swatch(x, y, fill=fill, stroke=NEVER_STARTED if status == "skipped" else None))
        label = STATUS_LABELS.get(status, status)
        items.append(text(x + 18, y + 10, label, fill="#30363d"))
        x += 30 + text_width(label, 12)
    items.append(swatch(x, y, fill="#ffffff", stroke=CRITICAL_STROKE, stroke_width=2.5))
    items.append(text(x + 18, y + 10, "critical path", fill="#30363d"))
    x += 30 + text_width("critical path", 12)
    items.append(el("rect", x=x, y=y + 4.5, width=14.0, height=3.0, fill=QUEUE_COLOUR))
    items.append(text(x + 18, y + 10, "queue wait", fill="#30363d"))
    x += 30 + text_width("queue wait", 12)
    items.extend(retry_mark(x + 7, y + 6, 5.0, 22.0))
    items.append(text(x + 34, y + 10, "retry (dashed: wait before next attempt)", fill="#30363d"))
    items.append(critical_line(report))
    return items


def swatch(x: float, y: float, **kwargs: object) -> str:
    return el("rect", x=x, y=y, width=14.0, height=12.0, rx=2.0, **kwargs)


def critical_line(report: Mapping[str, Any]) -> str:
    """`Critical path (14.20s): a → b → … → z`, names dropped from the middle to fit."""
    names = [str(n) for n in report.get("critical_path") or []]
    head = f"Critical path ({seconds(report.get('critical_path_s'))}): "
    keep = len(names)
    line = head + (" → ".join(names) or "none")
    while keep > 2 and text_width(line, 12.5) > WIDTH - 2 * MARGIN:
        keep -= 1
        shown = [*names[: (keep + 1) // 2], "…", *names[len(names) - keep // 2 :]]
        line = head + " → ".join(shown)
    return text(MARGIN, 76, fit(line, WIDTH - 2 * MARGIN, 12), fill="#1b1f24", font_weight="600")


def axis(layout: Layout) -> list[str]:
    """Row stripes, vertical grid lines with tick labels on top and bottom, the axis title."""
    top, bottom = CHART_TOP, layout.top(layout.rows)
    parts = [
        el(
            "rect",
            x=0.0,
            y=layout.top(row),
            width=float(WIDTH),
            height=layout.row_h,
            fill="#f6f8fa",
        )
        for row in range(1, layout.rows, 2)
    ]
    for tick in layout.ticks:
        x = layout.x(tick)
        parts.append(el("line", x1=x, y1=top - 4, x2=x, y2=bottom, stroke="#d0d7de", class_="grid"))
        parts.append(text(x, top - 8, tick_label(tick), text_anchor="middle", fill="#57606a"))
        parts.append(text(x, bottom + 16, tick_label(tick), text_anchor="middle", fill="#57606a"))
    centre = layout.x0 + layout.chart_w / 2
    parts.append(text(centre, bottom + 34, "seconds since run start", text_anchor="middle"))
    return parts


def agent_row(agent: Mapping[str, Any], row: int, layout: Layout) -> list[str]:
    """Label, queue wait, bar, retry marks and duration for one agent."""
    parts = []
    if row % layout.label_step == 0:
        parts.append(row_label(agent, row, layout))
    if agent.get("start_s") is None:
        return parts + never_started(agent, row, layout)
    if agent.get("queued_s") is not None and agent["queued_s"] < agent["start_s"]:
        parts.append(queue_bar(agent, row, layout))
    parts.append(bar(agent, row, layout))
    for retry in agent.get("retries") or []:
        parts.append(retry_group(retry, row, layout))
    if layout.row_h >= 14:
        parts.append(duration_label(agent, row, layout))
    return parts


def row_label(agent: Mapping[str, Any], row: int, layout: Layout) -> str:
    name = str(agent.get("name", "?"))
    y = layout.top(row) + layout.row_h / 2 + layout.font * 0.35
    shown = fit(name, layout.label_w - 12, layout.font)
    weight = "600" if on_critical_path(agent) else None
    return text(
        layout.x0 - 8, y, shown, text_anchor="end", font_size=layout.font, font_weight=weight
    )


def on_critical_path(agent: Mapping[str, Any]) -> bool:
    """A cached agent took no time: it is drawn as cached, never as critical."""
    return bool(agent.get("on_critical_path")) and agent.get("status") != "cached"


def bar(agent: Mapping[str, Any], row: int, layout: Layout) -> str:
    start = float(agent["start_s"])
    end = bar_end(agent, layout)
    status = str(agent.get("status", "?"))
    critical = on_critical_path(agent)
    pad = layout.row_h * 0.18
    return el(
        "rect",
        tooltip(describe(agent)),
        class_="bar critical" if critical else "bar",
        data_agent=agent.get("name", "?"),
        data_status=status,
        x=layout.x(start),
        y=layout.top(row) + pad,
        width=max(1.5, layout.x(end) - layout.x(start)),
        height=layout.row_h - 2 * pad,
        rx=min(3.0, layout.row_h / 8),
        fill=STATUS_COLOURS.get(status, OTHER_COLOUR),
        stroke=CRITICAL_STROKE if critical else None,
        stroke_width=2.5 if critical and layout.row_h >= 12 else (1.5 if critical else None),
    )


def bar_end(agent: Mapping[str, Any], layout: Layout) -> float:
    """Where the bar stops; a task still running when the run ended stops at the axis end."""
    end = agent.get("end_s")
    return float(end) if end is not None else layout.axis_max


def never_started(agent: Mapping[str, Any], row: int, layout: Layout) -> list[str]:
    """A hatched, outlined mark where the agent gave up waiting (skipped or cancelled)."""
    status = str(agent.get("status", "skipped"))
    when = next((agent[k] for k in ("end_s", "queued_s") if agent.get(k) is not None), 0.0)
    x, pad = layout.x(float(when)), layout.row_h * 0.18
    mark = el(
        "rect",
        tooltip(describe(agent)),
        class_="bar",
        data_agent=agent.get("name", "?"),
        data_status=status,
        x=x,
        y=layout.top(row) + pad,
        width=28.0,
        height=layout.row_h - 2 * pad,
        fill="url(#hatch)",
        stroke=NEVER_STARTED,
        stroke_width=1.0,
        stroke_dasharray="3 2",
    )
    if layout.row_h < 14:
        return [mark]
    note = STATUS_LABELS.get(status, status) + note_error(agent)
    y = layout.top(row) + layout.row_h / 2 + layout.font * 0.35
    return [mark, text(x + 34, y, fit(note, WIDTH - x - 60, 11), font_size=11.0, fill="#57606a")]


def queue_bar(agent: Mapping[str, Any], row: int, layout: Layout) -> str:
    x1, x2 = layout.x(float(agent["queued_s"])), layout.x(float(agent["start_s"]))
    height = max(2.0, layout.row_h * 0.16)
    wait = float(agent["start_s"]) - float(agent["queued_s"])
    return el(
        "rect",
        tooltip(f"{agent.get('name')}: queued {wait:.2f}s waiting for a free slot"),
        class_="queue",
        x=x1,
        y=layout.top(row) + (layout.row_h - height) / 2,
        width=max(0.5, x2 - x1),
        height=height,
        fill=QUEUE_COLOUR,
    )


def retry_group(retry: Mapping[str, Any], row: int, layout: Layout) -> str:
    at, wait = float(retry.get("at_s") or 0.0), float(retry.get("wait_s") or 0.0)
    y = layout.top(row) + layout.row_h / 2
    size = max(2.5, min(5.0, layout.row_h * 0.3))
    width = layout.x(at + wait) - layout.x(at)
    tip = f"retry at {at:.2f}s, next attempt after {wait:.2f}s: {retry.get('error') or '?'}"
    pad = layout.row_h * 0.18
    # Lighten the bar over the wait: the slot is held but no request is in flight.
    idle = el(
        "rect",
        x=layout.x(at),
        y=layout.top(row) + pad,
        width=max(0.5, width),
        height=layout.row_h - 2 * pad,
        fill="#ffffff",
        fill_opacity=0.55,
    )
    return el("g", tooltip(tip), idle, *retry_mark(layout.x(at), y, size, width), class_="retry")


def retry_mark(x: float, y: float, size: float, wait_width: float) -> list[str]:
    """A diamond at the failed attempt and a dashed segment across the wait."""
    corners = [(x, y - size), (x + size, y), (x, y + size), (x - size, y)]
    diamond = "M" + " L".join(f"{cx:.2f},{cy:.2f}" for cx, cy in corners) + " Z"
    return [
        el(
            "line",
            x1=x,
            y1=y,
            x2=x + wait_width,
            y2=y,
            stroke=RETRY_COLOUR,
            stroke_width=1.6,
            stroke_dasharray="3 2",
        ),
        el("path", d=diamond, fill=RETRY_COLOUR, stroke="#ffffff", stroke_width=1.0),
    ]


def duration_label(agent: Mapping[str, Any], row: int, layout: Layout) -> str:
    start, end = float(agent["start_s"]), bar_end(agent, layout)
    label = f"{end - start:.2f}s"
    y = layout.top(row) + layout.row_h / 2 + 4
    x_end = layout.x(end)
    if x_end + 6 + text_width(label, 10) <= WIDTH - MARGIN:
        return text(x_end + 5, y, label, font_size=10.0, fill="#57606a")
    return text(x_end - 5, y, label, font_size=10.0, fill="#ffffff", text_anchor="end")


def describe(agent: Mapping[str, Any]) -> str:
    """The tooltip text of one bar."""
    status = str(agent.get("status", "?"))
    tokens_in, tokens_out = int(agent.get("tokens_in") or 0), int(agent.get("tokens_out") or 0)
    lines = [
        f"{agent.get('name', '?')} — {STATUS_LABELS.get(status, status)}",
        f"start {seconds(agent.get('start_s'))} · end {seconds(agent.get('end_s'))}"
        f" · duration {seconds(agent.get('duration_s'))}",
        f"attempts {agent.get('attempts', 0)} · retries {len(agent.get('retries') or [])}",
        f"tokens {tokens_in:,} in / {tokens_out:,} out",
    ]
    if agent.get("queued_s") is not None:
        lines.append(f"queued at {seconds(agent.get('queued_s'))}")
    if on_critical_path(agent):
        lines.append("on the critical path")
    elif agent.get("status") == "cached":
        lines.append("cached: taken from an earlier run, not run")
    if agent.get("error"):
        lines.append(f"error: {agent['error']}")
    return "\n".join(lines)


def note_error(agent: Mapping[str, Any]) -> str:
    error = agent.get("error")
    return f" — {error}" if error else ""


def tick_label(value: float) -> str:
    return f"{value:g}s"
