"""What the HTTP providers share: settings, key check, client, one JSON POST per attempt.

A subclass names its endpoint, headers, request body and how to read the answer; everything
else (key check, model choice, timeouts, error mapping, closing) is the same for every API.
A request with a `schema` asks for structured output in the subclass's `structured_forms`;
a server that rejects a form is asked again without it (see `ucop.providers.structured`).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from ucop.errors import ProviderError
from ucop.providers.base import Completion, CompletionRequest, ProviderSettings
from ucop.providers.http import make_client, pick_model, post_json, require_key
from ucop.providers.structured import StructuredOutput
from ucop.redaction import redact_answer


class HttpChatProvider:
    """One attempt per call: POST the request as JSON to `url`, read a `Completion` back."""

    name: str  # an instance attribute as far as the Provider protocol is concerned
    default_base_url: ClassVar[str]
    key_env: ClassVar[str]  # named in the missing-key message
    vendor: ClassVar[str]
    structured_forms: ClassVar[tuple[str, ...]] = ()  # best first

    def __init__(self, settings: ProviderSettings) -> None:
        self.base_url = (settings.base_url or self.default_base_url).rstrip("/")
        require_key(self.name, settings.api_key, self.base_url, self.key_env, self.vendor)
        self.model = settings.model
        self._api_key = settings.api_key
        self._client = make_client(settings.max_concurrent_requests, settings.transport)
        self.structured = StructuredOutput(self.structured_forms)

    @property
    def url(self) -> str:
        raise NotImplementedError

    def url_for(self, model: str) -> str:
        """The endpoint for `model`; most APIs name the model in the body, not the URL."""
        return self.url

    def headers(self) -> dict[str, str]:
        raise NotImplementedError

    def payload(self, request: CompletionRequest, model: str, form: str | None) -> dict[str, Any]:
        """The request body; `form` names the structured-output form to ask for, if any."""
        raise NotImplementedError

    def read(self, data: dict[str, Any], model: str) -> Completion:
        raise NotImplementedError

    def complete(self, request: CompletionRequest) -> Completion:
        model = pick_model(request, self.model, self.name)
        while True:
            form = self.structured.form if request.schema else None
            try:
                data = self._post(request, model, form)
            except ProviderError as error:  # a 5xx may be about the form too (llama-cpp-python)
                if form is None or not self.structured.step_down(form, error):
                    raise
                continue  # the server does not take this form: ask again with the next one
            completion = self._redacted(self.read(data, model))
            if request.schema:
                self.structured.answered(form)
            return completion

    def _redacted(self, completion: Completion) -> Completion:
        """The answer without any configured key: it is about to be cached and used."""
        text = redact_answer(completion.text, self._api_key)
        return completion if text == completion.text else dataclasses.replace(completion, text=text)

    def _post(self, request: CompletionRequest, model: str, form: str | None) -> dict[str, Any]:
        return post_json(
            self._client,
            self.url_for(model),
            headers=self.headers(),
            payload=self.payload(request, model, form),
            timeout_s=request.timeout_s,
            provider=self.name,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpChatProvider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:  # never shows the key
        return f"{type(self).__name__}(base_url={self.base_url!r}, model={self.model!r})"
