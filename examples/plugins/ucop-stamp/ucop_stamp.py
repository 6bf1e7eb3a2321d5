"""A ucop provider plugin that needs no network: the offline writer, stamped.

It answers every request with ucop's own offline writer and puts a visible stamp line in
front of each prose part (introduction, sections, conclusion), so an article written with
`--provider stamp` says so on its face. JSON answers (the outline) pass through unchanged.

Everything ucop needs to know about the provider is the `SPEC` below; the entry point in
pyproject.toml names it. It shows a provider's own option too: the stamp's text, set in the
config (`provider: {name: stamp, options: {stamp: "..."}}`) or by UCOP_STAMP_TEXT, checked by
`StampOptions` (an unknown or empty option is a config error naming it, exit 2).
"""

from __future__ import annotations

from dataclasses import replace

from pydantic import BaseModel, ConfigDict, Field

from ucop.providers.base import Completion, CompletionRequest, ProviderSettings, ProviderSpec
from ucop.providers.offline import OfflineProvider

STAMP = "*Stamped draft: written by the ucop-stamp plugin from your sources, no model called.*"
PROSE_TASKS = ("introduction", "section", "conclusion")


class StampOptions(BaseModel):
    """The provider's own settings, under `provider.options` in ucop's config."""

    model_config = ConfigDict(extra="forbid")

    stamp: str = Field(STAMP, min_length=1, max_length=200)


class StampProvider:
    """One attempt per call, like every provider: the offline writer's answer, stamped."""

    name = "stamp"

    def __init__(self, settings: ProviderSettings) -> None:
        self.model = settings.model or SPEC.default_model
        self.stamp = str(settings.extra.get("stamp") or STAMP)
        self._writer = OfflineProvider(settings)

    def complete(self, request: CompletionRequest) -> Completion:
        completion = self._writer.complete(request)
        if request.task in PROSE_TASKS:
            completion = replace(completion, text=f"{self.stamp}\n\n{completion.text}")
        return replace(completion, model=self.model)

    def close(self) -> None:
        self._writer.close()


SPEC = ProviderSpec(
    name="stamp",
    create=StampProvider,
    default_model="stamp-v1",
    description="the offline writer with a visible stamp on each part (example plugin)",
    network=False,
    options=StampOptions,
    params={"stamp": "UCOP_STAMP_TEXT"},  # the variable that may set the option
)
