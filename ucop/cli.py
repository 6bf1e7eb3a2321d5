"""The `ucop` command line: parse flags, build objects, call the library, map errors to exits.

Exit codes: 0 success (status ok or degraded), 1 a run or check failed (or the article is
partial, or every model answer was replaced: see ucop.report.status), 2 usage, config or
input error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM, handled like Ctrl-C). Errors are
one line on stderr; `--debug` or UCOP_DEBUG=1 shows the traceback (never with local variables,
which may hold keys).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from ucop import __version__
from ucop.commands.choices import UcopCommand, completer
from ucop.commands.run_flags import RunFlags, with_run_flags
from ucop.run_settings import RunSettings

app = typer.Typer(
    name="ucop",
    help="Turn a brief and your own sources into a publish-ready technical article, "
    "with agents run in parallel.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, pwsh)
    pretty_exceptions_enable=False,
    # Plain Click help: Rich-formatted help would import rich.markdown and markdown-it on
    # every `--help`, doubling start-up time. The live table still uses Rich.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _report(exc: BaseException, bug: bool = False) -> None:
    if os.environ.get("UCOP_DEBUG"):
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__)
    prefix = "internal error (please report it; --debug shows the traceback)" if bug else "error"
    from ucop.errors import one_line

    print(f"{prefix}: {one_line(exc)}", file=sys.stderr)


def guarded(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command body, turning ucop's errors into one line on stderr and an exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ucop import signals
        from ucop.errors import Interrupted, UcopError

        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except Interrupted as exc:
            print(f"error: {signals.describe(str(exc))}", file=sys.stderr)
            raise typer.Exit(signals.exit_code()) from None
        except UcopError as exc:
            _report(exc)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            print(f"error: {signals.describe('interrupted')}", file=sys.stderr)
            raise typer.Exit(signals.exit_code()) from None
        except Exception as exc:  # noqa: BLE001 - a bug: one line unless --debug
            _report(exc, bug=True)
            raise typer.Exit(1) from None

    return wrapper


InputOpt = typer.Option(
    ..., "--input", "-i", help="The brief (Markdown with front matter); - reads standard input."
)
ConfigOpt = typer.Option(
    None,
    "--config",
    envvar="UCOP_CONFIG",
    dir_okay=False,
    help="Config file (default: ./config/main.yaml, else the shipped one).",
)
ProviderOpt = typer.Option(
    None,
    "--provider",
    help="Who writes: {choices}. [env var: UCOP_PROVIDER]",
    autocompletion=completer("provider"),
)
ModelOpt = typer.Option(None, "--model", help="Model name for the provider.")
BaseUrlOpt = typer.Option(
    None, "--base-url", help="API base URL (e.g. a local Ollama/vLLM server)."
)
MaxParallelOpt = typer.Option(None, "--max-parallel", help="At most N agents at once (1-256).")


def _path(value: Path | None) -> str | None:
    return str(value) if value is not None else None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ucop {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        callback=_version,
        is_eager=True,
        help="Show the version and exit.",
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show tracebacks for errors. [env var: UCOP_DEBUG=1]"
    ),
) -> None:
    if debug:
        os.environ["UCOP_DEBUG"] = "1"


@app.command(cls=UcopCommand)
@guarded
@with_run_flags
def generate(
    input: Path = InputOpt,
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the article and reports."),
    run: RunFlags = None,  # type: ignore[assignment]  # the shared run flags
) -> None:
    """Write the article, run.json and timeline.svg for a brief.

    Progress and the summary go to stderr; stdout gets the article's path (or, with --json,
    the summary as JSON).
    """
    from ucop.commands.generate import run_generate

    check_output_flag(output)
    code = run_generate(
        input,
        output,
        config=run.config,
        flags=run.settings,
        force=run.force,
        resume=run.resume,
        progress=run.mode,
        json_out=run.json_out,
        record=run.record,
        replay=run.replay,
        quiet=run.quiet,
    )
    raise typer.Exit(code)


def check_output_flag(output: Path) -> None:
    """`-o -` would make a folder named '-': refuse it (stdout already gets the path)."""
    from ucop.errors import UsageError

    if str(output) == "-":
        raise UsageError("--output -: give a folder; the article's path is printed on stdout")


@app.command(cls=UcopCommand)
@guarded
def plan(
    input: Path = InputOpt,
    config: Path | None = ConfigOpt,
    max_parallel: int | None = MaxParallelOpt,
    json_out: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    provider: str | None = ProviderOpt,
    model: str | None = ModelOpt,
) -> None:
    """Show the DAG, critical path, model calls, tokens and cost; call nothing."""
    from ucop.commands.plan import run_plan

    flags: RunSettings = {"max_parallel": max_parallel, "provider": provider, "model": model}
    raise typer.Exit(run_plan(input, config=_path(config), flags=flags, json_out=json_out))


@app.command(cls=UcopCommand)
@guarded
def bench(
    input: Path = InputOpt,
    config: Path | None = ConfigOpt,
    max_parallel: int | None = MaxParallelOpt,
    provider: str | None = ProviderOpt,
    model: str | None = ModelOpt,
    base_url: str | None = BaseUrlOpt,
    latency: float | None = typer.Option(
        None,
        "--latency",
        min=0.0,
        help="Serve a loopback model with this latency (seconds, 0 or more) instead.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the A/B figures as JSON."),
) -> None:
    """Time the workflow sequentially, then in parallel (A/B)."""
    from ucop.commands.bench import run_bench

    flags: RunSettings = {
        "max_parallel": max_parallel,
        "provider": provider,
        "model": model,
        "base_url": base_url,
    }
    raise typer.Exit(
        run_bench(input, config=_path(config), flags=flags, latency=latency, json_out=json_out)
    )


@app.command(cls=UcopCommand)
@guarded
def verify(
    article_dir: Path | None = typer.Argument(
        None,
        metavar="DIR",
        help="Also check the article in this folder (a batch folder: each of its articles).",
    ),
    config: Path | None = ConfigOpt,
    provider: str | None = ProviderOpt,
    json_out: bool = typer.Option(False, "--json", help="Print the checks as JSON."),
) -> None:
    """Check the installation (and an article folder); exit 0 or 1."""
    from ucop.commands.verify import run_verify

    flags: RunSettings = {"provider": provider}
    raise typer.Exit(run_verify(article_dir, config=_path(config), flags=flags, json_out=json_out))


@app.command(cls=UcopCommand)
@guarded
def init(
    folder: Path = typer.Argument(
        Path("."), metavar="DIR", help="Where to write (default: this folder)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite files already there."),
    json_out: bool = typer.Option(False, "--json", help="Print the files written as JSON."),
) -> None:
    """Write an editable config, workflow, prompts and an example brief into FOLDER."""
    from ucop.commands.init import run_init

    raise typer.Exit(run_init(folder, force=force, json_out=json_out))


@app.command(cls=UcopCommand)
@guarded
def plugins(
    json_out: bool = typer.Option(False, "--json", help="Print the plugins as JSON."),
) -> None:
    """List the installed providers, sources, sites, agents and executors, and where from."""
    from ucop.commands.plugins import run_plugins

    raise typer.Exit(run_plugins(json_out=json_out))


@app.command(cls=UcopCommand)
@guarded
def logs(
    count: int = typer.Option(10, "-n", "--count", help="How many runs, newest first."),
    model: str | None = typer.Option(None, "-m", "--model", help="Only runs of this model."),
    json_out: bool = typer.Option(False, "--json", help="Print the runs and calls as JSON."),
) -> None:
    """The last runs from the history (UCOP_DATA_DIR, else the user data folder)."""
    from ucop.commands.logs import run_logs

    raise typer.Exit(run_logs(count, model=model, json_out=json_out))


@app.command(cls=UcopCommand)
@guarded
def models(
    config: Path | None = ConfigOpt,
    provider: str | None = ProviderOpt,
    base_url: str | None = BaseUrlOpt,
    json_out: bool = typer.Option(False, "--json", help="Print the models as JSON."),
) -> None:
    """The models the configured provider's server offers (its GET /models)."""
    from ucop.commands.models import run_models

    flags: RunSettings = {"provider": provider, "base_url": base_url}
    raise typer.Exit(run_models(config=_path(config), flags=flags, json_out=json_out))


