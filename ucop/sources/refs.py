"""Parsing spec files (JSON or YAML, decided by parsing) and resolving their `$ref`s.

Local refs (`#/components/schemas/Task`) and relative-file refs (`common.yaml#/Error`) are
inlined. A ref that is already being resolved further up the same branch (a recursive schema)
is left as `{"$ref": ..., "x-recursive": True}`, so the result is always finite.

A spec is someone else's file: a file ref may only name a file inside the allowed folders
(`roots`, compared after resolving symlinks), and remote refs (`https://...`) are never
fetched. A ref that leaves the folders is refused with a `SourceError` naming it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

from ucop.errors import SourceError
from ucop.sources.frontmatter import YAML_ERRORS, json_safe, read_text_file, yaml_problem

# Inlining refs copies schemas; this bounds the copies so a huge spec fails clearly.
MAX_RESOLVED_NODES = 2_000_000


def parse_document(file: Path, shown: str) -> Any:
    """Parse `file` as JSON, else YAML; a syntax error names the line."""
    text = read_text_file(file)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as json_error:  # RecursionError: nested too deep
        try:
            data = yaml.safe_load(text)
        except YAML_ERRORS as yaml_error:
            if text.lstrip().startswith(("{", "[")):
                problem = _json_problem(json_error)
            else:
                problem = yaml_problem(yaml_error)
            raise SourceError(
                f"{shown}: is not valid JSON or YAML ({problem}) — fix the syntax there",
                path=shown,
            ) from yaml_error
    try:
        return json_safe(data, source=shown)
    except RecursionError:
        raise SourceError(
            f"{shown}: nested too deeply — flatten the document", path=shown
        ) from None


def _json_problem(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply to parse"
    if isinstance(error, json.JSONDecodeError):
        return f"line {error.lineno}: {error.msg}"
    return str(error)


class RefResolver:
    """Inlines `$ref`s of one root document and the files it refers to (each parsed once)."""

    def __init__(
        self, root: Path, doc: Any, shown: str, *, roots: Sequence[Path] | None = None
    ) -> None:
        """`roots`: folders file refs may point into (None: anywhere, the user opted in)."""
        self.root = root.resolve()
        self.shown = shown
        self.roots = None if roots is None else [r.resolve() for r in roots]
        self.docs: dict[Path, Any] = {self.root: doc}
        self.budget = MAX_RESOLVED_NODES

    def resolve(self, node: Any, where: Path | None = None, stack: tuple[str, ...] = ()) -> Any:
        """A copy of `node` (found in file `where`, default the root) with refs inlined."""
        where = where or self.root
        self._spend()
        if isinstance(node, list):
            return [self.resolve(item, where, stack) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return {key: self.resolve(value, where, stack) for key, value in node.items()}
        return self._follow(node, ref, where, stack)

    def _follow(self, node: dict[str, Any], ref: str, where: Path, stack: tuple[str, ...]) -> Any:
        if "://" in ref or ref.startswith("//"):
            return {**node, "x-unresolved": "remote $ref not fetched"}
        target_file, pointer = self._split(ref, where)
        key = f"{target_file}#{pointer}"
        if key in stack:
            return {"$ref": ref, "x-recursive": True}
        target = self._lookup(target_file, pointer, ref)
        resolved = self.resolve(target, target_file, (*stack, key))
        siblings = {k: self.resolve(v, where, stack) for k, v in node.items() if k != "$ref"}
        if siblings and isinstance(resolved, dict):
            return {**resolved, **siblings}
        return resolved

    def _spend(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise SourceError(
                f"{self.shown}: $refs expand to more than {MAX_RESOLVED_NODES:,} nodes"
                " — point sources.api at a smaller spec",
                path=self.shown,
            )

    def _split(self, ref: str, where: Path) -> tuple[Path, str]:
        """(file, JSON pointer) for a ref, relative file paths taken from `where`'s folder."""
        file_part, _, pointer = ref.partition("#")
        if not file_part:
            return where, pointer
        return (where.parent / unquote(file_part)).resolve(), pointer

    def _lookup(self, file: Path, pointer: str, ref: str) -> Any:
        node = self._document(file, ref)
        for raw in pointer.split("/")[1:]:
            part = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise SourceError(
                    f"{self.shown}: $ref '{ref}' points at nothing — fix the reference",
                    path=self.shown,
                )
        return node

    def _document(self, file: Path, ref: str) -> Any:
        if file not in self.docs:
            self._confine(file, ref)
            if not file.is_file():
                raise SourceError(
                    f"{self.shown}: $ref '{ref}' names a file that does not exist ({file})"
                    " — fix the reference",
                    path=self.shown,
                )
            self.docs[file] = parse_document(file, str(file))
        return self.docs[file]

    def _confine(self, file: Path, ref: str) -> None:
        """Refuse a file outside every allowed folder (`file` is already resolved)."""
        if self.roots is None or any(file.is_relative_to(root) for root in self.roots):
            return
        raise SourceError(
            f"{self.shown}: $ref '{ref}' points outside the spec's folder and the brief's"
            " sources - copy the file next to the spec, or pass --allow-outside-refs",
            path=self.shown,
        )
