"""The run flags `generate` and `batch` share, defined once: a batch is `generate` times N.

`with_run_flags` adds every flag below to a Typer command's signature and hands the command
one `RunFlags` value instead, so both commands take the same flags with the same help, the
same environment variables and the same meaning, and a new run flag reaches both at once.
The settings among them are `ucop.run_settings.RunSettings`: their names and types come from
there (the flag's help and spelling are written here), and a name one side has and the other
lacks stops the import.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast, get_type_hints

import typer

from ucop.commands.choices import completer
from ucop.run_settings import RunSettings

# The type of a run setting's flag is the one `RunSettings` declares for it.
_SETTING: Any = object()

# name -> (type, typer.Option): the run settings (ucop.run_settings) with a flag, then how
# the run starts and what it shows.
_OPTIONS: dict[str, tuple[Any, Any]] = {
    "config": (
        Path | None,
        typer.Option(
            None,
            "--config",
            envvar="UCOP_CONFIG",
            exists=False,
            dir_okay=False,
            help="Config file (default: ./config/main.yaml, else the shipped one).",
        ),
    ),
    "provider": (
        _SETTING,
        typer.Option(
            None,
            "--provider",
            help="Who writes: {choices} (offline calls no model; `ucop plugins` says where "
            "each comes from). [env var: UCOP_PROVIDER]",
            autocompletion=completer("provider"),
        ),
    ),
    "model": (
        _SETTING,
        typer.Option(None, "--model", help="Model name for the provider. [env var: UCOP_MODEL]"),
    ),
    "base_url": (
        _SETTING,
        typer.Option(None, "--base-url", help="API base URL (e.g. a local Ollama/vLLM server)."),
    ),
    "parallel": (
        _SETTING,
        typer.Option(
            None,
            "--parallel/--sequential",
            help="Run independent agents at once, or one at a time.",
        ),
    ),
    "max_parallel": (
        _SETTING,
        typer.Option(
            None,
            "--max-parallel",
            help="At most N agents at once per article (1-256). [env var: UCOP_MAX_PARALLEL]",
        ),
    ),
    "max_requests": (
        _SETTING,
        typer.Option(
            None,
            "--max-requests",
            help="Cap on model requests in flight (a batch: across all its articles). "
            "[env var: UCOP_MAX_REQUESTS]",
        ),
    ),
    "fail_fast": (
        _SETTING,
        typer.Option(
            None, "--fail-fast/--keep-going", help="Stop at the first failure, or finish what can."
        ),
    ),
    "timeout": (
        _SETTING,
        typer.Option(
            None, "--timeout", help="Per-agent deadline, seconds. [env var: UCOP_TIMEOUT]"
        ),
    ),
    "retries": (
        _SETTING,
        typer.Option(None, "--retries", help="Retries per model call. [env var: UCOP_RETRIES]"),
    ),
    "deadline": (
        _SETTING,
        typer.Option(
            None, "--deadline", help="Whole-run deadline, seconds. [env var: UCOP_DEADLINE]"
        ),
    ),
    "site": (
        _SETTING,
        typer.Option(
            None,
            "--site",
            help="Front matter for a static site: {choices}.",
            autocompletion=completer("site"),
        ),
    ),
    "run_code": (
        _SETTING,
        typer.Option(
            None, "--run-code/--no-run-code", help="Execute generated Python in a sandbox."
        ),
    ),
    "allow_outside_refs": (
        _SETTING,
        typer.Option(
            None,
            "--allow-outside-refs/--confine-refs",
            help="Let the spec's $refs read files outside its folder and the brief's sources.",
        ),
    ),
    "max_cost": (
        _SETTING,
        typer.Option(
            None,
            "--max-cost",
            help="Budget in US dollars: start no call that would pass it. [env var: UCOP_MAX_COST]",
        ),
    ),
    "requests_per_minute": (
        _SETTING,
        typer.Option(
            None,
            "--requests-per-minute",
            help="Pace calls to this many per minute. [env var: UCOP_RPM]",
        ),
    ),
    "tokens_per_minute": (
        _SETTING,
        typer.Option(
            None,
            "--tokens-per-minute",
            help="Pace to this many tokens per minute. [env var: UCOP_TPM]",
        ),
    ),
    "pacing": (
        _SETTING,
        typer.Option(
            None,
            "--pacing/--no-pacing",
            help="Pace to rate limits and headers, or only cap requests.",
        ),
    ),
    # not settings: how the run starts and what it shows
    "force": (bool, typer.Option(False, "--force", help="Overwrite articles already there.")),
    "resume": (
        bool,
        typer.Option(False, "--resume", help="Reuse finished work of an earlier run."),
    ),
    "quiet": (
        bool,
        typer.Option(False, "--quiet", "-q", help="Print only errors and the articles' paths."),
    ),
    "json_out": (bool, typer.Option(False, "--json", help="Print a JSON summary on stdout.")),
    "progress": (
        str,
        typer.Option(
            "auto",
            "--progress",
            help="How progress is shown: {choices}.",
            autocompletion=completer("progress"),
        ),
    ),
    "record": (
        Path | None,
        typer.Option(
            None,
            "--record",
            dir_okay=False,
            help="Write every model exchange to FILE (JSON Lines, keys redacted; a batch "
            "writes FILE-<brief>.jsonl per brief).",
        ),
    ),
    "replay": (
        Path | None,
        typer.Option(
            None,
            "--replay",
            dir_okay=False,
            help="Answer every model call from a --record FILE; no network.",
        ),
    ),
}
_NOT_SETTINGS = ("config", "force", "resume", "quiet", "json_out", "progress", "record", "replay")
_NO_FLAG = ("api_version",)  # set in the config, or by the provider's own variable


def _typed(options: dict[str, tuple[Any, Any]]) -> dict[str, tuple[Any, Any]]:
    """Fill in each setting flag's type from `RunSettings`; refuse a name it does not have."""
    hints = get_type_hints(RunSettings)
    flagged = {name for name, (kind, _) in options.items() if kind is _SETTING}
    if flagged | set(_NO_FLAG) != set(hints) or set(options) - flagged != set(_NOT_SETTINGS):
        raise AssertionError("run_flags: the setting flags and RunSettings disagree")
    return {n: (hints[n] if k is _SETTING else k, opt) for n, (k, opt) in options.items()}


_OPTIONS = _typed(_OPTIONS)


@dataclass(frozen=True)
class RunFlags:
    """What the shared flags said: settings flags (None when not given) and how to run."""

    settings: RunSettings
    config: str | None
    force: bool
    resume: bool
    quiet: bool
    json_out: bool
    progress: str
    record: Path | None
    replay: Path | None

    @property
    def mode(self) -> str:
        """The progress mode: quiet with -q or --json, else --progress."""
        return "quiet" if (self.quiet or self.json_out) else self.progress


def with_run_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give `command` every run flag; it receives them as `run: RunFlags`."""
    signature = inspect.signature(command)
    own = [p for p in signature.parameters.values() if p.name != "run"]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind)
        for name, (kind, option) in _OPTIONS.items()
    ]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in _OPTIONS}
        config = given.pop("config")
        run = RunFlags(
            settings=cast(RunSettings, {k: v for k, v in given.items() if k not in _NOT_SETTINGS}),
            config=str(config) if config is not None else None,
            **{k: given[k] for k in _NOT_SETTINGS if k != "config"},
        )
        return command(*args, run=run, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
    hints = {k: v for k, v in getattr(command, "__annotations__", {}).items() if k != "run"}
    wrapper.__annotations__ = {**hints, **{n: kind for n, (kind, _) in _OPTIONS.items()}}
    return wrapper
