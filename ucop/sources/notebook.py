"""Jupyter notebooks (`.ipynb`) to Markdown: markdown cells as they are, code cells as fences.

The notebook is JSON (nbformat 4): a list of cells, each with a `cell_type` and a `source`
(a string or a list of lines). Markdown cells are kept as written, code cells become fenced
blocks in the notebook's language (`metadata.language_info.name`, else the kernel's), and
outputs, attachments and raw cells are dropped: they are results, not documentation.
"""

from __future__ import annotations

import json
from typing import Any

from ucop.errors import SourceError
from ucop.sources import mdwrite as md


def notebook_to_markdown(text: str, source: str = "") -> str:
    """The Markdown of a notebook; raises SourceError when the file is not one we can read."""
    data = _load(text, source)
    language = notebook_language(data)
    blocks = []
    for cell in data.get("cells") or []:
        if not isinstance(cell, dict):
            continue
        body = cell_source(cell.get("source"))
        if cell.get("cell_type") == "markdown":
            blocks.append(body)
        elif cell.get("cell_type") == "code" and body.strip():
            blocks.append(md.code_fence(body, language or md.guess_language(body)))
    return md.join_blocks(blocks) + "\n"


def _load(text: str, source: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise _not_a_notebook(source, f"not valid JSON{where}") from exc
    except RecursionError as exc:
        raise _not_a_notebook(source, "JSON nested too deeply") from exc
    if not isinstance(data, dict) or not isinstance(data.get("cells", []), list):
        raise _not_a_notebook(source, "no list of cells")
    if data.get("nbformat", 4) != 4:
        raise _not_a_notebook(source, f"nbformat {data.get('nbformat')} (only 4 is read)")
    return data


def _not_a_notebook(source: str, why: str) -> SourceError:
    return SourceError(
        f"{source}: not a Jupyter notebook we can read: {why} — re-save it from Jupyter"
        " or remove it from the knowledge base",
        path=source,
    )


def cell_source(value: Any) -> str:
    """A cell's `source`: nbformat allows one string or a list of line strings."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(part for part in value if isinstance(part, str))
    return ""


def notebook_language(data: dict[str, Any]) -> str:
    """The notebook's programming language, lower-case ('' when it does not say)."""
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        block = meta.get(key) if isinstance(meta, dict) else None
        if isinstance(block, dict) and isinstance(block.get(field), str):
            return block[field].strip().lower()
    return ""
