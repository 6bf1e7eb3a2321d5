"""The `ucop` command line: parse flags, build objects, call the library, map errors to exits.

Exit codes: 0 success, 1 a run or check failed (or the article is partial), 2 usage, config or
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

app = typer.Typer(
    name="ucop",
    help="Turn a brief and your own sources into a publish-ready technical article, "
    "with agents run in parallel.",
    no_args_is_help=True,
    add_completion=False,
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
    text = " ".join(str(exc).split()) or type(exc).__name__
    print(f"{prefix}: {text}", file=sys.stderr)


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
    help="Config file (default: ./config/main.yaml, else the shipped one).",
)
ProviderOpt = typer.Option(
    None, "--provider", help="offline, openai, anthropic, azure or a plugin's (ucop plugins)."
)
ModelOpt = typer.Option(None, "--model", help="Model name for the provider.")
BaseUrlOpt = typer.Option(
    None, "--base-url", help="API base URL (e.g. a local Ollama/vLLM server)."
)
MaxParallelOpt = typer.Option(None, "--max-parallel", help="At most N agents at once (1-256).")
MaxCostOpt = typer.Option(
    None, "--max-cost", help="Budget in US dollars: start no call that would pass it."
)
RpmOpt = typer.Option(None, "--requests-per-minute", help="Pace calls to this many per minute.")
TpmOpt = typer.Option(None, "--tokens-per-minute", help="Pace to this many tokens per minute.")
PacingOpt = typer.Option(
    None, "--pacing/--no-pacing", help="Pace to rate limits and headers, or only cap requests."
)


def pacing_flags(
    max_cost: float | None, rpm: float | None, tpm: float | None, pacing: bool | None
) -> dict[str, Any]:
    """The rate-limit and budget flags, as settings names (issue 14)."""
    return dict(max_cost=max_cost, requests_per_minute=rpm, tokens_per_minute=tpm, pacing=pacing)


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
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    if debug:
        os.environ["UCOP_DEBUG"] = "1"


@app.command()
@guarded
def generate(
    input: Path = InputOpt,
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the article and reports."),
    parallel: bool | None = typer.Option(
        None, "--parallel/--sequential", help="Run independent agents at once, or one at a time."
    ),
    max_parallel: int | None = MaxParallelOpt,
    provider: str | None = ProviderOpt,
    model: str | None = ModelOpt,
    base_url: str | None = BaseUrlOpt,
    config: str | None = ConfigOpt,
    fail_fast: bool | None = typer.Option(
        None, "--fail-fast/--keep-going", help="Stop at the first failure, or finish what can."
    ),
    timeout: float | None = typer.Option(None, "--timeout", help="Per-agent deadline, seconds."),
    retries: int | None = typer.Option(None, "--retries", help="Retries per model call."),
    deadline: float | None = typer.Option(None, "--deadline", help="Whole-run deadline, seconds."),
    max_requests: int | None = typer.Option(
        None, "--max-requests", help="Cap on requests in flight to the provider."
    ),
    site: str | None = typer.Option(
        None, "--site", help="hugo, jekyll, astro, mkdocs or a plugin's (ucop plugins)."
    ),
    run_code: bool | None = typer.Option(
        None, "--run-code/--no-run-code", help="Execute generated Python in a sandbox."
    ),
    allow_outside_refs: bool | None = typer.Option(
        None,
        "--allow-outside-refs/--confine-refs",
        help="Let the spec's $refs read files outside its folder and the brief's sources.",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an article already in --output."),
    resume: bool = typer.Option(False, "--resume", help="Reuse results of an earlier run."),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Print only errors and the article's path."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
    progress: str = typer.Option("auto", "--progress", help="auto, live, plain or quiet."),
    record: Path | None = typer.Option(
        None, "--record", help="Write every model exchange to FILE (JSON Lines, keys redacted)."
    ),
    replay: Path | None = typer.Option(
        None, "--replay", help="Answer every model call from a --record FILE; no network."
    ),
    max_cost: float | None = MaxCostOpt,
    requests_per_minute: float | None = RpmOpt,
    tokens_per_minute: float | None = TpmOpt,
    pacing: bool | None = PacingOpt,
) -> None:
    """Write the article, run.json and timeline.svg for a brief.

    Progress and the summary go to stderr; stdout gets the article's path (or, with --json,
    the summary as JSON).
    """
    from ucop.commands.generate import run_generate

    flags = dict(
        parallel=parallel,
        max_parallel=max_parallel,
        provider=provider,
        model=model,
        base_url=base_url,
        fail_fast=fail_fast,
        timeout=timeout,
        retries=retries,
        deadline=deadline,
        max_requests=max_requests,
        site=site,
        run_code=run_code,
        allow_outside_refs=allow_outside_refs,
    )
    flags |= pacing_flags(max_cost, requests_per_minute, tokens_per_minute, pacing)
    mode = "quiet" if (quiet or json_out) else progress
    code = run_generate(
        input,
        output,
        config=config,
        flags=flags,
        force=force,
        resume=resume,
        progress=mode,
        json_out=json_out,
        record=record,
        replay=replay,
        quiet=quiet,
    )
    raise typer.Exit(code)


@app.command()
@guarded
def plan(
    input: Path = InputOpt,
    config: str | None = ConfigOpt,
    max_parallel: int | None = MaxParallelOpt,
    json_out: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    provider: str | None = ProviderOpt,
    model: str | None = ModelOpt,
) -> None:
    """Show the DAG, critical path, model calls, tokens and cost; call nothing."""
    from ucop.commands.plan import run_plan

    flags = {"max_parallel": max_parallel, "provider": provider, "model": model}
    raise typer.Exit(run_plan(input, config=config, flags=flags, json_out=json_out))


@app.command()
@guarded
def bench(
    input: Path = InputOpt,
    config: str | None = ConfigOpt,
    max_parallel: int | None = MaxParallelOpt,
    provider: str | None = ProviderOpt,
    model: str | None = ModelOpt,
    base_url: str | None = BaseUrlOpt,
    latency: float | None = typer.Option(
        None, "--latency", help="Serve a loopback model with this latency (seconds) instead."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the A/B figures as JSON."),
) -> None:
    """Time the workflow sequentially, then in parallel (A/B)."""
    from ucop.commands.bench import run_bench

    flags = dict(max_parallel=max_parallel, provider=provider, model=model, base_url=base_url)
    raise typer.Exit(
        run_bench(input, config=config, flags=flags, latency=latency, json_out=json_out)
    )


@app.command()
@guarded
def verify(
    article_dir: Path | None = typer.Argument(None, help="Also check the article in this folder."),
    config: str | None = ConfigOpt,
    provider: str | None = ProviderOpt,
    json_out: bool = typer.Option(False, "--json", help="Print the checks as JSON."),
) -> None:
    """Check the installation (and an article folder); exit 0 or 1."""
    from ucop.commands.verify import run_verify

    flags = {"provider": provider}
    raise typer.Exit(run_verify(article_dir, config=config, flags=flags, json_out=json_out))


@app.command()
@guarded
def init(
    folder: Path = typer.Argument(Path("."), help="Where to write (default: this folder)."),
    force: bool = typer.Option(False, "--force", help="Overwrite files already there."),
    json_out: bool = typer.Option(False, "--json", help="Print the files written as JSON."),
) -> None:
    """Write an editable config, workflow, prompts and an example brief into FOLDER."""
    from ucop.commands.init import run_init

    raise typer.Exit(run_init(folder, force=force, json_out=json_out))


@app.command()
@guarded
def plugins(
    json_out: bool = typer.Option(False, "--json", help="Print the plugins as JSON."),
) -> None:
    """List the installed providers, sources, sites and agents, and where each comes from."""
    from ucop.commands.plugins import run_plugins

    raise typer.Exit(run_plugins(json_out=json_out))


@app.command()
@guarded
def index(
    sources: list[Path] = typer.Argument(..., help="Knowledge-base folders (or documents)."),
    url: str = typer.Option(None, "--url", help="Their public URL (the brief's sources.kb.url)."),
    json_out: bool = typer.Option(False, "--json", help="Print what each refresh did as JSON."),
) -> None:
    """Build or refresh the search index of each knowledge-base folder, ahead of a run."""
    from ucop.commands.index import run_index

    raise typer.Exit(run_index(sources, url=url, json_out=json_out))


cache_app = typer.Typer(
    name="cache",
    help="The resume cache: where it is, how big, and clearing it.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(cache_app)


@cache_app.command("info")
@guarded
def cache_info(
    json_out: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Where the cache is, how many entries it holds and its size."""
    from ucop.commands.cache import run_cache

    raise typer.Exit(run_cache("info", json_out=json_out))


