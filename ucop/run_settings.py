"""The run settings, defined once: what a flag may set, where it goes, and where it came from.

`RunSettings` names each setting and its type; `SETTINGS` says where each goes in the config
(`main.yaml`) and which environment variables may set it. `ucop.commands.run_flags` makes the
`generate` and `batch` flags from the same names and types, and `load_settings` refuses a
name that is not here, so a misspelt key is a mypy error or a `TypeError`, never ignored.

    flag --max-parallel -> RunSettings["max_parallel"] -> workflows.max_parallel_agents
                                                          (or UCOP_MAX_PARALLEL)

Each value then remembers its `Origin`: a flag, a variable, the config file, the default, or
something ucop found out itself (a recording, the server's model list).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from ucop.enums import StrEnum


class RunSettings(TypedDict, total=False):
    """What the caller of a run (the CLI's flags, a test, a batch) may set; None: not given."""

    parallel: bool | None
    max_parallel: int | None
    fail_fast: bool | None
    deadline: float | None
    provider: str | None
    model: str | None
    base_url: str | None
    api_version: str | None  # no flag: the config or the provider's own variable
    max_requests: int | None
    requests_per_minute: float | None
    tokens_per_minute: float | None
    pacing: bool | None
    max_cost: float | None
    timeout: float | None
    retries: int | None
    site: str | None
    run_code: bool | None
    allow_outside_refs: bool | None


@dataclass(frozen=True)
class Setting:
    """Where one run setting goes in the config, and the variables that may set it."""

    location: str  # "workflows.max_parallel_agents"
    env: tuple[str, ...] = ()
    parse: Callable[[str], Any] = str  # the variable's text -> the value


SETTINGS: dict[str, Setting] = {
    "parallel": Setting("workflows.enable_parallel_execution"),
    "max_parallel": Setting("workflows.max_parallel_agents", ("UCOP_MAX_PARALLEL",), int),
    "fail_fast": Setting("workflows.fail_fast"),
    "deadline": Setting("workflows.deadline_s", ("UCOP_DEADLINE",), float),
    "provider": Setting("provider.name", ("UCOP_PROVIDER",)),
    "model": Setting("provider.model", ("UCOP_MODEL",)),
    "base_url": Setting("provider.base_url"),  # env: the provider spec's base_url_env
    "api_version": Setting("provider.api_version"),  # env: the provider spec's params
    "max_requests": Setting("provider.max_concurrent_requests", ("UCOP_MAX_REQUESTS",), int),
    "requests_per_minute": Setting("provider.requests_per_minute", ("UCOP_RPM",), float),
    "tokens_per_minute": Setting("provider.tokens_per_minute", ("UCOP_TPM",), float),
    "pacing": Setting("provider.pacing"),
    "max_cost": Setting("provider.max_cost", ("UCOP_MAX_COST",), float),
    "timeout": Setting("agents.timeout_s", ("UCOP_TIMEOUT",), float),
    "retries": Setting("agents.retries", ("UCOP_RETRIES",), int),
    "site": Setting("output.site"),
    "run_code": Setting("output.run_code"),
    "allow_outside_refs": Setting("sources.allow_outside_refs"),
}
if set(SETTINGS) != set(RunSettings.__annotations__):  # the two halves of one definition
    raise AssertionError("ucop.run_settings: SETTINGS and RunSettings name different settings")


def unknown_settings(given: Mapping[str, Any]) -> list[str]:
    """The keys of `given` that are not run settings (misspelt, or not a setting at all)."""
    return sorted(set(given) - set(SETTINGS))


class OriginKind(StrEnum):
    """Where a setting's value came from; the precedence is flag > environment > file."""

    DEFAULT = "default"
    FILE = "config file"
    ENVIRONMENT = "environment"
    FLAG = "flag"
    FOUND = "found"  # worked out at run time: a recording, the server's model list


@dataclass(frozen=True)
class Origin:
    """One value's origin: its kind, and which file, variable, flag or finding it was."""

    kind: OriginKind
    detail: str = ""

    def __str__(self) -> str:
        """As people read it: "flag --provider", "environment UCOP_MODEL", "default"."""
        if self.kind is OriginKind.FOUND:
            return self.detail
        return f"{self.kind.value} {self.detail}".strip()

    @property
    def from_file(self) -> bool:
        return self.kind is OriginKind.FILE

    @property
    def from_flag(self) -> bool:
        return self.kind is OriginKind.FLAG


DEFAULT = Origin(OriginKind.DEFAULT)


def found(what: str) -> Origin:
    """The origin of a value ucop worked out itself ("the recording run.jsonl")."""
    return Origin(OriginKind.FOUND, what)
