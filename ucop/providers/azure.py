"""Azure OpenAI: OpenAI's chat completions at a resource endpoint, one URL per deployment.

Requests go to `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=V`
with the key in an `api-key` header. The endpoint is the resource's
(`https://RESOURCE.openai.azure.com`), `--model` names the deployment (the name given to it
in Azure, not the model behind it), and the API version comes from `OPENAI_API_VERSION` or
`provider.api_version`. The caller resolves all of them into `ProviderSettings`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ucop.errors import ConfigError
from ucop.providers.base import CompletionRequest, ProviderSettings, ProviderSpec
from ucop.providers.openai import OpenAIProvider, chat_body, is_reasoning_model, response_format

DEFAULT_API_VERSION = "2024-10-21"  # the current GA version; it takes json_schema output


class AzureOpenAIProvider(OpenAIProvider):
    """One attempt per call against a deployment's chat-completions URL."""

    name = "azure"
    default_base_url = ""
    key_env = "AZURE_OPENAI_API_KEY"
    vendor = "Azure OpenAI"

    def __init__(self, settings: ProviderSettings) -> None:
        if not settings.base_url:
            raise ConfigError(
                "azure: no resource endpoint - set --base-url or AZURE_OPENAI_ENDPOINT "
                "(https://RESOURCE.openai.azure.com)",
                source="provider",
            )
        if not settings.model:
            raise ConfigError(
                "azure: no deployment - set --model to the deployment's name", source="provider"
            )
        super().__init__(settings)
        self.base_url = self.base_url.removesuffix("/openai")
        self.api_version = str(settings.extra.get("api_version") or DEFAULT_API_VERSION)

    @property
    def url(self) -> str:
        return self.url_for(self.model)

    def url_for(self, model: str) -> str:
        deployment = quote(model, safe="")
        version = quote(self.api_version, safe="")
        return (
            f"{self.base_url}/openai/deployments/{deployment}/chat/completions"
            f"?api-version={version}"
        )

    def headers(self) -> dict[str, str]:
        return {"api-key": self._api_key} if self._api_key else {}

    def payload(self, request: CompletionRequest, model: str, form: str | None) -> dict[str, Any]:
        # The deployment is in the URL. Only names that look like reasoning models get
        # `max_completion_tokens`: a deployment name need not say what runs behind it.
        reasoning = is_reasoning_model(model)
        body = chat_body(request, completion_tokens=reasoning, reasoning=reasoning)
        return {**body, **response_format(request, form)}


SPEC = ProviderSpec(
    name="azure",
    create=AzureOpenAIProvider,
    key_env=AzureOpenAIProvider.key_env,
    base_url_env="AZURE_OPENAI_ENDPOINT",
    params={"api_version": "OPENAI_API_VERSION"},
    description="Azure OpenAI: --base-url is the resource endpoint, --model the deployment",
)
