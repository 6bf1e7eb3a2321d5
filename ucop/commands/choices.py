"""Flag values that come from a registry (providers, sites, executors, progress modes),
and the command class that fills them into `-h`.

The names are looked up when they are needed, not when the CLI is imported: `-h` fills each
`{choices}` in a flag's help with the registry's names, plugins' included, and shell
completion offers them. Importing the registries costs about half a second (the providers
import httpx), which every command would otherwise pay before parsing its flags.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from typer.core import TyperCommand


def _providers() -> list[str]:
    from ucop.providers import available

    return available()


def _sites() -> list[str]:
    from ucop.article.sites import available

    return available()


def _executors() -> list[str]:
    from ucop.batch.runner import SESSIONS

    return list(SESSIONS)


def _progress() -> list[str]:
    from ucop.ui.progress import MODES

    return list(MODES)


REGISTRIES: dict[str, Callable[[], list[str]]] = {
    "provider": _providers,
    "site": _sites,
    "executor": _executors,
    "progress": _progress,
}


def names(flag: str) -> list[str]:
    """The registered names for the parameter `flag` (provider, site, executor, progress)."""
    return REGISTRIES[flag]()


def completer(flag: str) -> Callable[[str], list[str]]:
    """Shell completion for `flag`: the registered names that start with what was typed."""

    def complete(incomplete: str) -> list[str]:
        return [n for n in names(flag) if n.startswith(incomplete)]

    return complete


def fill_help(params: list[Any]) -> None:
    """Replace `{choices}` in each registry flag's help with its names, as registered now."""
    for param in params:
        template = getattr(param, "ucop_help", None) or getattr(param, "help", None)
        if template and "{choices}" in template and param.name in REGISTRIES:
            param.ucop_help = template  # the command object may be reused (tests, completion)
            param.help = template.replace("{choices}", ", ".join(names(param.name)))


class UcopCommand(TyperCommand):
    """Usage lines in Click's form, `ucop batch [OPTIONS] BRIEFS`, not Typer's `{BRIEFS}`."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        fill_help(self.params)  # the registries' names, plugins' included, only for -h
        super().format_help(ctx, formatter)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = super().collect_usage_pieces(ctx)
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]
