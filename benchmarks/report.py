"""Benchmark output: Markdown tables for the terminal and the docs, JSON, and the SVG plot."""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ucop.report.chart import render_line_chart
from ucop.report.svg import write_svg

Column = tuple[str, str, Callable[[Any], str]]  # (key, header, format)


def fixed(digits: int) -> Callable[[Any], str]:
    return lambda value: "–" if value is None else f"{value:.{digits}f}"


def ms(value: Any) -> str:
    """Seconds shown as milliseconds."""
    return "–" if value is None else f"{value * 1000:.1f}"


def plain(value: Any) -> str:
    return "–" if value is None else str(value)


def check(value: Any) -> str:
    return "–" if value is None else ("yes" if value else "NO")


def table(rows: Iterable[Mapping[str, Any]], columns: Sequence[Column]) -> str:
    """A Markdown pipe table, padded so it also reads well in a terminal."""
    cells = [[fmt(r.get(key)) for key, _, fmt in columns] for r in rows]
    headers = [header for _, header, _ in columns]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    lines = [_line(headers, widths), _line(["-" * w for w in widths], widths)]
    lines.extend(_line(c, widths, right=True) for c in cells)
    return "\n".join(lines)


def _line(cells: Sequence[str], widths: Sequence[int], right: bool = False) -> str:
    padded = [
        c.rjust(w) if right and i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))
    ]
    return "| " + " | ".join(padded) + " |"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import os

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def write_json(path: Path, payload: Mapping[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": machine(), **payload}, indent=2) + "\n")
    return path


def speedup_chart(
    measured: Mapping[str, Sequence[tuple[float, float]]],
    ideal: Mapping[str, Sequence[tuple[float, float]]],
    *,
    title: str,
) -> str:
    """Speedup against max_parallel: one solid series per measurement, dashed references."""
    series = {**measured, **ideal}
    return render_line_chart(
        series,
        title=title,
        x_label="max_parallel (agents at once)",
        y_label="speedup over sequential (×)",
        dashed=set(ideal),
    )


def write_chart(path: Path, svg: str) -> Path:
    return write_svg(path, svg)