@cache_app.command("clear")
@guarded
def cache_clear(
    json_out: bool = typer.Option(False, "--json", help="Print what was removed as JSON."),
) -> None:
    """Delete every cached result and measured duration."""
    from ucop.commands.cache import run_cache

    raise typer.Exit(run_cache("clear", json_out=json_out))


@app.command()
@guarded
def batch(
    briefs: Path = typer.Argument(..., help="A folder of briefs (*.md); one article each."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for one subfolder per brief."),
    executor: str = typer.Option(
        "threads", "--executor", help="threads, processes, dask or dask-processes."
    ),
    scheduler: str | None = typer.Option(
        None,
        "--scheduler",
        help="Dask scheduler address (tcp://host:8786); default: local cluster.",
    ),
    workers: int | None = typer.Option(
        None, "--workers", help="Articles at once / local Dask workers."
    ),
    max_requests: int | None = typer.Option(
        None, "--max-requests", help="Cap on model requests in flight across the whole batch."
    ),
    provider: str | None = ProviderOpt,
    model: str | None = ModelOpt,
    base_url: str | None = BaseUrlOpt,
    max_parallel: int | None = MaxParallelOpt,
    config: str | None = ConfigOpt,
    resume: bool = typer.Option(False, "--resume", help="Skip briefs whose article is done."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing articles."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Show only the summary."),
    json_out: bool = typer.Option(False, "--json", help="Print the batch summary as JSON."),
    max_cost: float | None = MaxCostOpt,
    requests_per_minute: float | None = RpmOpt,
    tokens_per_minute: float | None = TpmOpt,
    pacing: bool | None = PacingOpt,
) -> None:
    """One article per brief, on threads, processes or Dask."""
    from ucop.commands.batch import run_batch

    flags = dict(provider=provider, model=model, base_url=base_url, max_parallel=max_parallel)
    flags |= pacing_flags(max_cost, requests_per_minute, tokens_per_minute, pacing)
    code = run_batch(
        briefs,
        output,
        executor=executor,
        scheduler=scheduler,
        workers=workers,
        max_requests=max_requests,
        config=config,
        flags=flags,
        resume=resume,
        force=force,
        quiet=quiet,
        json_out=json_out,
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
