"""Configuration: `main.yaml`, validated, with flag > environment > file > default.

Every resolved value remembers where it came from, so `ucop generate` can say which values it
used. Validation reports every problem at once as `location: message`; unknown keys and wrong
types are errors, never silently ignored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ucop.errors import ConfigError
from ucop.run_settings import DEFAULT, SETTINGS, Origin, OriginKind, unknown_settings


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class WorkflowsConfig(_Strict):
    enable_parallel_execution: bool = True
    max_parallel_agents: int = Field(5, ge=1, le=256)
    workflow: str = "workflow.yaml"
    fail_fast: bool = False
    deadline_s: float | None = Field(None, gt=0)


class PriceEntry(_Strict):
    """Dollars per million tokens, as in ucop/data/prices.yaml."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(None, ge=0)


class ProviderConfig(_Strict):
    name: str = "offline"
    model: str | None = None
    base_url: str | None = None
    max_concurrent_requests: int = Field(8, ge=1, le=256)
    temperature: float = Field(0.3, ge=0, le=2)
    max_tokens: int = Field(1200, ge=16, le=200_000)
    api_version: str | None = None  # Azure OpenAI's api-version (default: a current GA one)
    requests_per_minute: float | None = Field(None, gt=0)
    tokens_per_minute: float | None = Field(None, gt=0)
    pacing: bool = True
    max_cost: float | None = Field(None, gt=0)
    prices: dict[str, PriceEntry] = Field(default_factory=dict)
    # The provider's own settings, validated by its spec's `options` model (provider_options.py)
    options: dict[str, Any] = Field(default_factory=dict)


class AgentOverride(_Strict):
    timeout_s: float | None = Field(None, gt=0, le=86_400)
    estimate_s: float | None = Field(None, ge=0)


class AgentsConfig(_Strict):
    timeout_s: float = Field(120, gt=0, le=86_400)
    retries: int = Field(3, ge=0, le=20)
    overrides: dict[str, AgentOverride] = Field(default_factory=dict)


class RetryConfig(_Strict):
    base_s: float = Field(0.5, ge=0, le=60)
    max_backoff_s: float = Field(20, ge=0, le=600)
    retry_after_cap_s: float = Field(60, ge=0, le=3600)


class PromptsConfig(_Strict):
    dir: str | None = None


class OutputConfig(_Strict):
    site: str | None = None  # a registered site profile (ucop/article/sites.py)
    run_code: bool = False

    @field_validator("site")
    @classmethod
    def _known_site(cls, value: str | None) -> str | None:
        from ucop.article.sites import REGISTRY
        from ucop.errors import UsageError

        if value is not None:
            try:
                REGISTRY.choose(value)  # imported now: a broken plugin fails here, not mid-run
            except UsageError as exc:
                raise ValueError(str(exc)) from None
        return value


class SourcesConfig(_Strict):
    allow_outside_refs: bool = False


