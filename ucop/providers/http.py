"""Shared HTTP plumbing for providers: one POST, an overall deadline, errors mapped to the tree.

`post_json` makes exactly one request. It streams the response body and gives up once
`timeout_s` has passed in total, because httpx's own timeouts apply to each read: a server
that trickles a few bytes at a time would otherwise hold the calling thread for as long as
it likes. Every failure becomes a `ProviderError` subclass whose message says what happened
and never contains an API key.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from ucop.errors import (
    ConfigError,
    PermanentError,
    ProviderError,
    RateLimited,
    TransientError,
    UnusableOutput,
)
from ucop.providers.base import CompletionRequest
from ucop.providers.ratelimit_headers import observe as observe_rate_limits

MAX_BODY_BYTES = 32 * 1024 * 1024
SENSITIVE_HEADERS = ("authorization", "x-api-key", "api-key", "proxy-authorization")
RETRYABLE_STATUSES = frozenset({408, 409})
STATUS_HINTS = {
    401: "check the API key",
    403: "check the API key and that it may use this model",
    404: "check the model name and the base URL",
}
LOCAL_SERVER_HINT = "point --base-url at a local {kind}-compatible server"
_KEY_PATTERNS = (
    re.compile(r"\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{12,}"),
    re.compile(r"(?i)\bbearer\s+[^\s\"',;]+"),
)


def post_json(
    client: httpx.Client,
    url: str,
    *,
    headers: Mapping[str, str],
    payload: Mapping[str, Any],
    timeout_s: float,
    provider: str,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """POST `payload` as JSON once and return the decoded JSON object, or raise a ProviderError.

    The body must finish arriving within `timeout_s` of the call; it is checked after every
    chunk, so a trickle is cut at the deadline. Each read also has httpx's own `timeout_s`
    limit, which bounds a server that goes silent (at worst about 2 x `timeout_s` if it
    stalls just before the deadline).
    """
    secrets = _header_secrets(headers)
    where = f"{provider}: request to {_plain(url)}"
    deadline = clock() + timeout_s
    try:
        with client.stream(
            "POST",
            url,
            headers=dict(headers),
            json=dict(payload),
            timeout=httpx.Timeout(max(timeout_s, 0.001)),
        ) as response:
            body = _read_body(response, deadline, clock, provider, where)
    except httpx.HTTPError as exc:
        raise _transport_error(exc, where, provider, timeout_s, secrets) from None
    observe_rate_limits(response.headers)
    return _decode(response, body, provider, url, secrets, wall_clock())


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, from `retry-after-ms` or `Retry-After`, else None.

    `Retry-After` may be seconds or an HTTP-date; `now` (epoch seconds, default `time.time()`)
    turns a date into a wait. A date in the past means 0; anything unparsable means None.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    millis = _non_negative_float(lowered.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000.0
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    seconds = _non_negative_float(raw)
    if seconds is not None:
        return seconds
    return _seconds_until_date(raw, time.time() if now is None else now)


def is_local_url(url: str) -> bool:
    """True for servers on this machine or network (loopback, private, link-local, *.local)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def require_key(provider: str, api_key: str | None, base_url: str, env_var: str, kind: str) -> None:
    """Raise ConfigError unless there is a key or the server is local (Ollama, vLLM, llama.cpp)."""
    if api_key or is_local_url(base_url):
        return
    raise ConfigError(
        f"No API key found for provider {provider} - set {env_var}, or "
        + LOCAL_SERVER_HINT.format(kind=kind)
    )


def make_client(
    max_concurrent_requests: int, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """One thread-safe client per provider, its pool sized to the request cap.

    `transport` replaces the network (and its pool) with another httpx transport: the
    loopback model server in process, in tests."""
    size = max(1, max_concurrent_requests)
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
    return httpx.Client(limits=limits, follow_redirects=False, transport=transport)


def pick_model(request: CompletionRequest, default: str, provider: str) -> str:
    """The request's model, else the provider's; a PermanentError when neither is set."""
    model = request.model or default
    if not model:
        raise PermanentError(
            f"{provider}: no model given - set --model or `model:` in the config",
            provider=provider,
        )
    return model


def as_dict(value: object) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one: for optional parts of a response."""
    return value if isinstance(value, dict) else {}


def token_count(value: object) -> int:
    """A usage figure from a response, or 0 when the server left it out or sent junk."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def junk_figures(usage: Mapping[str, Any], names: Iterable[str]) -> str:
    """The usage figures among `names` that are there but not counts (negative, fractional,
    text): `"completion_tokens=-5"`; "" when every one present is a count."""
    bad = [
        f"{name}={_shorten(repr(usage[name]), 40)}"
        for name in names
        if name in usage and usage[name] is not None and token_count(usage[name]) != usage[name]
    ]
    return ", ".join(bad)


def cached_tokens(usage: Mapping[str, Any]) -> int:
    """Input tokens served from the prompt cache: OpenAI's and Anthropic's usage shapes."""
    details = as_dict(usage.get("prompt_tokens_details"))
    return token_count(details.get("cached_tokens")) or token_count(
        usage.get("cache_read_input_tokens")
    )


def cache_shared_block(system: str) -> list[dict[str, Any]]:
    """Anthropic's system prompt as one block marked for its prompt cache.

    The system block is the part every call of a kind shares, so marking it lets the
    provider bill it as a cache read from the second call on (when it is long enough).
    """
    return [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}]


