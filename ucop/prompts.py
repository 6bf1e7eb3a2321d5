"""Prompt templates: Jinja2 files with a `system` and a `user` block, overridable by the user.

A template may also have a `shared` block: material every call of that kind in a run shares
(the article and its plan). It is sent at the start of the user message, after the system
prompt and before the per-call part, so the two together form a prefix that providers cache
(OpenAI by itself, Anthropic at the `cache_control` breakpoint put at its end).

The built-in prompts live in `config/prompts/` (the package `ucop.defaults`). A folder given
as `prompts.dir` in the config is searched first, so a user overrides one prompt by dropping
a file of the same name there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ucop.errors import ConfigError

PROMPT_NAMES = ("outline", "introduction", "section", "conclusion", "code_explanation")


class PromptLibrary:
    """Loads, renders and fingerprints prompt templates from an ordered list of folders."""

    def __init__(self, folders: Sequence[Path]) -> None:
        import jinja2  # imported here: `ucop --help` and `ucop plan` do not need it

        for folder in folders:
            if not folder.is_dir():
                raise ConfigError(f"prompts.dir: {folder} is not a folder - fix it in the config")
        self.folders = list(folders)
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(f) for f in folders]),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
        )
        self._jinja = jinja2

    def source(self, name: str) -> str:
        """The template text (for cache keys: editing a prompt re-runs its agents)."""
        for folder in self.folders:
            path = folder / f"{name}.j2"
            if path.is_file():
                return path.read_text(encoding="utf-8")
        raise ConfigError(f"prompt '{name}.j2' not found in {', '.join(map(str, self.folders))}")

    def fingerprint(self, name: str) -> str:
        return hashlib.sha256(self.source(name).encode()).hexdigest()[:16]

    def render(self, name: str, variables: dict[str, Any]) -> tuple[str, str]:
        """Render the template's `system` and `user` blocks with `variables`.

        The user text starts with the `shared` block, when the template has one.
        """
        system, shared, user = self.render_parts(name, variables)
        return system, join_shared(shared, user)

    def render_parts(self, name: str, variables: dict[str, Any]) -> tuple[str, str, str]:
        """The `system`, `shared` ("" when the template has none) and `user` blocks."""
        try:
            template = self._env.get_template(f"{name}.j2")
            system, user = (_block(template, b, variables) for b in ("system", "user"))
            shared = _block(template, "shared", variables) if "shared" in template.blocks else ""
        except KeyError as exc:
            raise ConfigError(f"prompt '{name}.j2' needs a {{% block {exc.args[0]} %}}") from None
        except self._jinja.TemplateError as exc:
            raise ConfigError(f"prompt '{name}.j2': {exc}") from None
        return system, shared, user

    def check(self) -> list[str]:
        """Problems with any prompt (missing, unparsable or without both blocks)."""
        problems = []
        for name in PROMPT_NAMES:
            try:
                template = self._env.get_template(f"{name}.j2")
            except self._jinja.TemplateError as exc:
                problems.append(f"prompt {name}.j2: {exc}")
                continue
            missing = {"system", "user"} - set(template.blocks)
            if missing:
                problems.append(f"prompt {name}.j2: missing block(s) {', '.join(sorted(missing))}")
        return problems


SHARED_SEPARATOR = "\n\n"


def join_shared(shared: str, user: str) -> str:
    """The user message: the shared part first, then the per-call part."""
    return f"{shared}{SHARED_SEPARATOR}{user}" if shared else user


def _block(template: Any, block: str, variables: dict[str, Any]) -> str:
    """One block of `template` rendered with `variables` (KeyError when it has no such block)."""
    return "".join(template.blocks[block](template.new_context(variables))).strip()
