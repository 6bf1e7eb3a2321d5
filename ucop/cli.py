"""The `ucop` command line: parse flags, build objects, call the library, map errors to exits.

Exit codes: 0 success, 1 a run or check failed (or the article is partial), 2 usage, config or
input error, 130 interrupted. Errors are one line on stderr; `--debug` or UCOP_DEBUG=1 shows
the traceback (never with local variables, which may hold keys).
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
        from ucop.errors import UcopError

        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except UcopError as exc:
            _report(exc)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            raise typer.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - a bug: one line unless --debug
            _report(exc, bug=True)
            raise typer.Exit(1) from None

    return wrapper


InputOpt = typer.Option(..., "--input", "-i", help="The brief (Markdown with front matter).")
ConfigOpt = typer.Option(None, "--config", help="Config file (default: ./config/main.yaml).")
ProviderOpt = typer.Option(None, "--provider", help="offline, openai or anthropic.")
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
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
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
    site: str | None = typer.Option(None, "--site", help="hugo, jekyll, astro or mkdocs."),
    run_code: bool | None = typer.Option(
        None, "--run-code/--no-run-code", help="Execute generated Python in a sandbox."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an article already in --output."),
    resume: bool = typer.Option(False, "--resume", help="Reuse results of an earlier run."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Show only the summary."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
    progress: str = typer.Option("auto", "--progress", help="auto, live, plain or quiet."),
    max_cost: float | None = MaxCostOpt,
    requests_per_minute: float | None = RpmOpt,
    tokens_per_minute: float | None = TpmOpt,
    pacing: bool | None = PacingOpt,
) -> None:
    """Write the article, run.json and timeline.svg for a brief."""
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
) -> None:
    """Check the installation (and an article folder); exit 0 or 1."""
    from ucop.commands.verify import run_verify

    raise typer.Exit(run_verify(article_dir, config=config, flags={"provider": provider}))


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
    """Entry point for the console script and `python -m ucop`."""
    app(args=argv, prog_name="ucop")


if __name__ == "__main__":
    main()
