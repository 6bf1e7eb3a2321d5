"""Prompt templates: Jinja2 files with a `system` and a `user` block, overridable by the user.

The built-in prompts live in `ucop/defaults/prompts/`. A folder given as `prompts.dir` in the config
is searched first, so a user overrides one prompt by dropping a file of the same name there.
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
        """Render the template's `system` and `user` blocks with `variables`."""
        try:
            template = self._env.get_template(f"{name}.j2")
            context = template.new_context(variables)
            system = "".join(template.blocks["system"](context)).strip()
            context = template.new_context(variables)
            user = "".join(template.blocks["user"](context)).strip()
        except KeyError as exc:
            raise ConfigError(f"prompt '{name}.j2' needs a {{% block {exc.args[0]} %}}") from None
        except self._jinja.TemplateError as exc:
            raise ConfigError(f"prompt '{name}.j2': {exc}") from None
        return system, user

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
