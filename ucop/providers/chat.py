"""What the HTTP providers share: settings, key check, client, one JSON POST per attempt.

A subclass names its endpoint, headers, request body and how to read the answer; everything
else (key check, model choice, timeouts, error mapping, closing) is the same for every API.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from ucop.providers.base import Completion, CompletionRequest, ProviderSettings
from ucop.providers.http import make_client, pick_model, post_json, require_key
from ucop.redaction import redact_answer


class HttpChatProvider:
    """One attempt per call: POST the request as JSON to `url`, read a `Completion` back."""

    name: ClassVar[str]
    default_base_url: ClassVar[str]
    key_env: ClassVar[str]  # named in the missing-key message
    vendor: ClassVar[str]

    def __init__(self, settings: ProviderSettings) -> None:
        self.base_url = (settings.base_url or self.default_base_url).rstrip("/")
        require_key(self.name, settings.api_key, self.base_url, self.key_env, self.vendor)
        self.model = settings.model
        self._api_key = settings.api_key
        self._client = make_client(settings.max_concurrent_requests)

    @property
    def url(self) -> str:
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        raise NotImplementedError

    def payload(self, request: CompletionRequest, model: str) -> dict[str, Any]:
        raise NotImplementedError

    def read(self, data: dict[str, Any], model: str) -> Completion:
        raise NotImplementedError

    def complete(self, request: CompletionRequest) -> Completion:
        model = pick_model(request, self.model, self.name)
        data = post_json(
            self._client,
            self.url,
            headers=self.headers(),
            payload=self.payload(request, model),
            timeout_s=request.timeout_s,
            provider=self.name,
        )
        return self._redacted(self.read(data, model))

    def _redacted(self, completion: Completion) -> Completion:
        """The answer without any configured key: it is about to be cached and used."""
        text = redact_answer(completion.text, self._api_key)
        return completion if text == completion.text else dataclasses.replace(completion, text=text)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpChatProvider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:  # never shows the key
        return f"{type(self).__name__}(base_url={self.base_url!r}, model={self.model!r})"