def cache_shared_prefix(content: str, shared: int) -> str | list[dict[str, Any]]:
    """A user message whose first `shared` characters every call of the run shares, as two
    Anthropic text blocks with a cache breakpoint after the first (the text is unchanged)."""
    if not 0 < shared < len(content) or not content[:shared].strip():
        return content
    return [
        {"type": "text", "text": content[:shared], "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": content[shared:]},
    ]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove known secrets and anything shaped like an API key or bearer token from `text`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    for pattern in _KEY_PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text


def _read_body(
    response: httpx.Response,
    deadline: float,
    clock: Callable[[], float],
    provider: str,
    where: str,
) -> bytes:
    """The whole body, unless the overall deadline passes or it grows past MAX_BODY_BYTES."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if clock() > deadline:
            raise TransientError(
                f"{where} gave up: the response was still arriving at the deadline",
                provider=provider,
            )
        if size > MAX_BODY_BYTES:
            raise UnusableOutput(
                f"{where}: the response is larger than {MAX_BODY_BYTES} bytes",
                provider=provider,
            )
    return b"".join(chunks)


def _decode(
    response: httpx.Response,
    body: bytes,
    provider: str,
    url: str,
    secrets: tuple[str, ...],
    now: float,
) -> dict[str, Any]:
    status = response.status_code
    if 200 <= status < 300:
        return _json_object(body, provider, url, status)
    detail = redact(_server_message(body), secrets)
    where = f"{provider}: HTTP {status} from {_plain(url)}"
    if status == 429:
        wait = parse_retry_after(response.headers, now)
        raise RateLimited(
            f"{where}: rate limited - {detail}", provider=provider, status=status, retry_after=wait
        )
    if status in RETRYABLE_STATUSES or status >= 500:
        raise TransientError(f"{where}: {detail}", provider=provider, status=status)
    hint = STATUS_HINTS.get(status) or ("redirects are not followed" if status < 400 else None)
    message = f"{where}: {detail}" + (f" ({hint})" if hint else "")
    raise PermanentError(message, provider=provider, status=status)


def _json_object(body: bytes, provider: str, url: str, status: int) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # nested too deep is as unusable as malformed
        raise UnusableOutput(
            f"{provider}: HTTP {status} from {_plain(url)} was not valid JSON",
            provider=provider,
            status=status,
        ) from None
    if not isinstance(data, dict):
        raise UnusableOutput(
            f"{provider}: HTTP {status} from {_plain(url)} was JSON but not an object",
            provider=provider,
            status=status,
        )
    return data


def _server_message(body: bytes) -> str:
    """The server's own error text: OpenAI, Anthropic, Ollama and FastAPI shapes, else raw."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return _shorten(text) or "no error message"
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and error.get("message"):
            return _shorten(str(error["message"]))
        for candidate in (error, data.get("message"), data.get("detail")):
            if isinstance(candidate, str) and candidate:
                return _shorten(candidate)
    return _shorten(text)


def _transport_error(
    exc: httpx.HTTPError, where: str, provider: str, timeout_s: float, secrets: tuple[str, ...]
) -> ProviderError:
    reason = redact(f"{type(exc).__name__}: {exc}", secrets)
    if isinstance(exc, httpx.TimeoutException):
        message = f"{where} timed out after {timeout_s:g}s ({reason})"
        return TransientError(message, provider=provider)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return PermanentError(f"{where} failed - check the base URL ({reason})", provider=provider)
    if isinstance(exc, httpx.DecodingError):
        return UnusableOutput(f"{where} returned an undecodable body ({reason})", provider=provider)
    return TransientError(f"{where} failed ({reason})", provider=provider)


def _header_secrets(headers: Mapping[str, str]) -> tuple[str, ...]:
    values = (value for name, value in headers.items() if name.lower() in SENSITIVE_HEADERS)
    stripped = (re.sub(r"(?i)^(bearer|basic)\s+", "", value).strip() for value in values)
    return tuple(value for value in stripped if len(value) >= 4)


def _non_negative_float(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _seconds_until_date(raw: str, now: float) -> float | None:
    try:
        when = parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" dates parse naive; RFC 9110 dates are always GMT
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now)


def _plain(url: str) -> str:
    """The URL without user info, query or fragment, any of which may carry credentials."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{parts.path}"


def _shorten(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
