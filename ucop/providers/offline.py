"""The offline writer: the embedded default provider. No key, no network, deterministic.

Every agent drafts its own part from the sources (`ucop.content.drafts`: whole passages
carried over, cited as [n]) and attaches that draft to its request; this provider answers
with it. The result is a grounded first draft, not polished prose, and every run says that
it came from here.
"""

from __future__ import annotations

from ucop.providers.base import Completion, CompletionRequest, ProviderSettings, ProviderSpec

NO_DRAFT = "The offline writer has no draft for this request."


class OfflineProvider:
    """Answers each request with the draft its agent attached."""

    name = "offline"

    def __init__(self, settings: ProviderSettings | None = None) -> None:
        self.model = (settings.model if settings else None) or "extractive-v1"

    def complete(self, request: CompletionRequest) -> Completion:
        text = request.draft or NO_DRAFT
        words_in = sum(len(m.content.split()) for m in request.messages)
        return Completion(
            text, input_tokens=words_in, output_tokens=len(text.split()), model=self.model
        )

    def close(self) -> None:
        pass


def create(settings: ProviderSettings) -> OfflineProvider:
    return OfflineProvider(settings)


SPEC = ProviderSpec(
    name="offline",
    create=create,
    default_model="extractive-v1",
    description="an extractive draft from your own sources; no key, no network",
    network=False,
    writes_drafts=True,
)
