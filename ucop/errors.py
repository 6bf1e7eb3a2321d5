"""Every error ucop raises on purpose, under one root.

    UcopError                      exit 1 unless a subclass says otherwise
    ├── UsageError                 exit 2: the user can fix the input and run again
    │   ├── ConfigError            config file or flag values (lists each problem)
    │   ├── BriefError             the brief: missing, empty, binary, bad front matter
    │   ├── SourceError            a source folder or API spec that cannot be used
    │   ├── WorkflowError          cycles, unknown or duplicate agents
    │   └── OutputError            output path unusable, or would clobber an article
    ├── ProviderError              a model call failed (carries provider and status)
    │   ├── TransientError         worth retrying (network, timeout, 408/409/429/5xx)
    │   │   ├── RateLimited        429, with the server's Retry-After when it gave one
    │   │   └── UnusableOutput     the model answered, but not in a usable shape
    │   └── PermanentError         other 4xx: retrying cannot help
    │       └── BudgetExceeded     the next call would pass --max-cost: not started
    ├── AgentError                 an agent body raised (carries the agent name)
    ├── WriteFailed                outputs could not be written (disk full, quota); none were
    └── Interrupted                Ctrl-C (exit 130)

Messages say what happened and how to fix it, on one line, and never contain an API key.
"""

from __future__ import annotations

from collections.abc import Iterable


class UcopError(Exception):
    """Root of ucop's own errors; `exit_code` is what the CLI exits with."""

    exit_code = 1


class UsageError(UcopError):
    """Bad input the user can correct: exit code 2."""

    exit_code = 2


class ConfigError(UsageError):
    """Config problems, each reported as `location: message`."""

    def __init__(self, problems: Iterable[str] | str, source: str = "config") -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        super().__init__(f"{source}: " + "; ".join(self.problems))


class BriefError(UsageError):
    """The brief cannot be read or parsed."""


class SourceError(UsageError):
    """A source folder, document or API spec cannot be used."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        super().__init__(message)


class WorkflowError(UsageError):
    """The workflow is not a valid DAG of registered agents."""


class OutputError(UsageError):
    """The output location cannot be used, or would overwrite an existing article."""


class ProviderError(UcopError):
    """A model call failed."""

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.provider = provider
        self.status = status
        self.retry_after = retry_after
        super().__init__(message)


class TransientError(ProviderError):
    """A failure that another attempt may not hit: retried."""


class RateLimited(TransientError):
    """HTTP 429; `retry_after` holds the server's requested wait in seconds, if any."""


class UnusableOutput(TransientError):
    """The model's answer could not be parsed into what the agent needs."""


class PermanentError(ProviderError):
    """A failure another attempt would repeat (bad key, bad request): not retried."""


class BudgetExceeded(PermanentError):
    """Starting the call would pass the cost budget (`--max-cost`); it was not made."""


class AgentError(UcopError):
    """An agent body raised; `agent` names it."""

    def __init__(self, agent: str, message: str) -> None:
        self.agent = agent
        super().__init__(f"{agent}: {message}")


class WriteFailed(UcopError):
    """The outputs could not be written (no space, quota, a file size limit): exit 1, and
    none of them were, so no half-written set of files is left."""


class Interrupted(UcopError):
    """The user pressed Ctrl-C."""

    exit_code = 130


def one_line(exc: BaseException) -> str:
    """The exception's message on one line (its whitespace folded), or its type's name.

    For a message shown to people: `error: ...` on stderr, a lost batch task, a plugin."""
    return " ".join(str(exc).split()) or type(exc).__name__


def first_line(exc: BaseException) -> str:
    """`Type: the first line of its message` (or just `Type`), for an unexpected exception
    whose message may run to many lines (a parser's, a plugin's)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0].strip()}" if lines else type(exc).__name__