@app.command(cls=UcopCommand)
@guarded
def index(
    sources: list[Path] = typer.Argument(..., help="Knowledge-base folders (or documents)."),
    url: str = typer.Option(None, "--url", help="Their public URL (the brief's sources.kb.url)."),
    json_out: bool = typer.Option(False, "--json", help="Print what each refresh did as JSON."),
    full: bool = typer.Option(
        False, "--full", help="Parse every document now (a large KB is otherwise parsed lazily)."
    ),
) -> None:
    """Build or refresh the search index of each knowledge-base folder, ahead of a run."""
    from ucop.commands.index import run_index

    raise typer.Exit(run_index(sources, url=url, json_out=json_out, full=full or None))


cache_app = typer.Typer(
    name="cache",
    help="The resume cache: where it is, how big, and clearing it.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(cache_app)


@cache_app.command("info", cls=UcopCommand)
@guarded
def cache_info(
    json_out: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Where the cache is, how many entries it holds and its size."""
    from ucop.commands.cache import run_cache

    raise typer.Exit(run_cache("info", json_out=json_out))


@cache_app.command("clear", cls=UcopCommand)
@guarded
def cache_clear(
    json_out: bool = typer.Option(False, "--json", help="Print what was removed as JSON."),
) -> None:
    """Delete every cached result and measured duration."""
    from ucop.commands.cache import run_cache

    raise typer.Exit(run_cache("clear", json_out=json_out))


@app.command(cls=UcopCommand)
@guarded
@with_run_flags
def batch(
    briefs: Path = typer.Argument(
        ..., metavar="BRIEFS", help="A folder of briefs (*.md); one article each."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for one subfolder per brief."),
    executor: str = typer.Option(
        "threads",
        "--executor",
        help="Where articles run: {choices}.",
        autocompletion=completer("executor"),
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Dask scheduler address (tcp://host:8786); default: local cluster.",
    ),
    workers: int | None = typer.Option(
        None, "--workers", help="Articles at once / local Dask workers."
    ),
    run: RunFlags = None,  # type: ignore[assignment]  # the shared run flags
) -> None:
    """One article per brief, on threads, processes or Dask: `generate` times N."""
    from ucop.commands.batch import run_batch

    check_output_flag(output)
    flags = run.settings.copy()
    max_requests = flags.pop("max_requests", None)
    code = run_batch(
        briefs,
        output,
        executor=executor,
        scheduler=scheduler,
        workers=workers,
        max_requests=max_requests,
        config=run.config,
        flags=flags,
        resume=run.resume,
        force=run.force,
        quiet=run.quiet,
        json_out=run.json_out,
        progress=run.mode,
        record=run.record,
        replay=run.replay,
    )
    raise typer.Exit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point for the console script and `python -m ucop`.

    Flag mistakes (unknown option, missing value) are one line on stderr and exit 2, like
    every other usage error, instead of Click's three-line usage block.
    """
    from ucop import signals

    signals.install()
    try:
        code = app(args=argv, prog_name="ucop", standalone_mode=False)
    except _CLICK_USAGE_ERROR as exc:
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            print(ctx.get_help(), file=sys.stderr)
            sys.exit(2)
        command = ctx.command_path if ctx is not None else "ucop"
        message = getattr(exc, "format_message", exc.__str__)()  # names the flag
        print(f"error: {message} (see '{command} -h')", file=sys.stderr)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        print(f"error: {signals.describe('interrupted')}", file=sys.stderr)
        sys.exit(signals.exit_code())
    sys.exit(code if isinstance(code, int) else 0)


# Click's UsageError, whether Typer vendors Click (0.2x) or depends on it
_CLICK_USAGE_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)


if __name__ == "__main__":
    main()