class Config(_Strict):
    workflows: WorkflowsConfig = Field(default_factory=WorkflowsConfig)
    provider: ProviderConfig = Field(default_factory=ProviderConfig)
    agents: AgentsConfig = Field(default_factory=AgentsConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    prompts: PromptsConfig = Field(default_factory=PromptsConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    sources: SourcesConfig = Field(default_factory=SourcesConfig)


@dataclass
class Settings:
    """A validated config plus where each value came from and where the file was."""

    config: Config
    path: Path | None
    origins: dict[str, Origin] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else default_config_dir()

    def resolve(self, relative: str) -> Path:
        """A path from the config, taken relative to the config file's folder."""
        path = Path(relative).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    def origin(self, location: str) -> str:
        """Where the value at `location` came from, as people read it ("flag --site")."""
        return str(self.source(location))

    def source(self, location: str) -> Origin:
        """Where the value at `location` came from, typed."""
        return self.origins.get(location, DEFAULT)

    def workflow_path(self) -> Path:
        """The workflow file: as configured (relative to the config), else the shipped one."""
        if self.source("workflows.workflow").kind is OriginKind.DEFAULT:
            return default_config_dir() / self.config.workflows.workflow
        return self.resolve(self.config.workflows.workflow)

    def prompt_folders(self) -> list[Path]:
        """Where prompts are looked up: the user's `prompts.dir` first, then the shipped ones."""
        folders = [default_config_dir() / "prompts"]
        if self.config.prompts.dir:
            folders.insert(0, self.resolve(self.config.prompts.dir))
        return folders


def default_config_dir() -> Path:
    """The shipped config, workflow and prompts: the `ucop.defaults` package data.

    The same folder in a checkout, an editable install and a wheel: there is one copy.
    """
    folder = Path(str(resources.files("ucop.defaults")))
    if not (folder / "main.yaml").is_file():
        raise ConfigError(
            f"{folder}: the shipped config is missing - reinstall ucop "
            "(pip install --force-reinstall ucop)"
        )
    return folder


def find_config(flag: str | None, env: Mapping[str, str]) -> Path:
    """Which config file to load: --config, then UCOP_CONFIG, then ./config, then the default."""
    chosen = flag or env.get("UCOP_CONFIG")
    if chosen:
        path = Path(chosen).expanduser()
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found - check --config or UCOP_CONFIG")
        return path
    local = Path.cwd() / "config" / "main.yaml"
    return local if local.is_file() else default_config_dir() / "main.yaml"


def load_settings(
    path: str | None = None,
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Load, merge and validate: flags > environment > config file > defaults."""
    env = os.environ if env is None else env
    file = find_config(path, env)
    data = _read_yaml(file)
    origins = {loc: Origin(OriginKind.FILE, file.name) for loc in _leaf_locations(data)}
    problems: list[str] = []
    provider = _layer(data, origins, flags or {}, env, problems)
    if problems:
        raise ConfigError(problems, source=str(file))
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc, origins), source=str(file)) from None
    _provider_environment(config, provider, env, origins)
    _check_base_url_shape(config, origins, file)
    from ucop.provider_options import check_options

    check_options(config.provider, lambda location: _located(location, origins), str(file))
    return Settings(config, file, origins)


def _check_base_url_shape(config: Config, origins: Mapping[str, Origin], file: Path) -> None:
    """A base URL must be http(s)://host[:port][/path]: anything else is a usage error."""
    url = config.provider.base_url
    if url is None:
        return
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a bad port or bracketed host
        ok = False
    if not ok:
        origin = origins.get("provider.base_url", Origin(OriginKind.FILE))
        raise ConfigError(
            f"provider.base_url (from {origin}): {url!r} is not an http(s) URL - "
            "e.g. http://localhost:11434/v1",
            source=str(file) if origin.from_file else "config",
        )


def _layer(
    data: dict,
    origins: dict[str, Origin],
    flags: Mapping[str, Any],
    env: Mapping[str, str],
    problems: list[str],
) -> str:
    unknown = unknown_settings(flags)
    if unknown:  # a caller's bug (the CLI's flags come from the same table), not the user's
        raise TypeError(f"not run settings: {', '.join(unknown)} - see ucop.run_settings")
    for key, setting in SETTINGS.items():
        for name in setting.env:
            if env.get(name, "").strip():
                value = _parse_env(name, env[name], setting.parse, problems)
                _set(data, setting.location, value)
                origins[setting.location] = Origin(OriginKind.ENVIRONMENT, name)
        if flags.get(key) is not None:
            _set(data, setting.location, flags[key])
            origins[setting.location] = Origin(OriginKind.FLAG, f"--{key.replace('_', '-')}")
    return str(_get(data, "provider.name") or "offline")


def _provider_environment(
    config: Config, provider: str, env: Mapping[str, str], origins: dict[str, Origin]
) -> None:
    """The provider's own variables (base URL, request parameters) apply when no flag or file
    value is set; which variables those are is the provider spec's business."""
    from ucop.providers import find

    spec = find(provider)
    if spec is None:
        return  # an unknown provider is reported by the caller, with the known names
    wanted = {"base_url": spec.base_url_env, **spec.params}
    for field_name, name in wanted.items():
        if not name or not env.get(name, "").strip():
            continue
        if field_name not in ProviderConfig.model_fields:  # the provider's own option
            if field_name not in config.provider.options:
                config.provider.options[field_name] = env[name].strip()
                origins[f"provider.options.{field_name}"] = Origin(OriginKind.ENVIRONMENT, name)
        elif getattr(config.provider, field_name, None) is None:
            setattr(config.provider, field_name, env[name].strip())
            origins[f"provider.{field_name}"] = Origin(OriginKind.ENVIRONMENT, name)


def _parse_env(name: str, text: str, parse: Any, problems: list[str]) -> Any:
    try:
        return parse(text.strip())
    except ValueError:
        kind = {int: "a whole number", float: "a number"}.get(parse, "a value")
        problems.append(f"{name}: '{text}' is not {kind}")
        return None


def _read_yaml(path: Path) -> dict:
    from ucop.errors import SourceError
    from ucop.sources.frontmatter import YAML_ERRORS, json_safe, read_text_file

    try:
        text = read_text_file(path)  # a regular UTF-8 file within the input size limit
        data = json_safe(yaml.safe_load(text), source=str(path))
    except SourceError as exc:
        raise ConfigError(str(exc).removeprefix(f"{path}: "), str(path)) from None
    except YAML_ERRORS as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "YAML"
        raise ConfigError(
            f"{where}: not valid YAML - {getattr(exc, 'problem', exc)}", str(path)
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            "top level: must be a mapping of sections (workflows:, provider:, ...)", str(path)
        )
    return data


def _format_errors(exc: ValidationError, origins: Mapping[str, Origin]) -> list[str]:
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"])
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key - remove it or check its spelling"
        elif error["type"] == "value_error":  # our own validators' messages, without the prefix
            message = message.removeprefix("Value error, ")
        problems.append(f"{_located(location, origins)}: {message}")
    return problems


def _located(location: str, origins: Mapping[str, Origin]) -> str:
    """`location`, plus where its value came from when that was not the config file."""
    origin = origins.get(location)
    return f"{location} (from {origin})" if origin and not origin.from_file else location


def _leaf_locations(data: Any, prefix: str = "") -> list[str]:
    if isinstance(data, dict) and data:
        return [
            loc
            for key, value in data.items()
            for loc in _leaf_locations(value, f"{prefix}.{key}" if prefix else str(key))
        ]
    return [prefix] if prefix else []


def _set(data: dict, location: str, value: Any) -> None:
    *parents, leaf = location.split(".")
    node = data
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[leaf] = value


def _get(data: dict, location: str) -> Any:
    node: Any = data
    for part in location.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node
