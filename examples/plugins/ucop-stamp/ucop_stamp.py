"""A ucop provider plugin that needs no network: the offline writer, stamped.

It answers every request with ucop's own offline writer and puts a visible stamp line in
front of each prose part (introduction, sections, conclusion), so an article written with
`--provider stamp` says so on its face. JSON answers (the outline) pass through unchanged.

Everything ucop needs to know about the provider is the `SPEC` below; the entry point in
pyproject.toml names it.
"""

from __future__ import annotations

from dataclasses import replace

from ucop.providers.base import Completion, CompletionRequest, ProviderSettings, ProviderSpec
from ucop.providers.offline import OfflineProvider

STAMP = "*Stamped draft: written by the ucop-stamp plugin from your sources, no model called.*"
PROSE_TASKS = ("introduction", "section", "conclusion")


class StampProvider:
    """One attempt per call, like every provider: the offline writer's answer, stamped."""

    name = "stamp"

    def __init__(self, settings: ProviderSettings) -> None:
        self.model = settings.model or SPEC.default_model
        self._writer = OfflineProvider(settings)

    def complete(self, request: CompletionRequest) -> Completion:
        completion = self._writer.complete(request)
        if request.task in PROSE_TASKS:
            completion = replace(completion, text=f"{STAMP}\n\n{completion.text}")
        return replace(completion, model=self.model)

    def close(self) -> None:
        self._writer.close()


SPEC = ProviderSpec(
    name="stamp",
    create=StampProvider,
    default_model="stamp-v1",
    description="the offline writer with a visible stamp on each part (example plugin)",
    network=False,
)
