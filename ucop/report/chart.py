"""A small standalone SVG line chart, e.g. benchmark speedup against max parallel agents.

Each series is drawn as one `<polyline class="series" data-series="NAME">` with a circle per
point; series named in `dashed` (by default "ideal") are drawn dashed, for reference lines.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from ucop.report.svg import document, el, fit, nice_ticks, num, text, text_width, tooltip

PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7a6fbf", "#000000")
REFERENCE_COLOUR = "#8c959f"
LEFT, TOP, BOTTOM = 64.0, 48.0, 56.0
Point = tuple[float, float]


@dataclass(frozen=True)
class Frame:
    """The plot area and its data ranges."""

    left: float
    top: float
    width: float
    height: float
    x_ticks: tuple[float, ...]
    y_ticks: tuple[float, ...]

    def x(self, value: float) -> float:
        low, high = self.x_ticks[0], self.x_ticks[-1]
        return self.left + (value - low) / (high - low) * self.width

    def y(self, value: float) -> float:
        low, high = self.y_ticks[0], self.y_ticks[-1]
        return self.top + self.height - (value - low) / (high - low) * self.height


def render_line_chart(
    series: Mapping[str, Sequence[Point]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = 720,
    height: int = 440,
    dashed: Collection[str] = ("ideal",),
) -> str:
    """A line chart with axes, ticks, a legend and marked points, as an SVG document."""
    legend_w = min(220.0, max(100.0, max((text_width(n, 12) for n in series), default=0) + 40))
    frame = make_frame(series, width - LEFT - legend_w - 16, height - TOP - BOTTOM)
    body = [text(width / 2, 26, title, text_anchor="middle", font_size=15.0, font_weight="600")]
    body.extend(axes(frame, x_label, y_label))
    # Reference lines first, so the measured series are drawn over them.
    entries = sorted(enumerate(series.items()), key=lambda entry: entry[1][0] not in dashed)
    for index, (name, points) in entries:
        colour = REFERENCE_COLOUR if name in dashed else PALETTE[index % len(PALETTE)]
        body.extend(line(name, points, frame, colour, dashed=name in dashed))
        body.extend(legend_entry(name, index, frame, colour, legend_w, dashed=name in dashed))
    if not any(series.values()):
        centre = frame.top + frame.height / 2
        body.append(text(frame.left + frame.width / 2, centre, "no data", text_anchor="middle"))
    return document(width, height, body, label=title)


def make_frame(series: Mapping[str, Sequence[Point]], width: float, height: float) -> Frame:
    """Axis ranges from the data; y starts at zero unless the data goes below it."""
    xs = [x for points in series.values() for x, _ in points] or [0.0, 1.0]
    ys = [y for points in series.values() for _, y in points] or [0.0, 1.0]
    return Frame(
        left=LEFT,
        top=TOP,
        width=width,
        height=height,
        x_ticks=tuple(nice_ticks(min(xs), max(xs), target=8)),
        y_ticks=tuple(nice_ticks(min(0.0, min(ys)), max(ys), target=6)),
    )


def axes(frame: Frame, x_label: str, y_label: str) -> list[str]:
    """Grid lines, tick labels, the axis lines and their titles."""
    bottom, right = frame.top + frame.height, frame.left + frame.width
    parts = []
    for tick in frame.x_ticks:
        x = frame.x(tick)
        parts.append(el("line", x1=x, y1=frame.top, x2=x, y2=bottom, stroke="#eaeef2"))
        parts.append(text(x, bottom + 18, num(tick), text_anchor="middle", fill="#57606a"))
    for tick in frame.y_ticks:
        y = frame.y(tick)
        parts.append(el("line", x1=frame.left, y1=y, x2=right, y2=y, stroke="#eaeef2"))
        parts.append(text(frame.left - 8, y + 4, num(tick), text_anchor="end", fill="#57606a"))
    axis_style = {"stroke": "#57606a", "stroke_width": 1.2}
    parts.append(el("line", x1=frame.left, y1=bottom, x2=right, y2=bottom, **axis_style))
    parts.append(el("line", x1=frame.left, y1=frame.top, x2=frame.left, y2=bottom, **axis_style))
    parts.append(text(frame.left + frame.width / 2, bottom + 40, x_label, text_anchor="middle"))
    middle = frame.top + frame.height / 2
    turn = f"rotate(-90 18 {num(middle)})"
    parts.append(text(18, middle, y_label, text_anchor="middle", transform=turn))
    return parts


def line(
    name: str, points: Sequence[Point], frame: Frame, colour: str, *, dashed: bool
) -> list[str]:
    """One series: the polyline and a circle with a tooltip at each point."""
    ordered = sorted(points)
    coords = " ".join(f"{num(frame.x(x))},{num(frame.y(y))}" for x, y in ordered)
    parts = [
        el(
            "polyline",
            tooltip(name),
            class_="series",
            data_series=name,
            points=coords,
            fill="none",
            stroke=colour,
            stroke_width=2.0,
            stroke_dasharray="6 4" if dashed else None,
        )
    ]
    for x, y in ordered:
        parts.append(
            el(
                "circle",
                tooltip(f"{name}: x={num(x)}, y={num(y)}"),
                class_="point",
                data_series=name,
                cx=frame.x(x),
                cy=frame.y(y),
                r=2.5 if dashed else 3.5,
                fill=colour,
                stroke="#ffffff",
                stroke_width=1.0,
            )
        )
    return parts


def legend_entry(
    name: str, index: int, frame: Frame, colour: str, width: float, *, dashed: bool
) -> list[str]:
    """A short line sample and the series name, stacked at the right of the plot."""
    x, y = frame.left + frame.width + 20, frame.top + 8 + index * 20
    sample = el(
        "line",
        x1=x,
        y1=y,
        x2=x + 22,
        y2=y,
        stroke=colour,
        stroke_width=2.0,
        stroke_dasharray="6 4" if dashed else None,
    )
    return [sample, text(x + 28, y + 4, fit(name, width - 36, 12), fill="#30363d")]
