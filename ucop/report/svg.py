"""Tiny helpers for the report files: SVG by hand (escaping, elements, nice ticks, atomic
write). The number formats the timeline shares with the terminal summary are `ucop.numbers`.

Everything returns strings; a document is a list of element strings joined by `document()`.
No external CSS, scripts or fonts, so the files open anywhere, including offline.
"""

from __future__ import annotations

import html
import math
import os
import re
from pathlib import Path

FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"

# XML 1.0 forbids most control characters even when escaped; provider errors can contain them.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def esc(value: object) -> str:
    """`value` as text safe inside an XML element or a double-quoted attribute."""
    return html.escape(_ILLEGAL_XML.sub("", str(value)), quote=True)


def num(value: float) -> str:
    """A coordinate or tick value with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def attrs(**kwargs: object) -> str:
    """Attribute text: `class_` gives `class`, `data_agent` gives `data-agent`; None is left out."""
    parts = []
    for key, value in kwargs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        shown = num(value) if isinstance(value, float) else esc(value)
        parts.append(f'{name}="{shown}"')
    return " ".join(parts)


def el(tag: str, *children: str, **kwargs: object) -> str:
    """One element; children are already-rendered strings (use `esc` for text)."""
    head = f"<{tag} {attrs(**kwargs)}".rstrip()
    if not children:
        return head + "/>"
    return head + ">" + "".join(children) + f"</{tag}>"


def text(x: float, y: float, content: str, **kwargs: object) -> str:
    """A `<text>` element holding escaped `content`."""
    return el("text", esc(content), x=float(x), y=float(y), **kwargs)


def tooltip(content: str) -> str:
    """A `<title>` child: browsers show it when the pointer rests on the parent."""
    return el("title", esc(content))


def text_width(content: str, font_size: float) -> float:
    """A rough width in pixels for a sans-serif string (no font metrics are available)."""
    return len(content) * font_size * 0.58


def fit(content: str, width: float, font_size: float) -> str:
    """`content` cut with an ellipsis so it takes at most about `width` pixels."""
    limit = max(1, int(width / (font_size * 0.58)))
    return content if len(content) <= limit else content[: max(0, limit - 1)] + "…"


def document(width: float, height: float, body: list[str], *, label: str = "") -> str:
    """A complete SVG document with a white background."""
    root = attrs(
        xmlns="http://www.w3.org/2000/svg",
        width=float(width),
        height=float(height),
        viewBox=f"0 0 {num(width)} {num(height)}",
        font_family=FONT_FAMILY,
        font_size=12.0,
        role="img",
        aria_label=label or None,
    )
    background = el("rect", x=0.0, y=0.0, width=float(width), height=float(height), fill="#ffffff")
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<svg {root}>", background, *body, "</svg>"]
    return "\n".join(lines) + "\n"


def nice_step(span: float, target: int) -> float:
    """A step of 1, 2, 2.5 or 5 times a power of ten giving about `target` intervals."""
    raw = max(span, 1e-9) / max(target, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * power:
            return factor * power
    return 10.0 * power


def nice_ticks(low: float, high: float, target: int = 8) -> list[float]:
    """Evenly spaced round tick values covering [low, high], ends included."""
    if high <= low:
        high = low + 1.0
    step = nice_step(high - low, target)
    first = math.floor(low / step + 1e-9) * step
    count = math.ceil((high - first) / step - 1e-9)
    return [round(first + i * step, 10) for i in range(count + 1)]


def write_svg(path: str | os.PathLike[str], content: str) -> Path:
    """Write `content` to `path` atomically (see `ucop.files.atomic_write_text`)."""
    from ucop.files import atomic_write_text

    target = Path(path)
    atomic_write_text(target, content)
    return target
