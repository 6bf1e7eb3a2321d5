"""How figures read, the same in the terminal summary and the SVG reports.

    seconds(1.5) -> "1.50s"    ratio(2) -> "2.00×"    percent(0.5) -> "50%"
    plain_number(3) -> "3.00"  anything not a number (None, a string, a bool) -> "—"

Both `ucop.ui` and `ucop.report` use these, so they live below both.
"""

from __future__ import annotations


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def seconds(value: object) -> str:
    return f"{value:.2f}s" if is_number(value) else "—"


def plain_number(value: object) -> str:
    return f"{value:.2f}" if is_number(value) else "—"


def ratio(value: object) -> str:
    return f"{value:.2f}×" if is_number(value) else "—"


def percent(value: object) -> str:
    return f"{value:.0%}" if is_number(value) else "—"
