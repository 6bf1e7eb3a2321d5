"""The checked run: settings, brief, workflow and output folder, and the values it uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ucop.brief import Brief
from ucop.config import Settings
from ucop.workflow.spec import Workflow

if TYPE_CHECKING:
    from ucop.providers.base import ProviderSpec
    from ucop.providers.record import ReplayProvider

# (setting, value, where the value came from), one row of the start-of-run block
SettingUsed = tuple[str, str, str]


@dataclass
class Job:
    """Everything a run needs, checked: settings, brief, workflow and output folder."""

    settings: Settings
    brief: Brief
    workflow: Workflow
    output: Path | None
    env: Mapping[str, str]
    resume: bool = False
    used: list[SettingUsed] = field(default_factory=list)
    record: Path | None = None  # --record: every model exchange as JSON Lines
    replayer: ReplayProvider | None = None  # --replay: answers from a recording

    @property
    def provider_name(self) -> str:
        return self.settings.config.provider.name

    @property
    def provider(self) -> ProviderSpec | None:
        """The provider's spec (its key variable, default model...); None for a replay's."""
        from ucop.providers import find

        return find(self.provider_name)

    @property
    def drafts_only(self) -> bool:
        """Whether the provider answers with the agents' own drafts (the offline writer)."""
        spec = self.provider
        return bool(spec and spec.writes_drafts)

    @property
    def model(self) -> str:
        spec = self.provider
        return self.settings.config.provider.model or (spec.default_model if spec else "")

    @property
    def api_key(self) -> str | None:
        spec = self.provider
        return self.env.get(spec.key_env) if spec and spec.key_env else None

    @property
    def timing_key(self) -> str:
        """Measured durations are kept per workflow, provider and model: they differ a lot."""
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.model)
        return f"{self.workflow.name}.{self.provider_name}.{safe}"

    @property
    def max_parallel(self) -> int:
        workflows = self.settings.config.workflows
        return workflows.max_parallel_agents if workflows.enable_parallel_execution else 1


def settings_used(job: Job) -> list[SettingUsed]:
    """The values that shape this run and where each came from, for the start-of-run block."""
    cfg, origin = job.settings.config, job.settings.origin
    mode = "parallel" if cfg.workflows.enable_parallel_execution else "sequential"
    spec = job.provider
    key = spec.key_env if spec else None
    rows = [
        ("config", str(job.settings.path), "--config, UCOP_CONFIG or ./config/main.yaml"),
        ("mode", mode, origin("workflows.enable_parallel_execution")),
        ("max parallel agents", str(job.max_parallel), origin("workflows.max_parallel_agents")),
        ("provider", job.provider_name, origin("provider.name")),
        ("model", job.model, _or_default(cfg.provider.model, origin("provider.model"))),
        (
            "base url",
            cfg.provider.base_url or (spec.default_base_url if spec else None) or "none",
            _or_default(cfg.provider.base_url, origin("provider.base_url")),
        ),
        (
            "max requests in flight",
            str(cfg.provider.max_concurrent_requests),
            origin("provider.max_concurrent_requests"),
        ),
        ("agent timeout", f"{cfg.agents.timeout_s:g}s", origin("agents.timeout_s")),
        ("retries", str(cfg.agents.retries), origin("agents.retries")),
        ("fail fast", str(cfg.workflows.fail_fast).lower(), origin("workflows.fail_fast")),
        (
            "run deadline",
            f"{cfg.workflows.deadline_s:g}s" if cfg.workflows.deadline_s else "none",
            origin("workflows.deadline_s"),
        ),
        ("site", cfg.output.site or "plain", origin("output.site")),
    ]
    if key:
        rows.append(("api key", "set" if job.env.get(key) else "not set", f"environment {key}"))
    return rows


def _or_default(value: object, origin: str) -> str:
    """A value left null (in the file or not at all) is the provider's default."""
    return origin if value is not None else "provider default"
